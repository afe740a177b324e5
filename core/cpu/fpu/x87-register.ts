// Register forms of the ESC instructions (ModR/M mod == 3): register arithmetic and
// compares (incl. FCOMI/FUCOMI, which hand EFLAGS to the CPU), FCMOVcc, FXCH, FST/FFREE, the
// D9 group (constants, FCHS/FABS/FTST/FXAM, FSQRT, FPREM, FSCALE, FRNDINT, transcendentals)
// and FNCLEX/FNINIT/FNSTSW AX.

import { CLS_QNAN, EXC_IE, FSW_SF, T0, T1, T3 } from './float80-core';
import { sqrt } from './float80-arith';
import { CMP_EQ, CMP_LT, CMP_UN, REM_INCOMPLETE, REM_Q, compare, rem, roundInt, scale, xtract } from './float80-misc';
import { FSW_C0, FSW_C1, FSW_C2, FSW_C3 } from './x87-state';
import { f2xm1, fpatan, fptan, fsincos, fyl2x, fyl2xp1 } from './transcendental';
import { PRE_EXC, type X87Core } from './x87-core';

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

export function execReg(u: X87Core, op: number, reg: number, i: number, modrm: number): void {
  switch (op) {
    case 0: // D8: ST0 = ST0 op STi, FCOM/FCOMP STi
      u.prepare();
      if (reg === 2 || reg === 3) return compareReg(u, i, reg === 3 ? 1 : 0, true);
      if (u.isEmpty(0) || u.isEmpty(i)) return u.stackUnderflow(u.top, 0);
      return u.binary(reg, u.top, u.phys(i), u.top, 0);
    case 4: // DC: STi = STi op ST0 (SUB/SUBR and DIV/DIVR encodings swapped)
      u.prepare();
      if (reg === 2 || reg === 3) return compareReg(u, i, reg === 3 ? 1 : 0, true);
      if (u.isEmpty(0) || u.isEmpty(i)) return u.stackUnderflow(u.phys(i), 0);
      return u.binary(reg, u.top, u.phys(i), u.phys(i), 0);
    case 6: // DE: popping forms
      u.prepare();
      if (reg === 2) return compareReg(u, i, 1, true);
      if (reg === 3) {
        if (i === 1) return compareReg(u, 1, 2, true); // FCOMPP
        return; // reserved
      }
      if (u.isEmpty(0) || u.isEmpty(i)) return u.stackUnderflow(u.phys(i), 1);
      return u.binary(reg, u.top, u.phys(i), u.phys(i), 1);
    case 1:
      return execD9(u, reg, i);
    case 2: // DA
      if (reg <= 3) return fcmov(u, reg, i, false);
      if (modrm === 0xe9) {
        u.prepare();
        return compareReg(u, 1, 2, false); // FUCOMPP
      }
      return;
    case 3: // DB
      if (reg <= 3) return fcmov(u, reg, i, true);
      if (modrm === 0xe2) {
        u.fsw &= 0x7f00; // FNCLEX: flags, SF, ES, B cleared
        return;
      }
      if (modrm === 0xe3) return u.init();
      if (reg === 5) return comi(u, i, 0, false); // FUCOMI
      if (reg === 6) return comi(u, i, 0, true); // FCOMI
      return; // FENI/FDISI/FSETPM: no-ops on the 80387 and later
    case 5: // DD
      switch (reg) {
        case 0: // FFREE (C0-C3 undefined by the SDM; the host clears C1)
          u.empty |= 1 << u.phys(i);
          u.fsw &= ~FSW_C1;
          return;
        case 1:
          return fxch(u, i);
        case 2:
        case 3: // FST/FSTP STi
          return fstReg(u, i, reg === 3);
        case 4:
          u.prepare();
          return compareReg(u, i, 0, false); // FUCOM
        case 5:
          u.prepare();
          return compareReg(u, i, 1, false); // FUCOMP
        default:
          return;
      }
    case 7: // DF
      switch (reg) {
        case 0: // FFREEP (undocumented: FFREE then pop)
          u.empty |= 1 << u.phys(i);
          u.pop();
          return;
        case 1:
          return fxch(u, i);
        case 2:
        case 3:
          return fstReg(u, i, true);
        case 4:
          if (modrm === 0xe0) u.host.writeAx(u.statusWord);
          return;
        case 5:
          return comi(u, i, 1, false); // FUCOMIP
        case 6:
          return comi(u, i, 1, true); // FCOMIP
        default:
          return;
      }
  }
}

