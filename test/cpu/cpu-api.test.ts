// The platform-facing API of core/cpu: run slices and stop reasons, requestStop from a
// device mid-slice, the instruction counter, registers by name, saved state round trips
// (through JSON), MMIO outside RAM, the A20 gate, reset, and the x87 hand-off contract.
import { describe, expect, it } from 'vitest';
import { MmioBus, PortBus } from '../../core/bus';
import { Cpu, CpuError, type CpuState, type FpuInstruction, type X87State, type X87Unit } from '../../core/cpu';
import { GuestMemory } from '../../core/memory';
import { TestMachine } from './system-harness';

describe('Cpu API', () => {
  it('runs in slices: budget, then halt; counts instructions as a float64', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov ecx, 1000\n l: loop l\n hlt');
    m.flat(0x20000);
    expect(m.run(500)).toBe('budget');
    expect(m.cpu.instructionCount).toBe(500);
    expect(m.run(10_000)).toBe('halt');
    expect(m.cpu.instructionCount).toBe(1 + 1000 + 1);
    const big = new TestMachine();
    big.load(0x20000, 'jmp $');
    big.flat(0x20000);
    big.cpu.counters[0] = 2 ** 40;
    big.run(3);
    expect(big.cpu.instructionCount).toBe(2 ** 40 + 3);
  });

  it('stops mid-slice when a device calls requestStop', () => {
    const m = new TestMachine();
    m.ports.register('stopper', 0x80, 1, { readPort: () => 0, writePort: () => m.cpu.requestStop() });
    m.load(0x20000, 'mov eax, 1\n out 0x80, al\n mov eax, 2\n hlt');
    m.flat(0x20000);
    expect(m.run(1000)).toBe('stopped');
    expect(m.cpu.getRegister('eax')).toBe(1);
    expect(m.run(1000)).toBe('halt');
    expect(m.cpu.getRegister('eax')).toBe(2);
  });

  it('ends the slice where a device asks with endSliceWithin (a timer set mid-slice), never later', () => {
    const m = new TestMachine();
    m.ports.register('timer', 0x80, 1, { readPort: () => 0, writePort: () => m.cpu.endSliceWithin(7) });
    m.load(0x20000, 'mov ecx, 1000\n out 0x80, al\n l: loop l\n hlt');
    m.flat(0x20000);
    expect(m.run(500)).toBe('budget');
    expect(m.cpu.instructionCount).toBe(2 + 7);
    const late = new TestMachine();
    late.ports.register('timer', 0x80, 1, { readPort: () => 0, writePort: () => late.cpu.endSliceWithin(1e6) });
    late.load(0x20000, 'out 0x80, al\n jmp $');
    late.flat(0x20000);
    expect(late.run(500)).toBe('budget'); // a later end does not lengthen the slice
    expect(late.cpu.instructionCount).toBe(500);
  });

  it('saves and restores state through JSON mid-program, producing the same result', () => {
    const src = 'mov esi, 0x30000\n mov ecx, 200\n l: mov eax, ecx\n imul eax, eax\n add [esi], eax\n adc edx, 0\n loop l\n hlt';
    const a = new TestMachine();
    a.load(0x20000, src);
    a.flat(0x20000);
    expect(a.run(1_000_000)).toBe('halt');
    const b = new TestMachine();
    b.load(0x20000, src);
    b.flat(0x20000);
    b.run(317);
    const json = JSON.stringify(b.cpu.saveState());
    const c = new TestMachine();
    c.memory.u8.set(b.memory.u8);
    c.cpu.restoreState(JSON.parse(json) as CpuState);
    expect(c.run(1_000_000)).toBe('halt');
    expect(c.cpu.saveState()).toEqual(a.cpu.saveState());
    expect(c.r32(0x30000)).toBe(a.r32(0x30000));
  });

  it('rejects a malformed saved state with a clear error', () => {
    const m = new TestMachine();
    const s = m.cpu.saveState();
    expect(() => m.cpu.restoreState({ ...s, version: 2 } as unknown as CpuState)).toThrow(/version 2 is not supported/);
    expect(() => m.cpu.restoreState({ ...s, gprs: [1, 2] })).toThrow(CpuError);
    expect(() => m.cpu.setRegister('xyz' as 'eax', 1)).toThrow(/no register named 'xyz'/);
  });

  it('marks pages the guest writes in the dirty bitmap, again after the log is cleared', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov dword [0x345000], 1\n mov dword [0x345010], 2\n hlt');
    m.flat(0x20000);
    const dirty = (page: number) => (m.memory.dirtyBits[page >>> 5]! >>> (page & 31)) & 1;
    m.memory.dirtyBits.fill(0);
    m.cpu.invalidateTranslations();
    expect(m.run()).toBe('halt');
    expect(dirty(0x345)).toBe(1);
    expect(dirty(0x346)).toBe(0);
    m.memory.dirtyBits.fill(0);
    m.cpu.invalidateTranslations();
    m.cpu.halted = false;
    m.cpu.setRegister('eip', 0x20000);
    expect(m.run()).toBe('halt');
    expect(dirty(0x345)).toBe(1);
  });

  it('reads and writes registers by name', () => {
    const m = new TestMachine();
    m.cpu.setRegister('eax', 0x12345678);
    expect(m.cpu.getRegister('ah')).toBe(0x56);
    m.cpu.setRegister('al', 0xff);
    expect(m.cpu.getRegister('ax')).toBe(0x56ff);
    m.cpu.setRegister('esi', 0xffffffff);
    expect(m.cpu.getRegister('esi')).toBe(0xffffffff);
    expect(m.cpu.getRegister('eflags') & 2).toBe(2);
  });

  it('reset gives the SDM power-on state (vol. 3 table 9-1)', () => {
    const m = new TestMachine();
    m.cpu.setRegister('eax', 5);
    m.cpu.reset();
    const s = m.cpu.saveState();
    expect(s.eip).toBe(0xfff0);
    expect(s.segments[1]).toEqual({ selector: 0xf000, base: 0xffff0000, limit: 0xffff, attributes: expect.any(Number) });
    expect(s.eflags).toBe(2);
    expect(s.cr[0]).toBe(0x60000010);
    expect(s.gprs[2]).toBe(0x652);
    expect(s.gprs[0]).toBe(0);
    expect(s.dr[7]).toBe(0x400);
  });

  it('sends physical addresses outside RAM to the MMIO bus and honours the A20 mask', () => {
    const m = new TestMachine();
    const writes: [number, number, number][] = [];
    m.mmio.register('dev', 0xfec00000, 0x1000, {
      readMmio: (off, size) => (size === 4 ? 0xcafe0000 + off : 0xee),
      writeMmio: (off, size, v) => writes.push([off, size, v]),
    });
    m.load(0x20000, 'mov eax, [0xfec00010]\n mov dword [0xfec00020], 0x55aa\n mov byte [0xfec00001], 7\n hlt');
    m.flat(0x20000);
    expect(m.run()).toBe('halt');
    expect(m.cpu.getRegister('eax')).toBe(0xcafe0010);
    expect(writes).toEqual([[0x20, 4, 0x55aa], [1, 1, 7]]);

    const r = new TestMachine();
    r.load(0x7000, 'mov ax, 0xffff\n mov ds, ax\n mov byte [0x10], 0x42\n hlt', 16);
    r.cpu.setRegister('cs', 0);
    r.cpu.setRegister('eip', 0x7000);
    r.cpu.setA20(false);
    expect(r.run()).toBe('halt');
    expect(r.memory.u8[0x0]).toBe(0x42); // 0xFFFF0 + 0x10 wrapped to 0
    expect(r.memory.u8[0x100000]).toBe(0);
  });

  it('hands ESC opcodes to the x87 unit with #NM per CR0.EM/TS, and raises #NM with no FPU', () => {
    const seen: FpuInstruction[] = [];
    const state: X87State = { version: 1, fcw: 0x37f, fsw: 0, ftw: 0xffff, regs: Array(8).fill('0'.repeat(20)), fip: 0, fcs: 0, fdp: 0, fds: 0, fop: 0, mxcsr: 0x1f80 };
    let pending = false;
    const fpu: X87Unit = {
      execute: (i) => { seen.push({ ...i }); if (i.opcode === 0xd8) pending = true; },
      get errorPending() { return pending; },
      fxsave: () => {},
      fxrstor: () => {},
      reset: () => { pending = false; },
      saveState: () => state,
      restoreState: () => {},
    };
    const memory = GuestMemory.allocate(1 << 20);
    const cpu = new Cpu({ memory, ports: new PortBus(), mmio: new MmioBus(), fpu });
    // fld dword [0x1000]; fadd st0, st1 (d8 c1); wait -> #MF (CR0.NE=1)
    memory.write(0x500, new Uint8Array([0xd9, 0x05, 0x00, 0x10, 0x00, 0x00, 0xd8, 0xc1, 0x9b, 0xf4]));
    cpu.enterFlatProtectedMode({ eip: 0x500 });
    cpu.setRegister('cr0', cpu.getRegister('cr0') | 0x20);
    cpu.idtLimit = 0; // the #MF itself is what we watch (lastException); its delivery then fails
    cpu.run(3);
    expect(seen.map((s) => s.opcode)).toEqual([0xd9, 0xd8]);
    expect(seen[0]).toMatchObject({ modrm: 0x05, eip: 0x500, linear: 0x1000, offset: 0x1000, operand32: true, realMode: false });
    expect(cpu.lastException).toBe(16);
    expect(cpu.cpuidFeatures() & 1).toBe(1);

    const bare = new Cpu({ memory, ports: new PortBus(), mmio: new MmioBus() });
    bare.enterFlatProtectedMode({ eip: 0x500 });
    bare.idtLimit = 0;
    bare.run(1);
    expect(bare.lastException).toBe(7);
    expect(bare.cpuidFeatures() & 1).toBe(0);
  });
});
