// The x87 unit: register stack, FCW/FSW/tags, FIP/FDP/FOP, and the execution of every ESC
// (D8..DF) instruction of a Pentium II class FPU. Arithmetic lives in the float80-* modules,
// the memory images (FSTENV/FSAVE/FXSAVE, snapshots) in x87-env.ts. This module never throws
// on its own: only the host's memory accessors throw (the CPU's faults).

import type { FpuHost, FpuInstruction, X87State, X87Unit } from './fpu-host';
import {
  CLS_QNAN, CLS_SNAN, EXC_DE, EXC_IE, EXC_OE, EXC_PE, EXC_UE, EXC_ZE, FSW_SF, Fp80, T0, T1, T3,
} from './float80-core';
import { add, div, mul, sqrt } from './float80-arith';
import {
  BCD_OUT, N_HI, N_LO, loadBcd, loadF32, loadF64, loadInt64, narrow, toBcd, toInt,
} from './float80-convert';
import { CMP_EQ, CMP_LT, CMP_UN, REM_INCOMPLETE, REM_Q, compare, rem, roundInt, scale, xtract } from './float80-misc';
import {
  FCW_INIT, FCW_RESET, FCW_WRITABLE, FSW_B, FSW_C0, FSW_C1, FSW_C2, FSW_C3, FSW_ES, MXCSR_DEFAULT,
  readSlot80, writeSlot80,
} from './x87-state';
import { fldenv, fnsave, fnstenv, frstor, fxrstor, fxsave, restoreX87State, saveX87State } from './x87-env';
import { f2xm1, fpatan, fptan, fsincos, fyl2x, fyl2xp1 } from './transcendental';

const PRE_EXC = EXC_IE | EXC_DE | EXC_ZE;

/** Constants for FLD1..FLDZ: sign/exp and 96 bits of significand (rounded by FCW.RC, SDM FLDPI). */
const CONSTS = new Float64Array([
  // exp, w0, w1, w2
  0x3fff, 0x80000000, 0, 0, // 1
  0x4000, 0xd49a784b, 0xcd1b8afe, 0x492bf6ff, // log2(10)
  0x3fff, 0xb8aa3b29, 0x5c17f0bb, 0xbe87fed0, // log2(e)
  0x4000, 0xc90fdaa2, 0x2168c234, 0xc4c6628b, // pi
  0x3ffd, 0x9a209a84, 0xfbcff798, 0x8f8959ac, // log10(2)
  0x3ffe, 0xb17217f7, 0xd1cf79ab, 0xc9e3b398, // ln(2)
]);

export class X87 implements X87Unit {
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
  private pendingDe = false;

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

  /** FNINIT (SDM vol. 1 §8.1.10... table 8-? : FCW 037FH, FSW 0, all tags empty, pointers 0). */
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

  fxsave(linear: number): void {
    fxsave(this, linear);
  }

