// The x87 register stack and status machinery shared by every instruction: FCW/FSW/tags,
// FIP/FDP/FOP, push/pop with stack faults, and how an operation's exception flags become FSW
// bits, C1 and ES (SDM vol. 1 §8.5: which exceptions stop an instruction before it writes).
// The instructions themselves live in x87-memory.ts and x87-register.ts.

import type { FpuHost, X87State } from './fpu-host';
import { EXC_DE, EXC_IE, EXC_PE, EXC_ZE, FSW_SF, Fp80, T0 } from './float80-core';
import { add, div, mul } from './float80-arith';
import { FCW_INIT, FCW_RESET, FCW_WRITABLE, FSW_B, FSW_C0, FSW_C1, FSW_C2, FSW_C3, FSW_ES, MXCSR_DEFAULT } from './x87-state';
import { restoreX87State, saveX87State } from './x87-env';

/** Exceptions detected before an operation writes: unmasked, they leave its destination alone. */
export const PRE_EXC = EXC_IE | EXC_DE | EXC_ZE;

export class X87Core {
  /** @internal value slots: R0..R7 and scratch. */
  readonly f = new Fp80();
  /** @internal */ fcw = FCW_INIT;
  /** FSW without TOP. @internal */ fsw = 0;
  /** @internal */ top = 0;
  /** Bit i set: physical register i is empty. @internal */ empty = 0xff;
  /** @internal */ fip = 0;
  /** @internal */ fcs = 0;
  /** @internal */ fdp = 0;
  /** @internal */ fds = 0;
  /** @internal */ fop = 0;
  /** @internal */ mxcsr = MXCSR_DEFAULT;
  /** A memory operand converted from m32fp/m64fp was denormal: DE unless IE, ZE or a NaN prevail. */
  pendingDe = false;

  constructor(readonly host: FpuHost) {
    this.reset();
  }

  get errorPending(): boolean {
    return (this.fsw & FSW_ES) !== 0;
  }

  /** FSW as the guest reads it (TOP merged in). */
  get statusWord(): number {
    return (this.fsw & ~0x3800) | (this.top << 11);
  }

  get controlWord(): number {
    return this.fcw;
  }

  reset(): void {
    const f = this.f;
    for (let i = 0; i < 8; i++) f.setZero(i, 0);
    this.fcw = FCW_RESET;
    this.fsw = 0;
    this.top = 0;
    this.empty = 0; // tag word 5555H: every register holds +0.0
    this.fip = this.fcs = this.fdp = this.fds = this.fop = 0;
    this.mxcsr = MXCSR_DEFAULT;
  }

  /** FNINIT (SDM vol. 2 FINIT/FNINIT): FCW 037FH, FSW 0, all tags empty, pointers and FOP 0; registers kept. */
  init(): void {
    this.fcw = FCW_INIT;
    this.fsw = 0;
    this.top = 0;
    this.empty = 0xff;
    this.fip = this.fcs = this.fdp = this.fds = this.fop = 0;
  }

  saveState(): X87State {
    return saveX87State(this);
  }

  restoreState(state: X87State): void {
    restoreX87State(this, state);
  }

  /** Recomputes FSW.ES and FSW.B from the exception flags and masks. */
  updateEs(): void {
    if ((this.fsw & ~this.fcw & 0x3f) !== 0) this.fsw |= FSW_ES | FSW_B;
    else this.fsw &= ~(FSW_ES | FSW_B);
  }

  setFcw(v: number): void {
    this.fcw = (v & FCW_WRITABLE) | 0x40;
    this.updateEs();
  }

  // ---- stack helpers ----

  phys(i: number): number {
    return (this.top + i) & 7;
  }

  isEmpty(i: number): boolean {
    return ((this.empty >> ((this.top + i) & 7)) & 1) !== 0;
  }

  /** @internal */ setValid(p: number): void {
    this.empty &= ~(1 << p);
  }

  /** @internal */ pop(): void {
    this.empty |= 1 << this.top;
    this.top = (this.top + 1) & 7;
  }

  /** @internal */ push(src: number): void {
    this.top = (this.top - 1) & 7;
    this.f.copy(this.top, src);
    this.empty &= ~(1 << this.top);
  }

  /** @internal */ prepare(): void {
    const f = this.f;
    const fcw = this.fcw;
    f.flags = 0;
    f.roundedUp = false;
    f.rc = (fcw >> 10) & 3;
    f.oeUnmasked = (fcw & 0x08) === 0;
    f.ueUnmasked = (fcw & 0x10) === 0;
  }

  /** @internal */ precision(): number {
    const pc = (this.fcw >> 8) & 3;
    return pc === 0 ? 24 : pc === 2 ? 53 : 64;
  }

  /** @internal */ setC1(on: boolean): void {
    if (on) this.fsw |= FSW_C1;
    else this.fsw &= ~FSW_C1;
  }

  /** Records exception flags `fl` in FSW. */
  raise(fl: number): void {
    this.fsw |= fl;
    if ((fl & ~this.fcw & 0x3f) !== 0) this.fsw |= FSW_ES | FSW_B;
  }

  /** Stack underflow (SDM vol. 1 §8.5.1.1): IE+SF, C1=0; masked: indefinite into `dstPhys` (-1 for none). */
  stackUnderflow(dstPhys: number, pops: number): void {
    this.fsw &= ~FSW_C1;
    this.raise(EXC_IE | FSW_SF);
    if ((this.fcw & EXC_IE) === 0) return;
    if (dstPhys >= 0) {
      this.f.setIndefinite(dstPhys);
      this.setValid(dstPhys);
    }
    for (let i = 0; i < pops; i++) this.pop();
  }

