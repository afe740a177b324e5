// #MF-relevant behaviour of the x87 unit (SDM vol. 1 §8.5, §4.9): which exceptions set
// FSW.ES (the CPU's errorPending), what the destination holds afterwards, and the no-wait
// control instructions that clear or re-arm the pending state.
import { describe, expect, it } from 'vitest';
import { EscapeKind, escapeKind } from '../../../core/cpu/fpu';
import { exec, load, newFpu, setCw, st } from './fpu-test-host';

const ONE = [0x3fff, '8000000000000000'] as const;
const ZERO = [0x0000, '0000000000000000'] as const;
const MAX = [0x7ffe, 'ffffffffffffffff'] as const;
const MIN_NORMAL = [0x0001, '8000000000000000'] as const;
const HALF = [0x3ffe, '8000000000000000'] as const;
const DENORMAL = [0x0000, '4000000000000000'] as const;
const THREE = [0x4000, 'c000000000000000'] as const;

const FDIV_ST0_ST1 = { opcode: 0xd8, modrm: 0xf1 };
const FADD_ST0_ST1 = { opcode: 0xd8, modrm: 0xc1 };
const FMUL_ST0_ST1 = { opcode: 0xd8, modrm: 0xc9 };
const FNCLEX = { opcode: 0xdb, modrm: 0xe2 };
const FNINIT = { opcode: 0xdb, modrm: 0xe3 };
const ES = 0x80, B = 0x8000;
const IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20, SF = 0x40, C1 = 0x200;

function top(fsw: number): number {
  return (fsw >> 11) & 7;
}

describe('unmasked exceptions and errorPending', () => {
  it('masked exceptions never make an error pending', () => {
    const { fpu, host } = newFpu();
    load(fpu, host, ...ZERO);
    load(fpu, host, ...ONE);
    exec(fpu, FDIV_ST0_ST1); // 1/0, ZE masked
    expect(fpu.errorPending).toBe(false);
    expect(fpu.statusWord & ZE).toBe(ZE);
    expect(st(fpu, 0)).toBe('7fff:8000000000000000');
  });

  it('an unmasked invalid operation sets ES and B and leaves the destination and the stack', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x037e);
    load(fpu, host, ...ZERO);
    load(fpu, host, ...ZERO);
    const before = fpu.statusWord;
    exec(fpu, FDIV_ST0_ST1); // 0/0
    expect(fpu.errorPending).toBe(true);
    expect(fpu.statusWord & (ES | B | IE)).toBe(ES | B | IE);
    expect(top(fpu.statusWord)).toBe(top(before));
    expect(st(fpu, 0)).toBe('0000:0000000000000000');
  });

  it('an unmasked zero divide leaves the dividend in place', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x037b);
    load(fpu, host, ...ZERO);
    load(fpu, host, ...THREE);
    exec(fpu, FDIV_ST0_ST1);
    expect(fpu.errorPending).toBe(true);
    expect(fpu.statusWord & ZE).toBe(ZE);
    expect(st(fpu, 0)).toBe('4000:c000000000000000');
  });

  it('an unmasked denormal operand stops the arithmetic before it writes', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x037d);
    load(fpu, host, ...DENORMAL);
    load(fpu, host, ...ONE);
    exec(fpu, FADD_ST0_ST1);
    expect(fpu.errorPending).toBe(true);
    expect(fpu.statusWord & 0x3f).toBe(DE);
    expect(st(fpu, 0)).toBe('3fff:8000000000000000');
  });

  it('an unmasked overflow delivers the result with the exponent biased down by 24576', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x0377);
    load(fpu, host, ...MAX);
    load(fpu, host, ...MAX);
    exec(fpu, FMUL_ST0_ST1);
    expect(fpu.errorPending).toBe(true);
    expect(fpu.statusWord & (OE | PE)).toBe(OE | PE);
    expect(st(fpu, 0)).toBe('5ffe:fffffffffffffffe');
  });

  it('an unmasked underflow delivers the result with the exponent biased up by 24576, even when exact', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x036f);
    load(fpu, host, ...HALF);
    load(fpu, host, ...MIN_NORMAL);
    exec(fpu, FMUL_ST0_ST1);
    expect(fpu.errorPending).toBe(true);
    expect(fpu.statusWord & (UE | PE)).toBe(UE);
    expect(st(fpu, 0)).toBe('6000:8000000000000000');
  });

  it('an unmasked underflow on a store to memory leaves memory and the stack unchanged', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x036f);
    load(fpu, host, 0x3f00, '8000000000000000'); // 2^-255: tiny for m32fp
    host.write32(0x200, 0xcccccccc);
    const before = fpu.statusWord;
    exec(fpu, { opcode: 0xd9, modrm: 0x1d, linear: 0x200 }); // FSTP m32fp
    expect(host.read32(0x200)).toBe(0xcccccccc);
    expect(top(fpu.statusWord)).toBe(top(before));
    expect(fpu.statusWord & UE).toBe(UE);
    expect(fpu.errorPending).toBe(true);
  });

  it('an unmasked precision exception still stores the rounded result, with C1 for round-up', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x035f);
    load(fpu, host, ...THREE);
    load(fpu, host, ...ONE); // 1/3 = 0.AAAA... rounds up to ...AAAB
    exec(fpu, FDIV_ST0_ST1);
    expect(fpu.errorPending).toBe(true);
    expect(fpu.statusWord & (PE | C1)).toBe(PE | C1);
    expect(st(fpu, 0)).toBe('3ffd:aaaaaaaaaaaaaaab');
  });

  it('a stack overflow with IE unmasked flags SF and C1 and pushes nothing', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x037e);
    for (let i = 0; i < 8; i++) load(fpu, host, ...ONE);
    const before = fpu.statusWord;
    exec(fpu, { opcode: 0xd9, modrm: 0xee }); // FLDZ
    expect(fpu.statusWord & (IE | SF | C1 | ES)).toBe(IE | SF | C1 | ES);
    expect(top(fpu.statusWord)).toBe(top(before));
    expect(st(fpu, 0)).toBe('3fff:8000000000000000');
  });

  it('FNCLEX clears the flags, ES and B so no #MF follows', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x037e);
    exec(fpu, FADD_ST0_ST1); // empty stack: IE + SF
    expect(fpu.errorPending).toBe(true);
    exec(fpu, FNCLEX);
    expect(fpu.errorPending).toBe(false);
    expect(fpu.statusWord & 0x80ff).toBe(0);
  });

  it('FLDCW that unmasks an already-set flag makes the error pending', () => {
    const { fpu, host } = newFpu();
    load(fpu, host, ...ZERO);
    load(fpu, host, ...ONE);
    exec(fpu, FDIV_ST0_ST1); // ZE, masked
    expect(fpu.errorPending).toBe(false);
    setCw(fpu, host, 0x037b);
    expect(fpu.errorPending).toBe(true);
    setCw(fpu, host, 0x037f);
    expect(fpu.errorPending).toBe(false);
  });

  it('FNSTENV stores the pending state, then masks every exception', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x037b);
    load(fpu, host, ...ZERO);
    load(fpu, host, ...ONE);
    exec(fpu, FDIV_ST0_ST1);
    exec(fpu, { opcode: 0xd9, modrm: 0x35, linear: 0x300 });
    expect(host.read16(0x300)).toBe(0x037b);
    expect(host.read16(0x304) & (ES | ZE)).toBe(ES | ZE);
    expect(fpu.controlWord & 0x3f).toBe(0x3f);
    expect(fpu.errorPending).toBe(false);
  });
});