  fxrstor(linear: number): void {
    fxrstor(this, linear);
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

  private setValid(p: number): void {
    this.empty &= ~(1 << p);
  }

  private pop(): void {
    this.empty |= 1 << this.top;
    this.top = (this.top + 1) & 7;
  }

  private push(src: number): void {
    this.top = (this.top - 1) & 7;
    this.f.copy(this.top, src);
    this.empty &= ~(1 << this.top);
  }

  private prepare(): void {
    const f = this.f;
    const fcw = this.fcw;
    f.flags = 0;
    f.roundedUp = false;
    f.rc = (fcw >> 10) & 3;
    f.oeUnmasked = (fcw & 0x08) === 0;
    f.ueUnmasked = (fcw & 0x10) === 0;
  }

  private precision(): number {
    const pc = (this.fcw >> 8) & 3;
    return pc === 0 ? 24 : pc === 2 ? 53 : 64;
  }

  private setC1(on: boolean): void {
    if (on) this.fsw |= FSW_C1;
    else this.fsw &= ~FSW_C1;
  }

  /** Records exception flags `fl` in FSW. */
  private raise(fl: number): void {
    this.fsw |= fl;
    if ((fl & ~this.fcw & 0x3f) !== 0) this.fsw |= FSW_ES | FSW_B;
  }

  /** Stack underflow (SDM vol. 1 §8.5.1.1): IE+SF, C1=0; masked: indefinite into `dstPhys` (-1 for none). */
  private stackUnderflow(dstPhys: number, pops: number): void {
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
  private stackOverflowOnPush(): boolean {
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
  private commit(dstPhys: number, pops: number): void {
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
  private takeFlags(): number {
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
  private commitPush(): void {
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

  execute(insn: FpuInstruction): void {
    const op = insn.opcode & 7;
    const modrm = insn.modrm;
    const reg = (modrm >> 3) & 7;
    if (modrm >= 0xc0) {
      if (!isControlReg(op, modrm)) {
        this.fop = (op << 8) | modrm;
        this.fip = insn.eip;
        this.fcs = insn.cs;
      }
      this.execReg(op, reg, modrm & 7, modrm);
      return;
    }
    if (!isControlMem(op, reg)) {
      this.fop = (op << 8) | modrm;
      this.fip = insn.eip;
      this.fcs = insn.cs;
      this.fdp = insn.offset;
      this.fds = insn.ds;
    }
    this.execMem(op, reg, insn);
  }

  private execMem(op: number, reg: number, insn: FpuInstruction): void {
    const h = this.host;
    const a = insn.linear;
    const f = this.f;
    switch (op) {
      case 0: // D8: m32fp arithmetic
        this.prepare();
        loadF32(f, T1, h.read32(a), true);
        return this.arithMem(reg);
      case 4: // DC: m64fp arithmetic
        this.prepare();
        loadF64(f, T1, h.read32(a), h.read32(a + 4), true);
        return this.arithMem(reg);
      case 2: { // DA: m32int arithmetic
        const v = h.read32(a);
        this.prepare();
        loadInt64(f, T1, v, v >> 31);
        return this.arithMem(reg);
      }
      case 6: { // DE: m16int arithmetic
        const v = (h.read16(a) << 16) >> 16;
        this.prepare();
        loadInt64(f, T1, v, v >> 31);
        return this.arithMem(reg);
      }
      case 1:
        switch (reg) {
          case 0: { // FLD m32fp
            const v = h.read32(a);
            this.prepare();
            if (this.stackOverflowOnPush()) return;
            loadF32(f, T0, v);
            return this.commitPush();
          }
          case 2:
          case 3: // FST/FSTP m32fp
            return this.storeFloat(a, 24, reg === 3);
          case 4:
            return fldenv(this, insn);
          case 5:
            return this.setFcw(h.read16(a));
          case 6:
            fnstenv(this, insn);
            this.fcw |= 0x3f; // FNSTENV masks all exceptions afterwards, which clears ES and B
            this.updateEs();
            return;
          case 7:
            return h.write16(a, this.fcw);
          default:
            return; // D9 /1: reserved (the CPU raises #UD before calling us)
        }
      case 3:
        switch (reg) {
          case 0: { // FILD m32int
            const v = h.read32(a);
            this.prepare();
            if (this.stackOverflowOnPush()) return;
            loadInt64(f, T0, v, v >> 31);
            return this.commitPush();
          }
          case 2:
          case 3: // FIST/FISTP m32int
            return this.storeInt(a, 32, reg === 3);
          case 5: { // FLD m80fp
            readSlot80(h, f, T0, a);
            this.prepare();
            if (this.stackOverflowOnPush()) return;
            return this.commitPush();
          }
          case 7: // FSTP m80fp
            if (this.isEmpty(0)) {
              this.prepare();
              this.fsw &= ~FSW_C1;
              this.raise(EXC_IE | FSW_SF);
              if ((this.fcw & EXC_IE) === 0) return;
              f.setIndefinite(T0);
              writeSlot80(h, f, T0, a);
              this.pop();
              return;
            }
            writeSlot80(h, f, this.top, a);
            this.fsw &= ~FSW_C1;
            this.pop();
            return;
          default:
            return;
        }
      case 5:
        switch (reg) {
          case 0: { // FLD m64fp
            const lo = h.read32(a);
            const hi = h.read32(a + 4);
            this.prepare();
            if (this.stackOverflowOnPush()) return;
            loadF64(f, T0, lo, hi);
            return this.commitPush();
          }
          case 2:
          case 3:
            return this.storeFloat(a, 53, reg === 3);
          case 4:
            return frstor(this, insn);
          case 6:
            fnsave(this, insn);
            this.init();
            return;
          case 7:
            return h.write16(a, this.statusWord);
          default:
            return;
        }
      case 7:
        switch (reg) {
          case 0: { // FILD m16int
            const v = (h.read16(a) << 16) >> 16;
            this.prepare();
            if (this.stackOverflowOnPush()) return;
            loadInt64(f, T0, v, v >> 31);
            return this.commitPush();
          }
          case 2:
          case 3:
            return this.storeInt(a, 16, reg === 3);
          case 4: { // FBLD
            const lo = h.read32(a);
            const mid = h.read32(a + 4);
            const top = h.read16(a + 8);
            this.prepare();
            if (this.stackOverflowOnPush()) return;
            loadBcd(f, T0, lo, mid, top);
            return this.commitPush();
          }
          case 5: { // FILD m64int
            const lo = h.read32(a);
            const hi = h.read32(a + 4);
            this.prepare();
            if (this.stackOverflowOnPush()) return;
            loadInt64(f, T0, lo, hi);
            return this.commitPush();
          }
          case 6:
            return this.storeBcd(a);
          case 7:
            return this.storeInt(a, 64, true);
          default:
            return;
        }
    }
  }

  /** D8/DC/DA/DE memory forms: ST0 = ST0 op T1 (or T1 op ST0), or a compare. */
  private arithMem(reg: number): void {
    const f = this.f;
    if (this.isEmpty(0)) {
      if (reg === 2 || reg === 3) return this.compareUnderflow(reg === 3 ? 1 : 0);
      this.f.flags = 0;
      return this.stackUnderflow(this.top, 0);
    }
    const st0 = this.top;
    // A denormal m32fp/m64fp operand is normal in extended form: its DE is decided after the operation.
    if ((f.flags & EXC_DE) !== 0) {
      f.flags &= ~EXC_DE;
      const c = f.classify(st0);
      this.pendingDe = c !== CLS_QNAN && c !== CLS_SNAN;
    }
    if (reg === 2 || reg === 3) {
      const r = compare(f, st0, T1, true);
      return this.finishCompare(r, reg === 3 ? 1 : 0);
    }
    // A load's IE (SNaN m32/m64) is kept: the arithmetic on the quieted NaN adds nothing.
    this.binary(reg, st0, T1, st0, 0);
  }

  /** Runs arithmetic `reg` (0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr) as left=ST0, right=src. */
  private binary(reg: number, st0: number, src: number, dstPhys: number, pops: number): void {
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

  private compareUnderflow(pops: number): void {
    // SDM FCOM: stack underflow gives "unordered" condition codes when masked.
    this.raise(EXC_IE | FSW_SF);
    this.fsw &= ~FSW_C1;
    if ((this.fcw & EXC_IE) === 0) return;
    this.fsw |= FSW_C0 | FSW_C2 | FSW_C3;
    for (let i = 0; i < pops; i++) this.pop();
  }

  /** Sets C3/C2/C0; an unmasked IE or DE still sets them (observed) but suppresses the pops. */
  private finishCompare(r: number, pops: number): void {
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

  private storeFloat(a: number, keep: number, popAfter: boolean): void {
    const f = this.f;
    this.prepare();
    if (this.isEmpty(0)) {
      this.fsw &= ~FSW_C1;
      this.raise(EXC_IE | FSW_SF);
      if ((this.fcw & EXC_IE) === 0) return;
      if (keep === 24) this.host.write32(a, 0xffc00000 | 0);
      else {
        this.host.write32(a, 0);
        this.host.write32(a + 4, 0xfff80000 | 0);
      }
      if (popAfter) this.pop();
      return;
    }
    const ok = narrow(f, this.top, keep, keep === 24 ? 127 : 1023, keep === 24 ? 0xff : 0x7ff, (this.fcw & EXC_IE) === 0);
    const fl = f.flags;
    if (!ok || (fl & ~this.fcw & EXC_DE) !== 0) {
      this.fsw &= ~FSW_C1;
      this.raise(ok ? fl & PRE_EXC : fl);
      return;
    }
    if (keep === 24) this.host.write32(a, N_LO);
    else {
      this.host.write32(a, N_LO);
      this.host.write32(a + 4, N_HI);
    }
    if (popAfter) this.pop();
    this.setC1((fl & EXC_PE) !== 0 && f.roundedUp);
    this.raise(fl);
  }

  private storeInt(a: number, bits: number, popAfter: boolean): void {
    const f = this.f;
    this.prepare();
    const h = this.host;
    const ieUnmasked = (this.fcw & EXC_IE) === 0;
    let ok: boolean;
    if (this.isEmpty(0)) {
      this.fsw &= ~FSW_C1;
      this.raise(EXC_IE | FSW_SF);
      if (ieUnmasked) return;
      ok = true;
      f.setIndefinite(T0);
      toInt(f, T0, bits, false);
      f.flags = 0;
    } else ok = toInt(f, this.top, bits, ieUnmasked);
    const fl = f.flags;
    if (!ok || (fl & ~this.fcw & EXC_DE) !== 0) {
      this.fsw &= ~FSW_C1;
      this.raise(fl & PRE_EXC);
      return;
    }
    if (bits === 16) h.write16(a, N_LO & 0xffff);
    else {
      h.write32(a, N_LO);
      if (bits === 64) h.write32(a + 4, N_HI);
    }
    if (popAfter) this.pop();
    this.setC1((fl & EXC_PE) !== 0 && f.roundedUp);
    this.raise(fl);
  }

  private storeBcd(a: number): void {
    const f = this.f;
    this.prepare();
    const h = this.host;
    const ieUnmasked = (this.fcw & EXC_IE) === 0;
    let ok: boolean;
    if (this.isEmpty(0)) {
      this.fsw &= ~FSW_C1;
      this.raise(EXC_IE | FSW_SF);
      if (ieUnmasked) return;
      f.setIndefinite(T0);
      ok = toBcd(f, T0, false);
      f.flags = 0;
    } else ok = toBcd(f, this.top, ieUnmasked);
    const fl = f.flags;
    if (!ok || (fl & ~this.fcw & EXC_DE) !== 0) {
      this.fsw &= ~FSW_C1;
      this.raise(fl & PRE_EXC);
      return;
    }
    const o = BCD_OUT;
    h.write32(a, o[0] | (o[1] << 8) | (o[2] << 16) | (o[3] << 24));
    h.write32(a + 4, o[4] | (o[5] << 8) | (o[6] << 16) | (o[7] << 24));
    h.write16(a + 8, o[8] | (o[9] << 8));
    this.pop();
    this.setC1((fl & EXC_PE) !== 0 && f.roundedUp);
    this.raise(fl);
  }

  private execReg(op: number, reg: number, i: number, modrm: number): void {
    const f = this.f;
    switch (op) {
      case 0: // D8: ST0 = ST0 op STi, FCOM/FCOMP STi
        this.prepare();
        if (reg === 2 || reg === 3) return this.compareReg(i, reg === 3 ? 1 : 0, true);
        if (this.isEmpty(0) || this.isEmpty(i)) return this.stackUnderflow(this.top, 0);
        return this.binary(reg, this.top, this.phys(i), this.top, 0);
      case 4: // DC: STi = STi op ST0 (SUB/SUBR and DIV/DIVR encodings swapped)
        this.prepare();
        if (reg === 2 || reg === 3) return this.compareReg(i, reg === 3 ? 1 : 0, true);
        if (this.isEmpty(0) || this.isEmpty(i)) return this.stackUnderflow(this.phys(i), 0);
        return this.binary(reg, this.top, this.phys(i), this.phys(i), 0);
      case 6: // DE: popping forms
        this.prepare();
        if (reg === 2) return this.compareReg(i, 1, true);
        if (reg === 3) {
          if (i === 1) return this.compareReg(1, 2, true); // FCOMPP
          return; // reserved
        }
        if (this.isEmpty(0) || this.isEmpty(i)) return this.stackUnderflow(this.phys(i), 1);
        return this.binary(reg, this.top, this.phys(i), this.phys(i), 1);
      case 1:
        return this.execD9(reg, i);
      case 2: // DA
        if (reg <= 3) return this.fcmov(reg, i, false);
        if (modrm === 0xe9) {
          this.prepare();
          return this.compareReg(1, 2, false); // FUCOMPP
        }
        return;
      case 3: // DB
        if (reg <= 3) return this.fcmov(reg, i, true);
        if (modrm === 0xe2) {
          this.fsw &= 0x7f00; // FNCLEX: flags, SF, ES, B cleared
          return;
        }
        if (modrm === 0xe3) return this.init();
        if (reg === 5) return this.comi(i, 0, false); // FUCOMI
        if (reg === 6) return this.comi(i, 0, true); // FCOMI
        return; // FENI/FDISI/FSETPM: no-ops on the 80387 and later
      case 5: // DD
        switch (reg) {
          case 0: // FFREE
            this.empty |= 1 << this.phys(i);
            return;
          case 1:
            return this.fxch(i);
          case 2:
          case 3: // FST/FSTP STi
            return this.fstReg(i, reg === 3);
          case 4:
            this.prepare();
            return this.compareReg(i, 0, false); // FUCOM
          case 5:
            this.prepare();
            return this.compareReg(i, 1, false); // FUCOMP
          default:
            return;
        }
      case 7: // DF
        switch (reg) {
          case 0: // FFREEP (undocumented: FFREE then pop)
            this.empty |= 1 << this.phys(i);
            this.pop();
            return;
          case 1:
            return this.fxch(i);
          case 2:
          case 3:
            return this.fstReg(i, true);
          case 4:
            if (modrm === 0xe0) this.host.writeAx(this.statusWord);
            return;
          case 5:
            return this.comi(i, 1, false); // FUCOMIP
          case 6:
            return this.comi(i, 1, true); // FCOMIP
          default:
            return;
        }
    }
  }

  private compareReg(i: number, pops: number, signaling: boolean): void {
    if (this.isEmpty(0) || this.isEmpty(i)) return this.compareUnderflow(pops);
    const r = compare(this.f, this.top, this.phys(i), signaling);
    this.finishCompare(r, pops);
  }

  private comi(i: number, pops: number, signaling: boolean): void {
    this.prepare();
    this.fsw &= ~FSW_C1;
    if (this.isEmpty(0) || this.isEmpty(i)) {
      this.raise(EXC_IE | FSW_SF);
      if ((this.fcw & EXC_IE) === 0) return;
      this.host.setCompareFlags(0x45);
      for (let k = 0; k < pops; k++) this.pop();
      return;
    }
    const r = compare(this.f, this.top, this.phys(i), signaling);
    const fl = this.f.flags;
    // SDM FCOMI: ZF PF CF = 000 (>), 001 (<), 100 (=), 111 (unordered); set even when IE/DE is unmasked.
    this.host.setCompareFlags(r === CMP_UN ? 0x45 : r === CMP_EQ ? 0x40 : r === CMP_LT ? 0x01 : 0);
    if ((fl & ~this.fcw & PRE_EXC) !== 0) {
      this.raise(fl & PRE_EXC);
      return;
    }
    for (let k = 0; k < pops; k++) this.pop();
    this.raise(fl);
  }

  private fcmov(reg: number, i: number, negate: boolean): void {
    this.prepare();
    this.fsw &= ~FSW_C1;
    if (this.isEmpty(0) || this.isEmpty(i)) {
      this.raise(EXC_IE | FSW_SF);
      if ((this.fcw & EXC_IE) === 0) return;
      // Masked: the indefinite goes to ST0 (observed behaviour follows FLD's rule).
      this.f.setIndefinite(this.top);
      this.setValid(this.top);
      return;
    }
    const fl = this.host.eflags();
    let c: boolean;
    switch (reg) {
      case 0: c = (fl & 0x01) !== 0; break; // B
      case 1: c = (fl & 0x40) !== 0; break; // E
      case 2: c = (fl & 0x41) !== 0; break; // BE
      default: c = (fl & 0x04) !== 0; break; // U
    }
    if (c !== negate) this.f.copy(this.top, this.phys(i));
  }

  private fxch(i: number): void {
    this.prepare();
    this.fsw &= ~FSW_C1;
    const p0 = this.top, pi = this.phys(i);
    if (this.isEmpty(0) || this.isEmpty(i)) {
      this.raise(EXC_IE | FSW_SF);
      if ((this.fcw & EXC_IE) === 0) return;
      if (this.isEmpty(0)) {
        this.f.setIndefinite(p0);
        this.setValid(p0);
      }
      if (this.isEmpty(i)) {
        this.f.setIndefinite(pi);
        this.setValid(pi);
      }
    }
    const f = this.f;
    f.copy(T3, p0);
    f.copy(p0, pi);
    f.copy(pi, T3);
  }

  private fstReg(i: number, popAfter: boolean): void {
    this.prepare();
    this.fsw &= ~FSW_C1;
    if (this.isEmpty(0)) {
      this.raise(EXC_IE | FSW_SF);
      if ((this.fcw & EXC_IE) === 0) return;
      const d = this.phys(i);
      this.f.setIndefinite(d);
      this.setValid(d);
      if (popAfter) this.pop();
      return;
    }
    const d = this.phys(i);
    this.f.copy(d, this.top);
    this.setValid(d);
    if (popAfter) this.pop();
  }

  private execD9(reg: number, i: number): void {
    const f = this.f;
    switch (reg) {
      case 0: { // FLD STi
        this.prepare();
        this.fsw &= ~FSW_C1;
        if (this.isEmpty(i)) {
          if (this.stackOverflowOnPush()) return;
          this.raise(EXC_IE | FSW_SF);
          if ((this.fcw & EXC_IE) === 0) return;
          f.setIndefinite(T0);
          this.push(T0);
          return;
        }
        f.copy(T0, this.phys(i));
        if (this.stackOverflowOnPush()) return;
        this.push(T0);
        return;
      }
      case 1:
        return this.fxch(i);
      case 2:
        return; // FNOP
      case 3: // FSTP1 (reserved alias): on the host an empty ST0 moves its empty tag, no stack fault
        if (this.isEmpty(0)) {
          this.fsw &= ~FSW_C1;
          this.empty |= 1 << this.phys(i);
          this.pop();
          return;
        }
        return this.fstReg(i, true);
      case 4:
        return this.d9Group4(i);
      case 5: {
        if (i === 7) return;
        this.prepare();
        this.fsw &= ~FSW_C1;
        if (this.stackOverflowOnPush()) return;
        return this.loadConstant(i);
      }
      case 6:
        return this.d9Group6(i);
      default:
        return this.d9Group7(i);
    }
  }

  private loadConstant(i: number): void {
    const f = this.f;
    if (i === 6) {
      f.setZero(T0, 0);
    } else {
      const k = i * 4;
      // FLD1 and friends round a 66+-bit internal constant by FCW.RC (SDM FLDPI) but raise nothing.
      f.roundPack(T0, 0, CONSTS[k], CONSTS[k + 1], CONSTS[k + 2], CONSTS[k + 3], 64);
    }
    f.flags = 0;
    this.push(T0);
  }

  private d9Group4(i: number): void {
    const f = this.f;
    this.prepare();
    if (i === 5) return this.fxam();
    if (i === 2 || i === 3 || i > 5) return; // reserved
    if (this.isEmpty(0)) {
      if (i === 4) return this.compareUnderflow(0);
      return this.stackUnderflow(this.top, 0);
    }
    const st0 = this.top;
    this.fsw &= ~FSW_C1;
    if (i === 0) f.se[st0] ^= 0x8000; // FCHS
    else if (i === 1) f.se[st0] &= 0x7fff; // FABS
    else {
      // FTST
      f.setZero(T1, 0);
      const r = compare(f, st0, T1, true);
      this.finishCompare(r, 0);
    }
  }

  private fxam(): void {
    const f = this.f;
    const st0 = this.top;
    let c = 0; // C3 C2 C0 as bits 2,1,0
    if (this.isEmpty(0)) c = 0b101;
    else {
      switch (f.classify(st0)) {
        case 0: c = 0b100; break; // zero
        case 1: c = 0b010; break; // normal
        case 2: c = 0b110; break; // denormal
        case 3: c = 0b011; break; // infinity
        case 4:
        case 5: c = 0b001; break; // NaN
        default: c = 0; break; // unsupported
      }
    }
    this.fsw &= ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3);
    if (f.sign(st0)) this.fsw |= FSW_C1;
    if (c & 1) this.fsw |= FSW_C0;
    if (c & 2) this.fsw |= FSW_C2;
    if (c & 4) this.fsw |= FSW_C3;
  }

  private d9Group6(i: number): void {
    const f = this.f;
    this.prepare();
    switch (i) {
      case 0: // F2XM1
        return this.unaryOp(0);
      case 1: // FYL2X: ST1 = ST1 * log2(ST0), pop
        return this.binaryPop(0);
      case 2: { // FPTAN
        if (this.isEmpty(0)) return this.stackUnderflowPush();
        if (this.twoResultOverflow()) return;
        this.fsw &= ~FSW_C2;
        if (!fptan(f, T0, this.top)) {
          this.fsw |= FSW_C2;
          return;
        }
        if ((f.flags & ~this.fcw & PRE_EXC) !== 0) return this.commit(this.top, 0);
        // tan in ST(1), 1.0 pushed; a NaN result is pushed in place of the 1.0 (observed).
        this.commit(this.top, 0);
        if (f.classify(T0) >= CLS_QNAN) f.copy(T1, T0);
        else f.set(T1, 0, 0x3fff, 0x80000000, 0);
        this.push(T1);
        return;
      }
      case 3: // FPATAN
        return this.binaryPop(1);
      case 4: { // FXTRACT
        if (this.isEmpty(0)) return this.stackUnderflowPush();
        if (this.twoResultOverflow()) return;
        xtract(f, T1, T0, this.top);
        const fl = f.flags;
        if ((fl & ~this.fcw & PRE_EXC) !== 0) return this.commit(this.top, 0);
        this.commit(this.top, 0); // exponent replaces ST0
        this.push(T1);
        return;
      }
      case 5: // FPREM1
        return this.fprem(true);
      case 6: // FDECSTP
        this.fsw &= ~FSW_C1;
        this.top = (this.top - 1) & 7;
        return;
      default: // FINCSTP
        this.fsw &= ~FSW_C1;
        this.top = (this.top + 1) & 7;
        return;
    }
  }

  /**
   * Two-result ops (FPTAN, FXTRACT, FSINCOS) with ST7 in use: IE+SF, C1=1; masked, both the
   * old ST0 and the pushed value become indefinites (observed on the host).
   */
  private twoResultOverflow(): boolean {
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
  private stackUnderflowPush(): void {
    this.fsw &= ~FSW_C1;
    this.raise(EXC_IE | FSW_SF);
    if ((this.fcw & EXC_IE) === 0) return;
    this.f.setIndefinite(this.top);
    this.setValid(this.top);
    if (this.stackOverflowOnPush()) return;
    this.f.setIndefinite(T0);
    this.push(T0);
  }

  private d9Group7(i: number): void {
    const f = this.f;
    this.prepare();
    switch (i) {
      case 0: // FPREM
        return this.fprem(false);
      case 1: // FYL2XP1
        return this.binaryPop(2);
      case 2: // FSQRT
        if (this.isEmpty(0)) return this.stackUnderflow(this.top, 0);
        sqrt(f, T0, this.top, this.precision());
        return this.commit(this.top, 0);
      case 3: { // FSINCOS
        if (this.isEmpty(0)) return this.stackUnderflowPush();
        if (this.twoResultOverflow()) return;
        this.fsw &= ~FSW_C2;
        if (!fsincos(f, T0, T1, this.top)) {
          this.fsw |= FSW_C2;
          return;
        }
        if ((f.flags & ~this.fcw & PRE_EXC) !== 0) return this.commit(this.top, 0);
        this.commit(this.top, 0); // sine replaces ST0
        this.push(T1); // cosine pushed
        return;
      }
      case 4: // FRNDINT
        if (this.isEmpty(0)) return this.stackUnderflow(this.top, 0);
        roundInt(f, T0, this.top);
        return this.commit(this.top, 0);
      case 5: // FSCALE
        if (this.isEmpty(0) || this.isEmpty(1)) return this.stackUnderflow(this.top, 0);
        scale(f, T0, this.top, this.phys(1));
        return this.commit(this.top, 0);
      case 6: // FSIN
        return this.unaryOp(1);
      default: // FCOS
        return this.unaryOp(2);
    }
  }

  /** F2XM1 (0), FSIN (1), FCOS (2) on ST0. */
  private unaryOp(kind: number): void {
    const f = this.f;
    if (this.isEmpty(0)) return this.stackUnderflow(this.top, 0);
    if (kind === 0) {
      f2xm1(f, T0, this.top);
      return this.commit(this.top, 0);
    }
    this.fsw &= ~FSW_C2;
    const ok = kind === 1 ? fsincos(f, T0, -1, this.top) : fsincos(f, -1, T0, this.top);
    if (!ok) {
      this.fsw |= FSW_C2;
      return;
    }
    this.commit(this.top, 0);
  }

  /** FYL2X (0), FPATAN (1), FYL2XP1 (2): ST1 = f(ST1, ST0), pop. */
  private binaryPop(kind: number): void {
    const f = this.f;
    if (this.isEmpty(0) || this.isEmpty(1)) return this.stackUnderflow(this.phys(1), 1);
    const st0 = this.top, st1 = this.phys(1);
    if (kind === 0) fyl2x(f, T0, st1, st0);
    else if (kind === 1) fpatan(f, T0, st1, st0);
    else fyl2xp1(f, T0, st1, st0);
    this.commit(st1, 1);
  }

  private fprem(nearest: boolean): void {
    const f = this.f;
    if (this.isEmpty(0) || this.isEmpty(1)) return this.stackUnderflow(this.top, 0);
    rem(f, T0, this.top, this.phys(1), nearest);
    const fl = f.flags;
    if ((fl & ~this.fcw & PRE_EXC) !== 0) return this.commit(this.top, 0);
    this.commit(this.top, 0);
    // SDM FPREM: C2 = incomplete; C0, C3, C1 = quotient bits 2, 1, 0 when complete.
    this.fsw &= ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3);
    if (REM_INCOMPLETE) this.fsw |= FSW_C2;
    else {
      if (REM_Q & 4) this.fsw |= FSW_C0;
      if (REM_Q & 2) this.fsw |= FSW_C3;
      if (REM_Q & 1) this.fsw |= FSW_C1;
    }
  }
}

/** Register-form control instructions, which leave FIP/FOP alone: FNCLEX, FNINIT, FNSTSW AX, FNENI/FNDISI/FNSETPM. */
function isControlReg(op: number, modrm: number): boolean {
  return (op === 3 && modrm >= 0xe0 && modrm <= 0xe4) || (op === 7 && modrm === 0xe0);
}

/** Memory-form control instructions: FLDENV, FLDCW, FNSTENV, FNSTCW, FRSTOR, FNSAVE, FNSTSW. */
function isControlMem(op: number, reg: number): boolean {
  return (op === 1 && reg >= 4) || (op === 5 && (reg === 4 || reg === 6 || reg === 7));
}