  /** Stack overflow on push: IE+SF, C1=1; masked: pushes the indefinite. Returns true when it occurred. */
  stackOverflowOnPush(): boolean {
    const p = (this.top - 1) & 7;
    if (((this.empty >> p) & 1) !== 0) return false;
    this.fsw |= FSW_C1;
    this.raise(EXC_IE | FSW_SF);
    if ((this.fcw & EXC_IE) !== 0) {
      this.top = p;
      this.f.setIndefinite(p);
    }
    return true;
  }

  /**
   * Commits an arithmetic result in T0 to physical register `dstPhys` and pops `pops` times,
   * unless an unmasked pre-computation exception (IE, DE, ZE) leaves everything unchanged.
   */
  commit(dstPhys: number, pops: number): void {
    const f = this.f;
    const fl = this.takeFlags();
    if ((fl & ~this.fcw & PRE_EXC) !== 0) {
      this.fsw &= ~FSW_C1;
      this.raise(fl & PRE_EXC);
      return;
    }
    this.f.copy(dstPhys, T0);
    this.setValid(dstPhys);
    for (let i = 0; i < pops; i++) this.pop();
    this.setC1((fl & EXC_PE) !== 0 && f.roundedUp);
    this.raise(fl);
  }

  /** The current instruction's exception flags, with a memory operand's DE merged in. */
  takeFlags(): number {
    let fl = this.f.flags;
    if (this.pendingDe) {
      this.pendingDe = false;
      fl |= EXC_DE;
    }
    // Invalid operation and zero divide take precedence over a denormal operand (SDM vol. 1 §4.9.2).
    if ((fl & (EXC_IE | EXC_ZE)) !== 0) fl &= ~EXC_DE;
    return fl;
  }

  /** Pushes T0 (a load's result) unless an unmasked pre-computation exception occurred. */
  commitPush(): void {
    const fl = this.f.flags;
    this.fsw &= ~FSW_C1;
    // An unmasked DE does not stop a load: the host pushes the value and flags the exception.
    if ((fl & ~this.fcw & (EXC_IE | EXC_ZE)) !== 0) {
      this.raise(fl & PRE_EXC);
      return;
    }
    this.push(T0);
    this.setC1((fl & EXC_PE) !== 0 && this.f.roundedUp);
    this.raise(fl);
  }

  // ---- execution ----

  /** Runs arithmetic `reg` (0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr) as left=ST0, right=src. */
  binary(reg: number, st0: number, src: number, dstPhys: number, pops: number): void {
    const f = this.f;
    const pc = this.precision();
    switch (reg) {
      case 0: add(f, T0, st0, src, false, pc); break;
      case 1: mul(f, T0, st0, src, pc); break;
      case 4: add(f, T0, st0, src, true, pc); break;
      case 5: add(f, T0, src, st0, true, pc); break;
      case 6: div(f, T0, st0, src, pc); break;
      default: div(f, T0, src, st0, pc); break;
    }
    this.commit(dstPhys, pops);
  }

  /** Compare with an empty operand: "unordered" even when IE is unmasked (observed), pops only when masked. */
  compareUnderflow(pops: number): void {
    this.raise(EXC_IE | FSW_SF);
    this.fsw &= ~FSW_C1;
    this.fsw |= FSW_C0 | FSW_C2 | FSW_C3;
    if ((this.fcw & EXC_IE) === 0) return;
    for (let i = 0; i < pops; i++) this.pop();
  }

  /** Sets C3/C2/C0; an unmasked IE or DE still sets them (observed) but suppresses the pops. */
  finishCompare(r: number, pops: number): void {
    const fl = this.takeFlags();
    this.fsw &= ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3);
    if (r & 1) this.fsw |= FSW_C0;
    if (r & 2) this.fsw |= FSW_C2;
    if (r & 4) this.fsw |= FSW_C3;
    if ((fl & ~this.fcw & PRE_EXC) !== 0) {
      this.raise(fl & PRE_EXC);
      return;
    }
    for (let i = 0; i < pops; i++) this.pop();
    this.raise(fl);
  }

  /**
   * Two-result ops (FPTAN, FXTRACT, FSINCOS) with ST7 in use: IE+SF, C1=1; masked, both the
   * old ST0 and the pushed value become indefinites (observed on the host).
   */
  twoResultOverflow(): boolean {
    const p = (this.top - 1) & 7;
    if (((this.empty >> p) & 1) !== 0) return false;
    this.fsw |= FSW_C1;
    this.raise(EXC_IE | FSW_SF);
    if ((this.fcw & EXC_IE) !== 0) {
      this.f.setIndefinite(this.top);
      this.top = p;
      this.f.setIndefinite(p);
    }
    return true;
  }

  /** Two-result ops (FPTAN, FXTRACT, FSINCOS) with an empty ST0: masked, ST0 and the pushed value become indefinites. */
  stackUnderflowPush(): void {
    this.fsw &= ~FSW_C1;
    this.raise(EXC_IE | FSW_SF);
    if ((this.fcw & EXC_IE) === 0) return;
    this.f.setIndefinite(this.top);
    this.setValid(this.top);
    if (this.stackOverflowOnPush()) {
      this.fsw &= ~FSW_C1; // the underflow's C1 = 0 stands (observed)
      return;
    }
    this.f.setIndefinite(T0);
    this.push(T0);
  }
}