describe('reset, FNINIT and state', () => {
  it('power-on reset differs from FNINIT (SDM vol. 3 table 9-1)', () => {
    const { fpu } = newFpu();
    fpu.reset();
    let s = fpu.saveState();
    expect(s.fcw).toBe(0x0040);
    expect(s.ftw).toBe(0x5555);
    exec(fpu, FNINIT);
    s = fpu.saveState();
    expect(s.fcw).toBe(0x037f);
    expect(s.fsw).toBe(0);
    expect(s.ftw).toBe(0xffff);
  });

  it('saveState/restoreState round-trips through JSON', () => {
    const { fpu, host } = newFpu();
    setCw(fpu, host, 0x0b7b);
    load(fpu, host, ...ZERO);
    load(fpu, host, ...THREE);
    exec(fpu, FDIV_ST0_ST1);
    const json = JSON.stringify(fpu.saveState());
    const other = newFpu().fpu;
    other.restoreState(JSON.parse(json));
    expect(other.saveState()).toEqual(fpu.saveState());
    expect(other.errorPending).toBe(true);
  });

  it('restoreState names the bad field', () => {
    const { fpu } = newFpu();
    const good = fpu.saveState();
    expect(() => fpu.restoreState({ ...good, fop: 0x1234 })).toThrow(/fpu: snapshot field fop/);
    expect(() => fpu.restoreState({ ...good, regs: ['zz'] })).toThrow(/regs must list 8/);
    expect(() => fpu.restoreState({ ...good, version: 2 as 1 })).toThrow(/version 2 is not supported/);
  });
});

