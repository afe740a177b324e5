// Partial remainder (FPREM/FPREM1), round to integer (FRNDINT), FSCALE, FXTRACT and the
// compare used by FCOM/FUCOM/FCOMI/FTST, per their SDM vol. 2 pages.

import {
  CLS_DENORMAL, CLS_INF, CLS_NORMAL, CLS_QNAN, CLS_SNAN, CLS_UNSUPPORTED, CLS_ZERO,
  EXC_DE, EXC_IE, EXC_PE, EXC_ZE, Fp80, TWO32,
} from './float80-core';
import { screen2 } from './float80-arith';
import { RINT, R_INEXACT, roundToIntegerSig } from './float80-convert';

/** FPREM/FPREM1 outcome: quotient bits (q0..q2) and whether the reduction is complete. */
export let REM_Q = 0;
export let REM_INCOMPLETE = false;

/** Partial remainder of a / b into dst. `nearest` selects FPREM1 (IEEE remainder). */
export function rem(f: Fp80, dst: number, a: number, b: number, nearest: boolean): void {
  const ca = f.classify(a);
  const cb = f.classify(b);
  REM_Q = 0;
  REM_INCOMPLETE = false;
  f.roundedUp = false;
  if (ca < CLS_QNAN && cb < CLS_QNAN && (ca === CLS_INF || cb === CLS_ZERO)) {
    f.flags |= EXC_IE; // invalid takes precedence over a denormal operand
    f.setIndefinite(dst);
    return;
  }
  if (screen2(f, dst, a, b, ca, cb)) return;
  if (ca === CLS_ZERO || cb === CLS_INF) {
    // The dividend comes back unchanged, but normalized (a pseudo-denormal gets exponent 1).
    if (ca === CLS_DENORMAL) {
      f.unpack(a);
      f.normRoundPack(dst, f.sign(a), f.u[0], f.u[1] | 0, f.u[2] | 0, 0, 64);
    } else f.copy(dst, a);
    return;
  }
  const sa = f.sign(a);
  f.unpack(a);
  const ea = f.u[0], ah = f.u[1], al = f.u[2];
  f.unpack(b);
  const eb = f.u[0], bh = f.u[1], bl = f.u[2];
  let d = ea - eb;
  let scaleExp = eb;
  if (d >= 64) {
    // SDM FPREM: reduce the exponent by an implementation-defined 32..63 and set C2.
    const n = (d & 31) | 32;
    scaleExp = eb + (d - n);
    d = n;
    REM_INCOMPLETE = true;
  }
  let sign = sa;
  if (d < 0) {
    if (nearest && d === -1 && (ah > bh || (ah === bh && al > bl))) {
      // |a| > |b|/2: a - b (sign flips), quotient 1.
      subtractSig(f, dst, sa ^ 1, eb, bh, bl, ah, al, 1);
      REM_Q = 1;
      return;
    }
    f.normRoundPack(dst, sa, ea, ah | 0, al | 0, 0, 64);
    return;
  }
  // Long division of A*2^d by B: remainder r (< B), quotient q (low 3 bits kept, and parity).
  let rh = ah, rl = al, q = 0;
  for (let i = 0; i <= d; i++) {
    let bit = 0;
    if (rh > bh || (rh === bh && rl >= bl)) {
      bit = 1;
      if (rl >= bl) {
        rl -= bl;
        rh -= bh;
      } else {
        rl = rl + TWO32 - bl;
        rh = rh - bh - 1;
      }
    }
    q = ((q << 1) | bit) & 0xff;
    if (i < d) {
      rh = rh * 2 + (rl >>> 31);
      rl = (rl << 1) >>> 0;
    }
  }
  if (nearest && !REM_INCOMPLETE) {
    // Round the quotient to nearest: compare 2r with B.
    const r2h = rh * 2 + (rl >>> 31);
    const r2l = (rl << 1) >>> 0;
    if (r2h > bh || (r2h === bh && (r2l > bl || (r2l === bl && (q & 1) !== 0)))) {
      // r = B - r, sign flips
      let nl = bl - rl, nh = bh - rh;
      if (nl < 0) {
        nl += TWO32;
        nh -= 1;
      }
      rh = nh;
      rl = nl;
      sign ^= 1;
      q = (q + 1) & 0xff;
    }
  }
  REM_Q = REM_INCOMPLETE ? 0 : q & 7;
  if (rh === 0 && rl === 0) {
    f.setZero(dst, sa);
    return;
  }
  f.normRoundPack(dst, sign, scaleExp, rh | 0, rl | 0, 0, 64);
}