function compareReg(u: X87Core, i: number, pops: number, signaling: boolean): void {
  if (u.isEmpty(0) || u.isEmpty(i)) return u.compareUnderflow(pops);
  const r = compare(u.f, u.top, u.phys(i), signaling);
  u.finishCompare(r, pops);
}

/**
 * FCOMI family. C1 is cleared only on a stack underflow: the host leaves it alone otherwise
 * (the SDM says "set to 0"; no software reads C1 after FCOMI). An empty operand gives
 * "unordered" even with IE unmasked (observed).
 */
function comi(u: X87Core, i: number, pops: number, signaling: boolean): void {
  u.prepare();
  if (u.isEmpty(0) || u.isEmpty(i)) {
    u.fsw &= ~FSW_C1;
    u.raise(EXC_IE | FSW_SF);
    u.host.setCompareFlags(0x45);
    if ((u.fcw & EXC_IE) === 0) return;
    for (let k = 0; k < pops; k++) u.pop();
    return;
  }
  const r = compare(u.f, u.top, u.phys(i), signaling);
  const fl = u.f.flags;
  // SDM FCOMI: ZF PF CF = 000 (>), 001 (<), 100 (=), 111 (unordered); set even when IE/DE is unmasked.
  u.host.setCompareFlags(r === CMP_UN ? 0x45 : r === CMP_EQ ? 0x40 : r === CMP_LT ? 0x01 : 0);
  if ((fl & ~u.fcw & PRE_EXC) !== 0) {
    u.raise(fl & PRE_EXC);
    return;
  }
  for (let k = 0; k < pops; k++) u.pop();
  u.raise(fl);
}

/** FCMOVcc: C1 is cleared on a stack underflow and otherwise left alone (SDM FCMOVcc, host). */
function fcmov(u: X87Core, reg: number, i: number, negate: boolean): void {
  u.prepare();
  if (u.isEmpty(0) || u.isEmpty(i)) {
    u.fsw &= ~FSW_C1;
    u.raise(EXC_IE | FSW_SF);
    if ((u.fcw & EXC_IE) === 0) return;
    // Masked: the indefinite goes to ST0 (observed behaviour follows FLD's rule).
    u.f.setIndefinite(u.top);
    u.setValid(u.top);
    return;
  }
  const fl = u.host.eflags();
  let c: boolean;
  switch (reg) {
    case 0: c = (fl & 0x01) !== 0; break; // B
    case 1: c = (fl & 0x40) !== 0; break; // E
    case 2: c = (fl & 0x41) !== 0; break; // BE
    default: c = (fl & 0x04) !== 0; break; // U
  }
  if (c !== negate) u.f.copy(u.top, u.phys(i));
}

function fxch(u: X87Core, i: number): void {
  u.prepare();
  u.fsw &= ~FSW_C1;
  const p0 = u.top, pi = u.phys(i);
  if (u.isEmpty(0) || u.isEmpty(i)) {
    u.raise(EXC_IE | FSW_SF);
    if ((u.fcw & EXC_IE) === 0) return;
    if (u.isEmpty(0)) {
      u.f.setIndefinite(p0);
      u.setValid(p0);
    }
    if (u.isEmpty(i)) {
      u.f.setIndefinite(pi);
      u.setValid(pi);
    }
  }
  const f = u.f;
  f.copy(T3, p0);
  f.copy(p0, pi);
  f.copy(pi, T3);
}

function fstReg(u: X87Core, i: number, popAfter: boolean): void {
  u.prepare();
  u.fsw &= ~FSW_C1;
  if (u.isEmpty(0)) {
    u.raise(EXC_IE | FSW_SF);
    if ((u.fcw & EXC_IE) === 0) return;
    const d = u.phys(i);
    u.f.setIndefinite(d);
    u.setValid(d);
    if (popAfter) u.pop();
    return;
  }
  const d = u.phys(i);
  u.f.copy(d, u.top);
  u.setValid(d);
  if (popAfter) u.pop();
}

