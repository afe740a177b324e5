// The decoded-instruction cache as a guest sees it: none. Code that rewrites itself (opcode,
// ModR/M, displacement), code the host rewrites between runs, a code page patched through
// another linear alias, the same bytes run with a 16-bit and a 32-bit CS, and prefixed and
// plain forms alternating in one loop must all behave as if every instruction were decoded
// afresh (SDM vol. 3 §8.1.3: a write to code takes effect for the next fetch of it).
import { describe, expect, it } from 'vitest';
import { descriptor, TestMachine } from './system-harness';

describe('decoded-instruction cache', () => {
  it('a loop that rewrites its own opcode and ModR/M runs the new instruction on the next pass', () => {
    const m = new TestMachine();
    m.load(0x20000, `
      mov ebx, 3
      mov ecx, 20
    again:
    target:
      add eax, ebx          ; 01 d8; becomes sub eax, ebx (29 d8), then sub eax, ecx (29 c8)
      cmp ecx, 11
      jne skip1
      mov byte [target], 0x29
    skip1:
      cmp ecx, 6
      jne skip2
      mov byte [target + 1], 0xc8
    skip2:
      loop again
      hlt`);
    m.flat(0x20000);
    m.run();
    // 10 passes of +3, 5 of -3, then -ecx for ecx = 5..1.
    expect(m.cpu.getRegister('eax') | 0).toBe(10 * 3 - 5 * 3 - (5 + 4 + 3 + 2 + 1));
  });

  it('a rewritten displacement addresses the new operand', () => {
    const m = new TestMachine();
    m.load(0x20000, `
      mov esi, 0x30000
      mov dword [esi + 4], 1
      mov dword [esi + 8], 100
      mov ecx, 4
    again:
    target:
      add eax, [esi + 4]    ; 03 46 04
      mov byte [target + 2], 8
      loop again
      hlt`);
    m.flat(0x20000);
    m.run();
    expect(m.cpu.getRegister('eax')).toBe(1 + 3 * 100);
  });

  it('code the host writes between runs replaces what ran there before', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov eax, [0x30000]\n hlt');
    m.w32(0x30000, 7);
    m.w32(0x30010, 9);
    m.flat(0x20000);
    m.run();
    expect(m.cpu.getRegister('eax')).toBe(7);
    m.load(0x20000, 'mov eax, [0x30010]\n hlt');
    m.cpu.setRegister('eip', 0x20000);
    m.cpu.halted = false;
    m.run();
    expect(m.cpu.getRegister('eax')).toBe(9);
  });

  it('a patch written through another linear mapping of the code page takes effect', () => {
    const m = new TestMachine();
    m.load(0x20000, `
      mov ecx, 3
    again:
      call 0x500000         ; the code page below, mapped a second time at 5 MiB
      mov byte [0x21000], 0x40   ; through the identity mapping: inc ebx -> inc eax
      loop again
      hlt`);
    m.load(0x21000, 'inc ebx\n ret');
    m.flat(0x20000);
    m.identityPaging();
    m.w32(m.pteAddr(0x500000), 0x21000 | 7);
    m.run();
    expect(m.cpu.getRegister('ebx')).toBe(1);
    expect(m.cpu.getRegister('eax')).toBe(2);
  });

  it('the same bytes decode by the CS D bit they run under', () => {
    const m = new TestMachine();
    m.poke(0x8000, [0x8b, 0x07, 0xf4]); // 32-bit: mov eax, [edi]; 16-bit: mov ax, [bx]; hlt
    m.w32(0x9000, 0x11111111);
    m.w32(0x9100, 0x00002222);
    m.flat(0x8000);
    m.cpu.setRegister('edi', 0x9000);
    m.cpu.setRegister('ebx', 0x9100);
    m.run();
    expect(m.cpu.getRegister('eax')).toBe(0x11111111);
    m.cpu.setRegister('eax', 0);
    m.cpu.jmpFar(0x40, 0x8000); // GDT 0x40: 16-bit code, base 0
    m.cpu.halted = false;
    m.run();
    expect(m.cpu.getRegister('eax')).toBe(0x2222);
    m.cpu.jmpFar(0x08, 0x8000);
    m.cpu.halted = false;
    m.run();
    expect(m.cpu.getRegister('eax')).toBe(0x11111111);
  });

  it('code at physical address 0 runs right in a fresh cache, whose empty entries are all zero', () => {
    const m = new TestMachine();
    // add [eax], al twice (00 00 00 00: the bytes and the tag an empty entry holds), inc ebx, hlt
    m.poke(0, [0x00, 0x00, 0x00, 0x00, 0x43, 0xf4]);
    // Read page 0 first so the jump finds it in the TLB and looks the cache up.
    m.load(0x20000, 'mov edx, [0]\n mov eax, 0x9003\n xor ecx, ecx\n jmp ecx');
    m.flat(0x20000);
    m.run();
    expect(m.r32(0x9000) >>> 24).toBe(6);
    expect(m.cpu.getRegister('ebx')).toBe(1);
    expect(m.cpu.getRegister('eip')).toBe(6);
    // The same bytes again under a 16-bit CS (its tag for address 0 is all ones): add [bx+si], al.
    m.cpu.jmpFar(0x40, 0);
    m.cpu.setRegister('ebx', 0x9103);
    m.cpu.setRegister('esi', 0);
    m.cpu.halted = false;
    m.run();
    expect(m.r32(0x9100) >>> 24).toBe(6);
    expect(m.cpu.getRegister('ebx')).toBe(0x9104);
  });

  it('prefixed and plain forms alternating in a loop keep their own operand size and segment', () => {
    const m = new TestMachine();
    m.setGdtEntry(9, descriptor(0x5000, 0xfffff, 0x92, 0xc)); // 0x48: data with base 0x5000
    m.load(0x20000, `
      mov ax, 0x48
      mov fs, ax
      mov dword [0x100], 0x11111111
      mov dword [0x5100], 0x22222222
      mov ecx, 3
      mov edx, 0xaabbccdd
    again:
      mov eax, [fs:0x100]
      mov ebx, [0x100]
      mov [0x200], edx
      mov [0x204], dx
      mov word [0x208], 0x1234
      mov dword [0x20c], 0x5678
      loop again
      hlt`);
    m.flat(0x20000);
    m.w32(0x204, 0);
    m.w32(0x208, 0);
    m.run();
    expect(m.cpu.getRegister('eax')).toBe(0x22222222);
    expect(m.cpu.getRegister('ebx')).toBe(0x11111111);
    expect(m.r32(0x200)).toBe(0xaabbccdd);
    expect(m.r32(0x204)).toBe(0xccdd);
    expect(m.r32(0x208)).toBe(0x1234);
    expect(m.r32(0x20c)).toBe(0x5678);
  });
});