/** dst = B - A magnitudes at exponent e (A < B given A scaled by 2^-shift), exact. */
function subtractSig(f: Fp80, dst: number, sign: number, e: number, bh: number, bl: number, ah: number, al: number, shift: number): void {
  // A is at exponent e - shift: A / 2 with the shifted-out bit in x.
  const x = shift === 1 ? ((al & 1) << 31) >>> 0 : 0;
  const sal = (((ah & 1) << 31) | (al >>> 1)) >>> 0;
  const sah = ah >>> 1;
  let rx = 0 - x, borrow = 0;
  if (rx < 0) {
    rx += TWO32;
    borrow = 1;
  }
  let rl = bl - sal - borrow;
  borrow = 0;
  if (rl < 0) {
    rl += TWO32;
    borrow = 1;
  }
  const rh = bh - sah - borrow;
  f.normRoundPack(dst, sign, e, rh | 0, rl | 0, rx | 0, 64);
}

export function roundInt(f: Fp80, dst: number, a: number): void {
  const ca = f.classify(a);
  f.roundedUp = false;
  if (ca === CLS_UNSUPPORTED) {
    f.flags |= EXC_IE;
    f.setIndefinite(dst);
    return;
  }
  if (ca === CLS_SNAN) {
    f.flags |= EXC_IE;
    f.quiet(dst, a);
    return;
  }
  if (ca === CLS_QNAN || ca === CLS_INF || ca === CLS_ZERO) {
    f.copy(dst, a);
    return;
  }
  if (ca === CLS_DENORMAL) f.flags |= EXC_DE;
  const sign = f.sign(a);
  if (ca === CLS_NORMAL && f.exp(a) >= 16383 + 63) {
    f.copy(dst, a);
    return;
  }
  roundToIntegerSig(f, a);
  if (R_INEXACT) f.flags |= EXC_PE;
  const up = f.roundedUp;
  f.normRoundPack(dst, sign, 16383 + 63, RINT[0] | 0, RINT[1] | 0, 0, 64);
  f.roundedUp = up;
}

export function scale(f: Fp80, dst: number, a: number, b: number): void {
  const ca = f.classify(a);
  const cb = f.classify(b);
  f.roundedUp = false;
  if (screen2(f, dst, a, b, ca, cb)) return;
  const sa = f.sign(a);
  const sb = f.sign(b);
  if (cb === CLS_INF) {
    if ((ca === CLS_ZERO && sb === 0) || (ca === CLS_INF && sb !== 0)) {
      f.flags |= EXC_IE;
      f.setIndefinite(dst);
    } else if (sb === 0) f.setInf(dst, sa);
    else if (ca === CLS_INF) f.setInf(dst, sa);
    else f.setZero(dst, sa);
    return;
  }
  if (ca === CLS_INF || ca === CLS_ZERO) {
    f.copy(dst, a);
    return;
  }
  // n = trunc(b), clamped far beyond the exponent range.
  let n = 0;
  if (cb !== CLS_ZERO) {
    f.unpack(b);
    const E = f.u[0] - 16383;
    if (E >= 0) {
      if (E > 30) n = 0x40000000;
      else n = Math.floor(f.u[1] / 2 ** (31 - E));
      if (sb) n = -n;
    }
  }
  f.unpack(a);
  f.roundPack(dst, sa, f.u[0] + n, f.u[1] | 0, f.u[2] | 0, 0, 64);
}