function execD9(u: X87Core, reg: number, i: number): void {
  const f = u.f;
  switch (reg) {
    case 0: { // FLD STi
      u.prepare();
      u.fsw &= ~FSW_C1;
      if (u.isEmpty(i)) {
        if (u.stackOverflowOnPush()) {
          u.fsw &= ~FSW_C1; // empty source and full destination: the underflow's C1 = 0 (observed)
          return;
        }
        u.raise(EXC_IE | FSW_SF);
        if ((u.fcw & EXC_IE) === 0) return;
        f.setIndefinite(T0);
        u.push(T0);
        return;
      }
      f.copy(T0, u.phys(i));
      if (u.stackOverflowOnPush()) return;
      u.push(T0);
      return;
    }
    case 1:
      return fxch(u, i);
    case 2:
      return; // FNOP
    case 3: // FSTP1 (reserved alias): on the host an empty ST0 moves its empty tag, no stack fault
      if (u.isEmpty(0)) {
        u.fsw &= ~FSW_C1;
        u.empty |= 1 << u.phys(i);
        u.pop();
        return;
      }
      return fstReg(u, i, true);
    case 4:
      return d9Group4(u, i);
    case 5: {
      if (i === 7) return;
      u.prepare();
      u.fsw &= ~FSW_C1;
      if (u.stackOverflowOnPush()) return;
      return loadConstant(u, i);
    }
    case 6:
      return d9Group6(u, i);
    default:
      return d9Group7(u, i);
  }
}

function loadConstant(u: X87Core, i: number): void {
  const f = u.f;
  if (i === 6) {
    f.setZero(T0, 0);
  } else {
    const k = i * 4;
    // FLD1 and friends round a 66+-bit internal constant by FCW.RC (SDM FLDPI) but raise nothing.
    f.roundPack(T0, 0, CONSTS[k], CONSTS[k + 1], CONSTS[k + 2], CONSTS[k + 3], 64);
  }
  f.flags = 0;
  u.push(T0);
}

function d9Group4(u: X87Core, i: number): void {
  const f = u.f;
  u.prepare();
  if (i === 5) return fxam(u);
  if (i === 2 || i === 3 || i > 5) return; // reserved
  if (u.isEmpty(0)) {
    if (i === 4) return u.compareUnderflow(0);
    return u.stackUnderflow(u.top, 0);
  }
  const st0 = u.top;
  u.fsw &= ~FSW_C1;
  if (i === 0) f.se[st0] ^= 0x8000; // FCHS
  else if (i === 1) f.se[st0] &= 0x7fff; // FABS
  else {
    // FTST
    f.setZero(T1, 0);
    const r = compare(f, st0, T1, true);
    u.finishCompare(r, 0);
  }
}

function fxam(u: X87Core): void {
  const f = u.f;
  const st0 = u.top;
  let c = 0; // C3 C2 C0 as bits 2,1,0
  if (u.isEmpty(0)) c = 0b101;
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
  u.fsw &= ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3);
  if (f.sign(st0)) u.fsw |= FSW_C1;
  if (c & 1) u.fsw |= FSW_C0;
  if (c & 2) u.fsw |= FSW_C2;
  if (c & 4) u.fsw |= FSW_C3;
}

function d9Group6(u: X87Core, i: number): void {
  const f = u.f;
  u.prepare();
  switch (i) {
    case 0: // F2XM1
      return unaryOp(u, 0);
    case 1: // FYL2X: ST1 = ST1 * log2(ST0), pop
      return binaryPop(u, 0);
    case 2: { // FPTAN
      if (u.isEmpty(0)) return u.stackUnderflowPush();
      if (u.twoResultOverflow()) return;
      u.fsw &= ~FSW_C2;
      if (!fptan(f, T0, u.top)) {
        u.fsw |= FSW_C2;
        return;
      }
      if ((f.flags & ~u.fcw & PRE_EXC) !== 0) return u.commit(u.top, 0);
      // tan in ST(1), 1.0 pushed; a NaN result is pushed in place of the 1.0 (observed).
      u.commit(u.top, 0);
      if (f.classify(T0) >= CLS_QNAN) f.copy(T1, T0);
      else f.set(T1, 0, 0x3fff, 0x80000000, 0);
      u.push(T1);
      return;
    }
    case 3: // FPATAN
      return binaryPop(u, 1);
    case 4: { // FXTRACT
      if (u.isEmpty(0)) return u.stackUnderflowPush();
      if (u.twoResultOverflow()) return;
      xtract(f, T1, T0, u.top);
      const fl = f.flags;
      if ((fl & ~u.fcw & PRE_EXC) !== 0) return u.commit(u.top, 0);
      u.commit(u.top, 0); // exponent replaces ST0
      u.push(T1);
      return;
    }
    case 5: // FPREM1
      return fprem(u, true);
    case 6: // FDECSTP
      u.fsw &= ~FSW_C1;
      u.top = (u.top - 1) & 7;
      return;
    default: // FINCSTP
      u.fsw &= ~FSW_C1;
      u.top = (u.top + 1) & 7;
      return;
  }
}

