// Segmentation details (SDM vol. 3 §3.4-§5.x): limits of byte- and page-granular and
// expand-down segments, read-only and execute-only segments, 16-bit code segments with
// operand-size prefixes, conforming code, LAR/LSL/VERR/VERW/ARPL, SGDT/SIDT.
import { describe, expect, it } from 'vitest';
import { descriptor, TestMachine } from './system-harness';

describe('segments', () => {
  it('checks byte-granular, page-granular and expand-down limits', () => {
    const m = new TestMachine();
    m.setGdtEntry(9, descriptor(0x100000, 0xfff, 0x92, 0x4)); // 4 KiB, byte granular
    m.setGdtEntry(10, descriptor(0x100000, 0x1, 0x92, 0xc)); // 8 KiB, page granular
    m.setGdtEntry(11, descriptor(0x100000, 0xfff, 0x96, 0x4)); // expand-down: valid 0x1000..0xffffffff
    m.load(0x20000, `
      mov ax, 0x48
      mov ds, ax
      mov eax, [0xffc]       ; last dword inside
      mov ax, 0x50
      mov es, ax
      mov dword [es:0x1ffc], 7
      mov ax, 0x58
      mov fs, ax
      mov dword [fs:0x1000], 9 ; inside the expand-down range
      mov ebx, [fs:0xffe]      ; crosses below the lower bound -> #GP(0)
      hlt`);
    m.flat(0x20000);
    m.run();
    expect(m.r32(0x101ffc)).toBe(7);
    expect(m.r32(0x101000)).toBe(9);
    expect(m.traps[0]).toMatchObject({ vector: 13, errorCode: 0 });
    const t = new TestMachine();
    t.setGdtEntry(9, descriptor(0x100000, 0xfff, 0x92, 0x4));
    t.load(0x20000, 'mov ax, 0x48\n mov ds, ax\n mov eax, [0xffd]\n hlt');
    t.flat(0x20000);
    t.run();
    expect(t.traps[0]).toMatchObject({ vector: 13, errorCode: 0 });
  });

  it('refuses writes to read-only data and code, and reads of execute-only code', () => {
    const ro = new TestMachine();
    ro.setGdtEntry(9, descriptor(0, 0xfffff, 0x90, 0xc)); // read-only data
    ro.load(0x20000, 'mov ax, 0x48\n mov ds, ax\n mov eax, [0x5000]\n mov [0x5000], eax\n hlt');
    ro.flat(0x20000);
    ro.run();
    expect(ro.traps[0]).toMatchObject({ vector: 13, eip: 0x2000b });
    const cs = new TestMachine();
    cs.load(0x20000, 'mov eax, [cs:0x5000]\n mov [cs:0x5000], eax\n hlt');
    cs.flat(0x20000);
    cs.run();
    expect(cs.traps[0]).toMatchObject({ vector: 13, eip: 0x20006 }); // readable code: the read works, the write faults
    const xo = new TestMachine();
    xo.setGdtEntry(9, descriptor(0, 0xfffff, 0x98, 0xc)); // execute-only code
    xo.load(0x20000, 'mov ax, 0x48\n mov ds, ax\n hlt');
    xo.flat(0x20000);
    xo.run();
    expect(xo.traps[0]).toMatchObject({ vector: 13, errorCode: 0x48 });
  });

  it('runs a 16-bit protected-mode code segment with operand- and address-size prefixes', () => {
    const m = new TestMachine();
    m.load(0x20000, 'jmp 0x40:0x8000');
    m.load(0x8000, `
      mov eax, 0x12345678     ; 66 prefix in a 16-bit segment
      mov bx, 0x1234
      mov dword [0x6000], eax ; 16-bit addressing
      mov ecx, 0x6000
      mov edx, [ecx]          ; 67 prefix: 32-bit addressing
      push ax
      pop si
      hlt`, 16);
    m.flat(0x20000);
    expect(m.run()).toBe('halt');
    expect(m.cpu.getRegister('edx')).toBe(0x12345678);
    expect(m.cpu.getRegister('si')).toBe(0x5678);
    expect(m.cpu.getRegister('cs')).toBe(0x40);
  });

  it('LAR, LSL, VERR, VERW, ARPL and SGDT report what the descriptors say', () => {
    const m = new TestMachine();
    m.load(0x20000, `
      mov ax, 0x10
      lar ebx, ax
      lsl ecx, ax
      verw ax
      setz dl
      mov ax, 0x08
      verw ax
      setz dh
      mov ax, 0x1b
      mov si, 0x10
      arpl si, ax
      setz al
      sgdt [0x6000]
      hlt`);
    m.flat(0x20000);
    expect(m.run()).toBe('halt');
    expect(m.cpu.getRegister('ebx')).toBe(0x00cf9300);
    expect(m.cpu.getRegister('ecx')).toBe(0xffffffff);
    expect(m.cpu.getRegister('dl')).toBe(1);
    expect(m.cpu.getRegister('dh')).toBe(0);
    expect(m.cpu.getRegister('si')).toBe(0x13);
    expect(m.cpu.getRegister('al')).toBe(1);
    expect(m.memory.view.getUint16(0x6000, true)).toBe(m.cpu.gdtLimit);
    expect(m.r32(0x6002)).toBe(0x1000);
  });

  it("a conforming code segment runs at the caller's CPL", () => {
    const m = new TestMachine();
    m.setGdtEntry(9, descriptor(0, 0xfffff, 0x9e, 0xc)); // conforming, DPL 0
    m.load(0x20000, 'push 0x23\n push 0x60000\n push 0x202\n push 0x1b\n push 0x21000\n iretd');
    m.load(0x21000, 'call 0x4b:0x22000\n jmp $'); // RPL 3 selector of the conforming segment
    m.load(0x22000, 'mov ecx, cs\n mov ebx, ss\n ud2');
    m.flat(0x20000);
    m.run();
    expect(m.cpu.getRegister('ecx')).toBe(0x4b);
    expect(m.cpu.getRegister('ebx')).toBe(0x23); // no stack switch
    expect(m.traps[0]).toMatchObject({ vector: 6, cs: 0x4b });
  });
});
