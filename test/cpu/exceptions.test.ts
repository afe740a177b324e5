// Exceptions and interrupts as the guest sees them (SDM vol. 3 §6): vectors, error codes,
// the faulting EIP, double and triple fault, the 15-byte limit, LOCK #UD, the STI and
// MOV SS interrupt shadows, HLT wake-up and NMI.
import { describe, expect, it } from 'vitest';
import { gateDescriptor, OneShotController, STUBS, TestMachine } from './system-harness';

function trapOf(src: string) {
  const m = new TestMachine();
  m.load(0x20000, src);
  m.flat(0x20000);
  m.run();
  return m.traps[0];
}

describe('exceptions', () => {
  it('report the right vector, error code and faulting EIP', () => {
    expect(trapOf('xor ecx, ecx\n div ecx')).toMatchObject({ vector: 0, eip: 0x20002, cs: 0x08 });
    expect(trapOf('ud2')).toMatchObject({ vector: 6, eip: 0x20000 });
    expect(trapOf('int3')).toMatchObject({ vector: 3, eip: 0x20001 }); // a trap: EIP after INT3
    expect(trapOf('mov eax, 0x7fffffff\n add eax, 1\n into')).toMatchObject({ vector: 4, eip: 0x20009 });
    expect(trapOf('mov eax, 5\n bound eax, [limits]\n limits: dd 0, 3')).toMatchObject({ vector: 5, eip: 0x20005 });
    expect(trapOf('mov ax, 0x4b\n mov ds, ax')).toMatchObject({ vector: 13, errorCode: 0x48 }); // beyond the GDT
    expect(trapOf('mov ax, 0\n mov ss, ax')).toMatchObject({ vector: 13, errorCode: 0 });
    expect(trapOf('mov eax, cr1')).toMatchObject({ vector: 6 });
    expect(trapOf('lock add eax, ebx')).toMatchObject({ vector: 6 }); // LOCK needs a memory destination
    expect(trapOf('lock nop')).toMatchObject({ vector: 6 });
  });

  it('a not-present segment is #NP with the selector; a stack fault is #SS', () => {
    const m = new TestMachine();
    m.setGdtEntry(9, [0x0000ffff, 0x00cf1200]); // data, P=0
    m.setGdtEntry(10, [0x00000fff, 0x00409200]); // data, 4 KiB limit, byte granular
    m.load(0x20000, 'mov ax, 0x48\n mov es, ax\n hlt');
    m.flat(0x20000);
    m.run();
    expect(m.traps[0]).toMatchObject({ vector: 11, errorCode: 0x48 });
    const s = new TestMachine();
    s.setGdtEntry(10, [0x00000fff, 0x00409200]);
    s.load(0x20000, 'mov ax, 0x50\n mov ss, ax\n mov esp, 0x800\n mov eax, [ss:0x1000]\n hlt');
    s.flat(0x20000);
    s.run();
    expect(s.traps[0]).toMatchObject({ vector: 12, errorCode: 0 });
  });

  it('an instruction longer than 15 bytes raises #GP(0)', () => {
    const fifteenPrefixes = Array(15).fill('db 0x3e').join('\n');
    expect(trapOf(`${fifteenPrefixes}\n nop`)).toMatchObject({ vector: 13, errorCode: 0, eip: 0x20000 });
    const fourteen = Array(14).fill('db 0x3e').join('\n');
    const m = new TestMachine();
    m.load(0x20000, `${fourteen}\n db 0x90\n mov eax, 7\n hlt`);
    m.flat(0x20000);
    expect(m.run()).toBe('halt');
    expect(m.cpu.getRegister('eax')).toBe(7);
  });

  it('a fault while delivering a contributory fault becomes #DF; a fault in #DF shuts down', () => {
    const m = new TestMachine();
    m.load(0x20000, 'xor ecx, ecx\n div ecx');
    m.flat(0x20000);
    m.setGate(0, gateDescriptor(0x08, STUBS, 0xe, 0).map((v, i) => (i === 1 ? v & ~0x8000 : v)) as [number, number]); // #DE gate not present -> #NP
    m.run();
    expect(m.traps[0]).toMatchObject({ vector: 8, errorCode: 0 });
    const t = new TestMachine();
    t.load(0x20000, 'xor ecx, ecx\n div ecx');
    t.flat(0x20000);
    t.cpu.idtLimit = 0x3f; // vectors 8+ lie outside the IDT: #GP -> #DF -> #GP = triple fault
    t.setGate(0, [0, 0]);
    expect(t.run()).toBe('triple-fault');
    expect(t.run()).toBe('shutdown');
    t.cpu.reset();
    expect(t.cpu.getRegister('eip')).toBe(0xfff0);
    expect(t.cpu.getRegister('cs')).toBe(0xf000);
  });

  it('delivers an external interrupt through an interrupt gate (IF cleared, EFLAGS pushed)', () => {
    const m = new TestMachine();
    const ic = new OneShotController();
    m.cpu.interruptController = ic;
    m.load(0x20000, 'sti\n l: inc eax\n jmp l');
    m.load(0x21000, 'pushfd\n pop ebx\n mov ecx, [esp+8]\n hlt');
    m.flat(0x20000);
    m.setGate(0x30, gateDescriptor(0x08, 0x21000, 0xe, 0));
    expect(m.run(1000)).toBe('budget');
    ic.pending.push(0x30);
    expect(m.run(1000)).toBe('halt');
    expect(ic.acknowledged).toEqual([0x30]);
    expect(m.cpu.getRegister('ebx') & 0x200).toBe(0);
    expect(m.cpu.getRegister('ecx') & 0x200).toBe(0x200);
  });

  it('STI and MOV SS hold off interrupts for one instruction; HLT with IF=1 waits and wakes', () => {
    const m = new TestMachine();
    const ic = new OneShotController();
    m.cpu.interruptController = ic;
    m.load(0x20000, 'sti\n mov eax, 1\n mov ebx, 2\n hlt');
    m.load(0x21000, 'mov ecx, [esp]\n hlt');
    m.flat(0x20000);
    m.setGate(0x31, gateDescriptor(0x08, 0x21000, 0xe, 0));
    ic.pending.push(0x31);
    m.run(1000);
    // the interrupt came after `mov eax, 1` (the instruction in STI's shadow), before `mov ebx`
    expect(m.cpu.getRegister('eax')).toBe(1);
    expect(m.cpu.getRegister('ebx')).toBe(0);
    expect(m.cpu.getRegister('ecx')).toBe(0x20006);

    const h = new TestMachine();
    const ic2 = new OneShotController();
    h.cpu.interruptController = ic2;
    h.load(0x20000, 'sti\n hlt\n mov edx, 9\n cli\n hlt');
    h.load(0x21000, 'iretd');
    h.flat(0x20000);
    h.setGate(0x32, gateDescriptor(0x08, 0x21000, 0xe, 0));
    expect(h.run(1000)).toBe('halt');
    expect(h.run(1000)).toBe('halt'); // still halted: nothing pending
    ic2.pending.push(0x32);
    expect(h.run(1000)).toBe('halt'); // woke, ran the handler and the code after HLT, halted again with IF=0
    expect(h.cpu.getRegister('edx')).toBe(9);
    expect(h.cpu.getRegister('eflags') & 0x200).toBe(0);
  });

  it('NMI is delivered through vector 2 even with IF=0 and is blocked until IRET', () => {
    const m = new TestMachine();
    m.load(0x20000, 'cli\n l: inc eax\n jmp l');
    m.load(0x21000, 'inc ebx\n iretd');
    m.flat(0x20000);
    m.setGate(2, gateDescriptor(0x08, 0x21000, 0xe, 0));
    m.run(100);
    m.cpu.raiseNmi();
    m.run(100);
    expect(m.cpu.getRegister('ebx')).toBe(1);
  });

  it('single-steps with EFLAGS.TF: a #DB trap after each instruction, with DR6.BS set', () => {
    const m = new TestMachine();
    m.load(0x20000, `
      pushfd
      or dword [esp], 0x100
      popfd                 ; TF takes effect after POPF completes
      mov eax, 1
      mov eax, 2
      hlt`);
    m.load(0x21000, 'inc ecx\n mov ebx, [esp]\n mov edx, dr6\n cmp ecx, 2\n je stop\n iretd\n stop: hlt');
    m.flat(0x20000);
    m.setGate(1, gateDescriptor(0x08, 0x21000, 0xe, 0));
    expect(m.run(1000)).toBe('halt');
    expect(m.cpu.getRegister('ecx')).toBe(2);
    // POPF that sets TF is not trapped; `mov eax, 1` traps (first #DB), IRET resumes and
    // `mov eax, 2` traps again with the return address of the HLT.
    expect(m.cpu.getRegister('eax')).toBe(2);
    expect(m.cpu.getRegister('ebx')).toBe(0x20013);
    expect(m.cpu.getRegister('edx') & 0x4000).toBe(0x4000);
  });
});