describe('faults from the host restart cleanly', () => {
  it('a fault part-way through a store or a restore leaves the FPU state as it was', () => {
    const { fpu, host } = newFpu();
    load(fpu, host, ...THREE);
    load(fpu, host, ...ONE);
    const before = JSON.stringify(fpu.saveState());
    const fault = new Error('#PF');
    const write16 = host.write16.bind(host);
    host.write16 = (a: number, v: number): void => {
      if (a >= 0x2000) throw fault;
      write16(a, v);
    };
    // FSTP m80 whose exponent word lands on a faulting page.
    expect(() => exec(fpu, { opcode: 0xdb, modrm: 0x3d, linear: 0x2000 - 8 })).toThrow(fault);
    expect(JSON.stringify(fpu.saveState())).toBe(before);
    const read8 = host.read8.bind(host);
    host.read8 = (a: number): number => {
      if (a >= 0x3000) throw fault;
      return read8(a);
    };
    // FLDENV and FXRSTOR whose tail is on a faulting page.
    expect(() => exec(fpu, { opcode: 0xd9, modrm: 0x25, linear: 0x3000 - 16 })).toThrow(fault);
    expect(() => fpu.fxrstor(0x3000 - 256)).toThrow(fault);
    expect(JSON.stringify(fpu.saveState())).toBe(before);
  });
});

describe('contract with the integer core', () => {
  it('FCOMI hands ZF/PF/CF back, FNSTSW AX hands the status word back, FCMOVcc reads EFLAGS', () => {
    const { fpu, host } = newFpu();
    load(fpu, host, ...THREE);
    load(fpu, host, ...ONE);
    host.flags = 0x8d5 | 0x202;
    exec(fpu, { opcode: 0xdb, modrm: 0xf1 }); // FCOMI ST0, ST1: 1 < 3
    expect(host.flags & 0x8d5).toBe(0x01);
    exec(fpu, { opcode: 0xdf, modrm: 0xe0 });
    expect(host.ax).toBe(fpu.statusWord);
    host.flags = 0x202 | 0x40; // ZF
    exec(fpu, { opcode: 0xda, modrm: 0xc9 }); // FCMOVE ST0, ST1
    expect(st(fpu, 0)).toBe('4000:c000000000000000');
  });

  it('classifies escapes for #UD and the no-wait forms', () => {
    expect(escapeKind(0xdb, 0xe3)).toBe(EscapeKind.NoWait); // FNINIT
    expect(escapeKind(0xdd, 0x3d)).toBe(EscapeKind.NoWait); // FNSTSW m16
    expect(escapeKind(0xdf, 0x0d)).toBe(EscapeKind.Invalid); // FISTTP is SSE3
    expect(escapeKind(0xd9, 0xd1)).toBe(EscapeKind.Invalid);
    expect(escapeKind(0xd8, 0xc1)).toBe(EscapeKind.Wait);
  });
});

describe('environment layouts in real mode (SDM vol. 1 figures 8-10, 8-12)', () => {
  it('stores the 20-bit linear FIP and FOP in the 32-bit and 16-bit real-mode formats', () => {
    const { fpu, host } = newFpu();
    exec(fpu, { opcode: 0xd9, modrm: 0xe8, realMode: true, cs: 0x1234, eip: 0x5678 }); // FLD1
    exec(fpu, { opcode: 0xd9, modrm: 0x35, linear: 0x400, realMode: true });
    expect(host.read16(0x40c)).toBe(0x79b8);
    expect(host.read32(0x410)).toBe((0x1 << 12) | 0x1e8);
    exec(fpu, { opcode: 0xd9, modrm: 0x35, linear: 0x500, realMode: true, operand32: false });
    expect(host.read16(0x506)).toBe(0x79b8);
    expect(host.read16(0x508)).toBe(0x11e8);
    // And FLDENV reads the same layout back.
    exec(fpu, FNINIT);
    exec(fpu, { opcode: 0xd9, modrm: 0x25, linear: 0x500, realMode: true, operand32: false });
    expect(fpu.saveState().fip).toBe(0x179b8);
    expect(fpu.saveState().fop).toBe(0x1e8);
  });

  it('FNSAVE/FRSTOR in the 16-bit protected format keep registers in stack order', () => {
    const { fpu, host } = newFpu();
    load(fpu, host, ...THREE);
    load(fpu, host, ...ONE);
    exec(fpu, { opcode: 0xdd, modrm: 0x35, linear: 0x600, operand32: false }); // FNSAVE
    expect(host.get80(0x600 + 14)).toBe('3fff:8000000000000000');
    expect(host.get80(0x600 + 24)).toBe('4000:c000000000000000');
    expect(fpu.saveState().ftw).toBe(0xffff);
    exec(fpu, { opcode: 0xdd, modrm: 0x25, linear: 0x600, operand32: false }); // FRSTOR
    expect(st(fpu, 1)).toBe('4000:c000000000000000');
  });
});