/** FXTRACT: significand of a into dstSig, exponent into dstExp. */
export function xtract(f: Fp80, dstSig: number, dstExp: number, a: number): void {
  const ca = f.classify(a);
  f.roundedUp = false;
  if (ca === CLS_UNSUPPORTED || ca === CLS_SNAN) {
    f.flags |= EXC_IE;
    if (ca === CLS_SNAN) f.quiet(dstSig, a);
    else f.setIndefinite(dstSig);
    f.copy(dstExp, dstSig);
    return;
  }
  if (ca === CLS_QNAN) {
    f.copy(dstSig, a);
    f.copy(dstExp, a);
    return;
  }
  const sa = f.sign(a);
  if (ca === CLS_ZERO) {
    // SDM FXTRACT: a zero raises ZE; exponent -inf, significand the zero.
    f.flags |= EXC_ZE;
    f.setInf(dstExp, 1);
    f.copy(dstSig, a);
    return;
  }
  if (ca === CLS_INF) {
    f.setInf(dstExp, 0);
    f.copy(dstSig, a);
    return;
  }
  if (ca === CLS_DENORMAL) f.flags |= EXC_DE;
  f.unpack(a);
  const E = f.u[0] - 16383;
  f.set(dstSig, sa, 16383, f.u[1] | 0, f.u[2] | 0);
  if (E === 0) f.setZero(dstExp, 0);
  else {
    const m = Math.abs(E);
    f.normRoundPack(dstExp, E < 0 ? 1 : 0, 16383 + 63, 0, m | 0, 0, 64);
  }
}

/** Compare results: FSW condition bits C3 C2 C0 as (C3<<2)|(C2<<1)|C0. */
export const CMP_GT = 0;
export const CMP_LT = 1;
export const CMP_EQ = 4;
export const CMP_UN = 7;

/** Compares a with b. `signaling`: any NaN raises IE (FCOM); otherwise only SNaN (FUCOM). */
export function compare(f: Fp80, a: number, b: number, signaling: boolean): number {
  const ca = f.classify(a);
  const cb = f.classify(b);
  if (ca === CLS_UNSUPPORTED || cb === CLS_UNSUPPORTED || ca >= CLS_QNAN || cb >= CLS_QNAN) {
    if (signaling || ca === CLS_SNAN || cb === CLS_SNAN || ca === CLS_UNSUPPORTED || cb === CLS_UNSUPPORTED) f.flags |= EXC_IE;
    return CMP_UN;
  }
  if (ca === CLS_DENORMAL || cb === CLS_DENORMAL) f.flags |= EXC_DE;
  if (ca === CLS_ZERO && cb === CLS_ZERO) return CMP_EQ;
  const sa = ca === CLS_ZERO ? f.sign(b) ^ 1 : f.sign(a);
  const sb = cb === CLS_ZERO ? f.sign(a) ^ 1 : f.sign(b);
  if (ca === CLS_ZERO) return sb ? CMP_GT : CMP_LT;
  if (cb === CLS_ZERO) return sa ? CMP_LT : CMP_GT;
  if (sa !== sb) return sa ? CMP_LT : CMP_GT;
  // Same sign: compare magnitudes.
  let m: number;
  if (ca === CLS_INF || cb === CLS_INF) m = ca === cb ? 0 : ca === CLS_INF ? 1 : -1;
  else {
    f.unpack(a);
    const ea = f.u[0], ah = f.u[1], al = f.u[2];
    f.unpack(b);
    const eb = f.u[0], bh = f.u[1], bl = f.u[2];
    m = ea !== eb ? (ea > eb ? 1 : -1) : ah !== bh ? (ah > bh ? 1 : -1) : al !== bl ? (al > bl ? 1 : -1) : 0;
  }
  if (m === 0) return CMP_EQ;
  return (m > 0) !== (sa !== 0) ? CMP_GT : CMP_LT;
}