function d9Group7(u: X87Core, i: number): void {
  const f = u.f;
  u.prepare();
  switch (i) {
    case 0: // FPREM
      return fprem(u, false);
    case 1: // FYL2XP1
      return binaryPop(u, 2);
    case 2: // FSQRT
      if (u.isEmpty(0)) return u.stackUnderflow(u.top, 0);
      sqrt(f, T0, u.top, u.precision());
      return u.commit(u.top, 0);
    case 3: { // FSINCOS
      if (u.isEmpty(0)) return u.stackUnderflowPush();
      if (u.twoResultOverflow()) return;
      u.fsw &= ~FSW_C2;
      if (!fsincos(f, T0, T1, u.top)) {
        u.fsw |= FSW_C2;
        return;
      }
      if ((f.flags & ~u.fcw & PRE_EXC) !== 0) return u.commit(u.top, 0);
      u.commit(u.top, 0); // sine replaces ST0
      u.push(T1); // cosine pushed
      return;
    }
    case 4: // FRNDINT
      if (u.isEmpty(0)) return u.stackUnderflow(u.top, 0);
      roundInt(f, T0, u.top);
      return u.commit(u.top, 0);
    case 5: // FSCALE
      if (u.isEmpty(0) || u.isEmpty(1)) return u.stackUnderflow(u.top, 0);
      scale(f, T0, u.top, u.phys(1));
      return u.commit(u.top, 0);
    case 6: // FSIN
      return unaryOp(u, 1);
    default: // FCOS
      return unaryOp(u, 2);
  }
}

/** F2XM1 (0), FSIN (1), FCOS (2) on ST0. */
function unaryOp(u: X87Core, kind: number): void {
  const f = u.f;
  if (u.isEmpty(0)) return u.stackUnderflow(u.top, 0);
  if (kind === 0) {
    f2xm1(f, T0, u.top);
    return u.commit(u.top, 0);
  }
  u.fsw &= ~FSW_C2;
  const ok = kind === 1 ? fsincos(f, T0, -1, u.top) : fsincos(f, -1, T0, u.top);
  if (!ok) {
    u.fsw |= FSW_C2;
    return;
  }
  u.commit(u.top, 0);
}

/** FYL2X (0), FPATAN (1), FYL2XP1 (2): ST1 = f(ST1, ST0), pop. */
function binaryPop(u: X87Core, kind: number): void {
  const f = u.f;
  if (u.isEmpty(0) || u.isEmpty(1)) return u.stackUnderflow(u.phys(1), 1);
  const st0 = u.top, st1 = u.phys(1);
  if (kind === 0) fyl2x(f, T0, st1, st0);
  else if (kind === 1) fpatan(f, T0, st1, st0);
  else fyl2xp1(f, T0, st1, st0);
  u.commit(st1, 1);
}

function fprem(u: X87Core, nearest: boolean): void {
  const f = u.f;
  if (u.isEmpty(0) || u.isEmpty(1)) {
    // Observed: an underflow clears C1 and C2 and leaves C0 and C3.
    u.stackUnderflow(u.top, 0);
    u.fsw &= ~FSW_C2;
    return;
  }
  rem(f, T0, u.top, u.phys(1), nearest);
  const fl = f.flags;
  const nan = f.classify(T0) >= CLS_QNAN;
  u.commit(u.top, 0); // with an unmasked IE/DE/ZE this only raises it
  if (nan || (fl & ~u.fcw & PRE_EXC) !== 0) {
    // No remainder (NaN result or stopped): C1 and C2 cleared, C0 and C3 left alone (observed).
    u.fsw &= ~(FSW_C1 | FSW_C2);
    return;
  }
  // SDM FPREM: C2 = incomplete; C0, C3, C1 = quotient bits 2, 1, 0 when complete.
  u.fsw &= ~(FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3);
  if (REM_INCOMPLETE) u.fsw |= FSW_C2;
  else {
    if (REM_Q & 4) u.fsw |= FSW_C0;
    if (REM_Q & 2) u.fsw |= FSW_C3;
    if (REM_Q & 1) u.fsw |= FSW_C1;
  }
}
