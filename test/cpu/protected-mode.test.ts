// Protected-mode mechanisms (SDM vol. 3 §5-§7, §20): switching from real mode, call gates
// with a stack switch and parameter copy, returns to an outer ring, hardware task switches
// (JMP/CALL/IRET, busy bits, back link, a #DF task gate as Linux uses), the I/O bitmap,
// virtual-8086 mode, SYSENTER/SYSEXIT, and CPUID/MSRs.
import { describe, expect, it } from 'vitest';
import { gateDescriptor, descriptor, GDT, TestMachine, TSS0, TSS1, TSS2, PD } from './system-harness';

describe('protected mode', () => {
  it('boots from real mode into 32-bit protected mode with a far jump', () => {
    const m = new TestMachine();
    // real mode at 0x7c00: load the GDT, set PE, jump to 32-bit code
    m.load(0x7c00, `
      cli
      lgdt [gdtr]
      mov eax, cr0
      or al, 1
      mov cr0, eax
      jmp dword 0x08:pm
    gdtr: dw 0x47
      dd ${GDT}
    BITS 32
    pm: mov ax, 0x10
      mov ds, ax
      mov ss, ax
      mov esp, 0x9000
      mov dword [0x100000], 0xc0ffee
      push dword 0x1234
      pop ebx
      hlt`, 16);
    m.cpu.setRegister('cs', 0);
    m.cpu.setRegister('eip', 0x7c00);
    expect(m.run()).toBe('halt');
    expect(m.r32(0x100000)).toBe(0xc0ffee);
    expect(m.cpu.getRegister('ebx')).toBe(0x1234);
    expect(m.cpu.getRegister('cs')).toBe(0x08);
  });

  it('calls a ring-0 routine from ring 3 through a call gate, copying parameters, and returns', () => {
    const m = new TestMachine();
    m.setGdtEntry(9, gateDescriptor(0x08, 0x22000, 0xc, 3, 2)); // 32-bit call gate, DPL 3, 2 params
    m.load(0x20000, 'push 0x23\n push 0x60000\n push 0x202\n push 0x1b\n push 0x21000\n iretd');
    m.load(0x21000, `
      mov ax, 0x23
      mov ds, ax
      push dword 0x1111
      push dword 0x2222
      call 0x4b:0
      mov [0x50000], eax
      mov [0x50004], ebx
      mov eax, cs
      mov [0x50008], eax
      mov eax, esp
      mov [0x5000c], eax
      jmp $`);
    m.load(0x22000, `
      mov eax, [esp+8]      ; first parameter pushed (0x1111 is deeper)
      mov ebx, [esp+12]
      mov ecx, cs
      mov edx, ss
      mov esi, esp
      retf 8`);
    m.flat(0x20000);
    m.run(10_000);
    expect(m.cpu.getRegister('ecx')).toBe(0x08);
    expect(m.cpu.getRegister('edx')).toBe(0x10);
    expect(m.cpu.getRegister('esi')).toBe(0x80000 - 24); // SS, ESP, 2 params, CS, EIP on the ring-0 stack
    expect(m.r32(0x50000)).toBe(0x2222);
    expect(m.r32(0x50004)).toBe(0x1111);
    expect(m.r32(0x50008)).toBe(0x1b);
    expect(m.r32(0x5000c)).toBe(0x60000); // RETF 8 popped the parameters off the ring-3 stack too
  });

  it('switches tasks with CALL and returns with IRET, maintaining busy bits and the back link', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov eax, 0xaaaa\n call 0x30:0\n mov edi, 0x77\n hlt');
    m.load(0x21000, 'mov dword [0x50000], 0xbbbb\n str dx\n mov [0x50004], edx\n pushfd\n pop esi\n mov [0x50008], esi\n iretd');
    m.flat(0x20000);
    // TSS1: EIP 0x21000, flat segments, its own stack
    const v = m.memory.view;
    v.setUint32(TSS1 + 0x1c, 0, true);
    v.setUint32(TSS1 + 0x20, 0x21000, true);
    v.setUint32(TSS1 + 0x24, 0x2, true);
    v.setUint32(TSS1 + 0x38, 0x60000, true);
    [0x10, 0x08, 0x10, 0x10, 0x10, 0x10].forEach((s, i) => v.setUint16(TSS1 + 0x48 + i * 4, s, true));
    expect(m.run(1000)).toBe('halt');
    expect(m.r32(0x50000)).toBe(0xbbbb);
    expect(m.r32(0x50004) & 0xffff).toBe(0x30);
    expect(m.r32(0x50008) & 0x4000).toBe(0x4000); // NT set in the called task
    expect(m.cpu.getRegister('eflags') & 0x4000).toBe(0); // and clear again after IRET
    expect(m.cpu.getRegister('eax')).toBe(0xaaaa); // restored from TSS0 by the IRET
    expect(m.cpu.getRegister('edi')).toBe(0x77);
    expect(v.getUint16(TSS1, true)).toBe(0x28); // back link
    expect((m.r32(GDT + 0x30 + 4) >> 8) & 0xf).toBe(0x9); // TSS1 available again
    expect((m.r32(GDT + 0x28 + 4) >> 8) & 0xf).toBe(0xb); // TSS0 busy (current)
    expect(m.cpu.getRegister('cr0') & 8).toBe(8); // CR0.TS set by the switch
  });

  it('switches to a 16-bit TSS and back (SDM vol. 3 §7.6 layout)', () => {
    const m = new TestMachine();
    m.setGdtEntry(9, descriptor(0x4300, 0x2b, 0x81, 0)); // 16-bit available TSS
    m.load(0x20000, 'mov eax, 0x11112222\n call 0x48:0\n mov edi, 0x77\n hlt');
    m.load(0x8000, 'mov word [0x6000], ax\n mov [0x6002], bx\n str cx\n mov [0x6004], cx\n iret', 16);
    m.flat(0x20000);
    const v = m.memory.view;
    v.setUint16(0x4300 + 14, 0x8000, true); // IP
    v.setUint16(0x4300 + 16, 0x0002, true); // FLAGS
    v.setUint16(0x4300 + 18, 0xaaaa, true); // AX
    v.setUint16(0x4300 + 24, 0xbbbb, true); // BX
    v.setUint16(0x4300 + 26, 0x7000, true); // SP
    [0x10, 0x40, 0x10, 0x10].forEach((sel, i) => v.setUint16(0x4300 + 34 + i * 2, sel, true)); // ES CS SS DS
    expect(m.run(1000)).toBe('halt');
    expect(v.getUint16(0x6000, true)).toBe(0xaaaa);
    expect(v.getUint16(0x6002, true)).toBe(0xbbbb);
    expect(v.getUint16(0x6004, true)).toBe(0x48);
    expect(v.getUint16(0x4300, true)).toBe(0x28); // back link to the 32-bit task
    expect(m.cpu.getRegister('eax')).toBe(0x11112222); // restored from the 32-bit TSS
    expect(m.cpu.getRegister('edi')).toBe(0x77);
  });

  it('handles a double fault through a task gate onto a fresh stack, as Linux does', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov esp, 0x3  \n push eax'); // stack at the bottom: #PF on push, #PF delivering -> #DF
    m.load(0x23000, 'str ax\n mov ebx, esp\n hlt');
    m.flat(0x20000);
    m.identityPaging();
    m.w32(m.pteAddr(0), 0); // page 0 not present
    m.w32(m.pteAddr(0xfffff000), 0);
    m.setGate(8, [0x00380000, 0x00008500]); // task gate -> TSS2 (0x38)
    const v = m.memory.view;
    v.setUint32(TSS2 + 0x1c, PD, true);
    v.setUint32(TSS2 + 0x20, 0x23000, true);
    v.setUint32(TSS2 + 0x24, 0x2, true);
    v.setUint32(TSS2 + 0x38, 0x61000, true);
    [0x10, 0x08, 0x10, 0x10, 0x10, 0x10].forEach((s, i) => v.setUint16(TSS2 + 0x48 + i * 4, s, true));
    expect(m.run(1000)).toBe('halt');
    expect(m.cpu.getRegister('eax') & 0xffff).toBe(0x38);
    expect(m.cpu.getRegister('ebx')).toBe(0x61000 - 4); // the #DF error code (0) was pushed
    expect(m.r32(0x61000 - 4)).toBe(0);
    expect(m.r32(TSS0 + 0x20)).toBe(0x20005); // the interrupted task's EIP: the faulting push
  });

  it('enforces the I/O permission bitmap at CPL 3 with IOPL 0', () => {
    const m = new TestMachine();
    m.load(0x20000, 'push 0x23\n push 0x60000\n push 0x202\n push 0x1b\n push 0x21000\n iretd');
    m.load(0x21000, 'mov dx, 0xe9\n mov eax, 0x42\n out dx, eax\n mov dx, 0xf0\n out dx, al\n jmp $');
    m.flat(0x20000);
    const v = m.memory.view;
    v.setUint16(TSS0 + 0x66, 0x68, true);
    m.setGdtEntry(5, descriptor(TSS0, 0x68 + 0x2000, 0x89, 0)); // TSS with a bitmap
    for (let i = 0; i < 0x2000; i++) m.memory.u8[TSS0 + 0x68 + i] = 0xff;
    m.memory.u8[TSS0 + 0x68 + (0xe9 >> 3)] = ~(0xf << (0xe9 & 7)) & 0xff; // 0xe9..0xec allowed (4 ports)
    m.cpu.loadTr(0x28);
    m.run(1000);
    expect(m.out).toEqual([0x42]);
    expect(m.traps[0]).toMatchObject({ vector: 13, errorCode: 0, eip: 0x2100e });
  });

  it('runs virtual-8086 code: real-mode addressing at CPL 3, INT n trapping to the monitor when IOPL < 3', () => {
    const m = new TestMachine();
    // Enter v86 with an IRET frame: EIP CS EFLAGS(VM) ESP SS ES DS FS GS
    m.load(0x20000, `
      push dword 0
      push dword 0
      push dword 0x3000       ; DS
      push dword 0x2000       ; ES
      push dword 0x4000
      push dword 0xfffe
      push dword 0x20002
      push dword 0x1000
      push dword 0x0000
      iretd`);
    m.load(0x10000, `
      mov ax, [0x10]          ; DS=0x3000 -> linear 0x30010
      mov [es:0x20], ax       ; ES=0x2000 -> linear 0x20020
      push word 0x5678        ; SS=0x4000 -> 0x4fffc
      int 0x21`, 16);
    m.w32(0x30010, 0xbeef);
    m.flat(0x20000);
    m.run(1000);
    expect(m.traps[0]).toMatchObject({ vector: 13, errorCode: 0, eip: 0x000a, cs: 0x1000 });
    expect(m.memory.view.getUint16(0x20020, true)).toBe(0xbeef);
    expect(m.memory.view.getUint16(0x4fffc, true)).toBe(0x5678);
    // The monitor's stack holds GS FS DS ES SS ESP EFLAGS CS EIP + error code (SDM vol. 3 §20.3.1).
    const esp = m.cpu.getRegister('esp');
    const at = (i: number) => m.r32(esp + 4 * i);
    expect([at(1), at(2), at(4), at(5), at(6), at(7), at(8), at(9)]).toEqual([0xa, 0x1000, 0xfffc, 0x4000, 0x2000, 0x3000, 0, 0]);
    expect(at(3) & 0x20000).toBe(0x20000);
    expect(m.cpu.getRegister('cs')).toBe(0x08);
  });

  it('with IOPL 3, INT n in v86 mode goes through the IDT to ring 0, and IRET returns to v86', () => {
    const m = new TestMachine();
    m.load(0x20000, `
      push dword 0
      push dword 0
      push dword 0x3000
      push dword 0x2000
      push dword 0x4000
      push dword 0xfffe
      push dword 0x23202     ; VM, IOPL 3, IF
      push dword 0x1000
      push dword 0x0000
      iretd`);
    m.load(0x10000, 'int 0x21\n mov bx, 0x99\n hlt', 16);
    m.load(0x21000, 'mov esi, [esp+8]\n mov edi, cs\n iretd'); // EFLAGS image, then back to v86
    m.flat(0x20000);
    m.setGate(0x21, gateDescriptor(0x08, 0x21000, 0xe, 3));
    m.run(1000);
    expect(m.cpu.getRegister('esi') & 0x20000).toBe(0x20000);
    expect(m.cpu.getRegister('edi')).toBe(0x08);
    expect(m.cpu.getRegister('bx')).toBe(0x99);
    // HLT at CPL 3 in v86 mode is privileged: #GP(0) to the monitor
    expect(m.traps[0]).toMatchObject({ vector: 13, errorCode: 0, cs: 0x1000, eip: 0x5 });
  });

  it('SYSENTER and SYSEXIT switch to the flat ring-0 and ring-3 segments from the MSRs', () => {
    const m = new TestMachine();
    m.load(0x20000, `
      mov ecx, 0x174
      xor edx, edx
      mov eax, 0x08
      wrmsr
      mov ecx, 0x175
      mov eax, 0x7f000
      wrmsr
      mov ecx, 0x176
      mov eax, kernel
      wrmsr
      mov ecx, 0x65000      ; user ESP for SYSEXIT
      mov edx, user         ; user EIP
      sysexit
    user:
      mov ebx, cs
      mov esi, esp
      sysenter
    kernel:
      mov edi, cs
      mov ebp, esp
      hlt`);
    m.flat(0x20000);
    expect(m.run(1000)).toBe('halt');
    expect(m.cpu.getRegister('ebx')).toBe(0x1b);
    expect(m.cpu.getRegister('esi')).toBe(0x65000);
    expect(m.cpu.getRegister('edi')).toBe(0x08);
    expect(m.cpu.getRegister('ebp')).toBe(0x7f000);
    expect(m.cpu.getRegister('ss')).toBe(0x10);
  });

  it('CPUID reports a family 6 GenuineIntel with only the implemented features; MSRs round-trip', () => {
    const m = new TestMachine();
    m.load(0x20000, `
      xor eax, eax
      cpuid
      mov [0x50000], ebx
      mov [0x50004], edx
      mov [0x50008], ecx
      mov eax, 1
      cpuid
      mov [0x5000c], eax
      mov [0x50010], edx
      mov ecx, 0x200          ; MTRR physbase0
      mov eax, 0x00000006
      mov edx, 0
      wrmsr
      rdmsr
      mov [0x50014], eax
      mov ecx, 0xfe
      rdmsr
      mov [0x50018], eax
      rdtsc
      mov esi, eax
      rdtsc
      sub eax, esi
      mov [0x5001c], eax
      mov ecx, 0x12345
      rdmsr                   ; unknown MSR: #GP(0)
      hlt`);
    m.flat(0x20000);
    m.run(1000);
    expect(Buffer.from(m.memory.read(0x50000, 12)).toString('latin1')).toBe('GenuineIntel');
    expect((m.r32(0x5000c) >> 8) & 0xf).toBe(6);
    const edx = m.r32(0x50010);
    expect(edx & 1).toBe(0); // no FPU wired in this machine
    for (const bit of [3, 4, 5, 8, 11, 12, 13, 15]) expect((edx >> bit) & 1).toBe(1); // PSE TSC MSR CX8 SEP MTRR PGE CMOV
    for (const bit of [6, 9, 23, 25, 26]) expect((edx >> bit) & 1).toBe(0); // PAE APIC MMX SSE SSE2
    expect(m.r32(0x50014)).toBe(6);
    expect(m.r32(0x50018) & 0xff).toBe(8); // 8 variable MTRRs
    expect(m.r32(0x5001c)).toBeGreaterThan(0);
    expect(m.traps[0]).toMatchObject({ vector: 13, errorCode: 0 });
  });
});
