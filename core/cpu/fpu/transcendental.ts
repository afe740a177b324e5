// FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1: special operands per their
// SDM vol. 2 tables, finite results computed in double-double (~106 bits) and rounded once to
// the 64-bit significand, so they are within one ulp and almost always correctly rounded.
//
// Trigonometric arguments are reduced modulo the 66-bit pi the x87 uses (SDM vol. 1 §8.3.10:
// "a 66-bit approximation of pi"); reducing with the true pi would disagree with hardware by
// many ulps for large arguments and near multiples of pi/2. |x| >= 2^63 sets C2 and leaves ST0.

import {
  CLS_DENORMAL, CLS_INF, CLS_QNAN, CLS_SNAN, CLS_UNSUPPORTED, CLS_ZERO,
  EXC_DE, EXC_IE, EXC_PE, EXC_UE, EXC_ZE, Fp80, RC_ZERO, TWO32,
} from './float80-core';
import { PROD, add, div, mul64, screen2 } from './float80-arith';
import { DD, WIN, ddAdd, ddDiv, ddMul, ddSqrt, packDD, setDD, slotToDD, windowDD } from './double-double';

// ---- constants (double-double) ----
const PI_H = 3.141592653589793, PI_L = 1.2246467991473532e-16;
const PIO2_H = 1.5707963267948966, PIO2_L = 6.123233995736766e-17;
const PIO4_H = 0.7853981633974483, PIO4_L = 3.061616997868383e-17;
const PI3O4_H = 2.356194490192345, PI3O4_L = 9.184850993605148e-17;
const LN2_H = 0.6931471805599453, LN2_L = 2.3190468138462996e-17;

/** Taylor coefficients 1/n! as double-double, computed once. */
const INV_FACT_H = new Float64Array(40);
const INV_FACT_L = new Float64Array(40);
{
  let h = 1, l = 0;
  INV_FACT_H[0] = 1;
  for (let n = 1; n < 40; n++) {
    ddDiv(h, l, n, 0);
    h = DD[0];
    l = DD[1];
    INV_FACT_H[n] = h;
    INV_FACT_L[n] = l;
  }
}
/** 1/(2n+1) as double-double, for the atan and atanh series. */
const INV_ODD_H = new Float64Array(48);
const INV_ODD_L = new Float64Array(48);
for (let n = 0; n < 48; n++) {
  ddDiv(1, 0, 2 * n + 1, 0);
  INV_ODD_H[n] = DD[0];
  INV_ODD_L[n] = DD[1];
}

/** atan(k/8), k = 0..8, computed once by argument halving. */
const ATAN_K_H = new Float64Array(9);
const ATAN_K_L = new Float64Array(9);
for (let k = 1; k <= 8; k++) {
  // atan(c) = 2 atan(c / (1 + sqrt(1 + c^2))), three times: argument <= 0.1
  let ch = k / 8, cl = 0;
  for (let i = 0; i < 3; i++) {
    ddMul(ch, cl, ch, cl);
    ddAdd(DD[0], DD[1], 1, 0);
    ddSqrt(DD[0], DD[1]);
    ddAdd(DD[0], DD[1], 1, 0);
    ddDiv(ch, cl, DD[0], DD[1]);
    ch = DD[0];
    cl = DD[1];
  }
  atanSeries(ch, cl);
  ATAN_K_H[k] = DD[0] * 8;
  ATAN_K_L[k] = DD[1] * 8;
}

/** atan(u) for |u| <= 0.1 by the plain alternating series (36 terms). */
function atanSeries(uh: number, ul: number): void {
  ddMul(uh, ul, uh, ul);
  const sh = DD[0], sl = DD[1];
  // Horner on p(s) = sum_{n} (-1)^n s^n / (2n+1)
  let ph = INV_ODD_H[35] * (35 & 1 ? -1 : 1), pl = INV_ODD_L[35] * (35 & 1 ? -1 : 1);
  for (let n = 34; n >= 0; n--) {
    ddMul(ph, pl, sh, sl);
    const sgn = n & 1 ? -1 : 1;
    ddAdd(DD[0], DD[1], sgn * INV_ODD_H[n], sgn * INV_ODD_L[n]);
    ph = DD[0];
    pl = DD[1];
  }
  ddMul(ph, pl, uh, ul);
}

/** atan(t) for 0 <= t <= 1 into DD[0]/DD[1]. */
function atan01(th: number, tl: number): void {
  const k = Math.round(th * 8);
  if (k === 0) return atanSeries(th, tl);
  // atan(t) = atan(c) + atan((t - c) / (1 + t c)), c = k/8
  const c = k / 8;
  ddAdd(th, tl, -c, 0);
  const nh = DD[0], nl = DD[1];
  ddMul(th, tl, c, 0);
  ddAdd(DD[0], DD[1], 1, 0);
  ddDiv(nh, nl, DD[0], DD[1]);
  atanSeries(DD[0], DD[1]);
  ddAdd(DD[0], DD[1], ATAN_K_H[k], ATAN_K_L[k]);
}

/** sin(r) (kind 0) or cos(r) (kind 1) for |r| <= pi/4 into DD[0]/DD[1]. */
function sinCosSmall(rh: number, rl: number, kind: number): void {
  ddMul(rh, rl, rh, rl);
  const sh = DD[0], sl = DD[1];
  const top = kind === 0 ? 29 : 28;
  let ph = INV_FACT_H[top], pl = INV_FACT_L[top];
  for (let n = top - 2; n >= (kind === SIN ? 1 : 0); n -= 2) {
    ddMul(ph, pl, -sh, -sl);
    ddAdd(DD[0], DD[1], INV_FACT_H[n], INV_FACT_L[n]);
    ph = DD[0];
    pl = DD[1];
  }
  if (kind === 0) ddMul(ph, pl, rh, rl);
  else setDD(ph, pl);
}

// ---- reduction modulo the 66-bit pi/2 ----
// P/2 = 0xC90FDAA22168C234C * 2^-67 (68 bits whose two lowest are zero).
const PH = 0xc90fdaa22;
const PL = 0x168c234c;
let RED_Q = 0;
const RED = new Float64Array(2); // reduced argument [hi, lo]

/** Reduces |slot| (>= pi/4, < 2^63) to r = |x| - q * P/2 in RED[0]/RED[1] (double-double), q mod 4 in RED_Q. */
function reduce(f: Fp80, s: number): void {
  f.unpack(s);
  const E = f.u[0] - 16383;
  const xh = f.u[1], xl = f.u[2];
  const bits = 64 + E + 4; // numerator X * 2^(E+4)
  let rh = 0, rl = 0, q = 0;
  for (let i = 0; i < bits; i++) {
    const b = i < 32 ? (xh >>> (31 - i)) & 1 : i < 64 ? (xl >>> (63 - i)) & 1 : 0;
    rh = rh * 2 + (rl >>> 31);
    rl = (((rl << 1) >>> 0) | b) >>> 0;
    q = (q * 2) & 3;
    if (rh > PH || (rh === PH && rl >= PL)) {
      if (rl >= PL) {
        rl -= PL;
        rh -= PH;
      } else {
        rl = rl + TWO32 - PL;
        rh = rh - PH - 1;
      }
      q |= 1;
    }
  }
  // Round the quotient to nearest: if 2R > P/2 * 2^67, take R - P (negative).
  const r2h = rh * 2 + (rl >>> 31);
  const r2l = (rl << 1) >>> 0;
  let neg = false;
  if (r2h > PH || (r2h === PH && r2l > PL)) {
    let nl = PL - rl, nh = PH - rh;
    if (nl < 0) {
      nl += TWO32;
      nh -= 1;
    }
    rh = nh;
    rl = nl;
    neg = true;
    q = (q + 1) & 3;
  }
  const a = rh * TWO32, b = rl;
  const sum = a + b;
  const err = b - (sum - a);
  const scale = 2 ** -67;
  RED[0] = (neg ? -sum : sum) * scale;
  RED[1] = (neg ? -err : err) * scale;
  RED_Q = q;
}

/** Handles NaN/unsupported/infinite operands of a one-operand function; true when done. */
function screen1(f: Fp80, dst: number, src: number, c: number): boolean {
  if (c === CLS_UNSUPPORTED) {
    f.flags |= EXC_IE;
    f.setIndefinite(dst);
    return true;
  }
  if (c === CLS_SNAN) {
    f.flags |= EXC_IE;
    f.quiet(dst, src);
    return true;
  }
  if (c === CLS_QNAN) {
    f.copy(dst, src);
    return true;
  }
  return false;
}

/** Writes x -/+ epsilon (magnitude just below/above x's) into dst, rounded by RC: for tiny arguments. */
function nudge(f: Fp80, dst: number, src: number, sign: number, down: boolean): void {
  f.unpack(src);
  let h = f.u[1], l = f.u[2], x = 0;
  if (down) {
    // X*2^32 - 1
    x = 0xffffffff;
    if (l === 0) {
      l = 0xffffffff;
      h -= 1;
    } else l -= 1;
  } else x = 1;
  f.normRoundPack(dst, sign, f.u[0], h | 0, l | 0, x | 0, 64);
}

const SIN = 0;
const COS = 1;

/**
 * FSIN/FCOS/FSINCOS: sine into sinDst and cosine into cosDst (either may be -1).
 * Returns false when |x| >= 2^63 (C2 = 1, nothing written).
 */
export function fsincos(f: Fp80, sinDst: number, cosDst: number, src: number): boolean {
  const c = f.classify(src);
  f.roundedUp = false;
  if (c === CLS_UNSUPPORTED || c === CLS_SNAN || c === CLS_QNAN) {
    if (sinDst >= 0) screen1(f, sinDst, src, c);
    if (cosDst >= 0) screen1(f, cosDst, src, c);
    return true;
  }
  if (c === CLS_INF) {
    f.flags |= EXC_IE;
    if (sinDst >= 0) f.setIndefinite(sinDst);
    if (cosDst >= 0) f.setIndefinite(cosDst);
    return true;
  }
  const sign = f.sign(src);
  if (c === CLS_ZERO) {
    if (sinDst >= 0) f.copy(sinDst, src);
    if (cosDst >= 0) f.set(cosDst, 0, 0x3fff, 0x80000000, 0);
    return true;
  }
  if (f.exp(src) >= 16383 + 63) return false;
  if (c === CLS_DENORMAL) f.flags |= EXC_DE;
  f.flags |= EXC_PE;
  f.unpack(src);
  if (f.u[0] < 16383 - 40) {
    // sin x = x - x^3/6 and cos x = 1 - x^2/2 with the correction far below half an ulp.
    let up = false;
    if (cosDst >= 0) {
      f.set(T_ONE, 0, 0x3fff, 0x80000000, 0);
      nudge(f, cosDst, T_ONE, 0, true);
      up = f.roundedUp;
    }
    if (sinDst >= 0) {
      nudge(f, sinDst, src, sign, true);
      up = f.roundedUp;
    }
    f.roundedUp = up;
    return true;
  }
  let rh: number, rl: number, q: number;
  if (f.u[0] < 16383 - 1 || (f.u[0] === 16383 - 1 && f.u[1] < 0xc90fdaa2)) {
    slotToDD(f, src, 0);
    rh = DD[0];
    rl = DD[1];
    q = 0;
  } else {
    reduce(f, src);
    rh = RED[0];
    rl = RED[1];
    q = RED_Q;
  }
  let up = false;
  if (cosDst >= 0) {
    // cos(r + q pi/2) = cos r, -sin r, -cos r, sin r
    sinCosSmall(rh, rl, q & 1 ? SIN : COS);
    const neg = q === 1 || q === 2 ? 1 : 0;
    packDD(f, cosDst, neg, DD[0], DD[1], 0, 64);
    up = f.roundedUp;
  }
  if (sinDst >= 0) {
    // sin(r + q pi/2) = sin r, cos r, -sin r, -cos r
    sinCosSmall(rh, rl, q & 1 ? COS : SIN);
    const neg = (q >= 2 ? 1 : 0) ^ sign;
    packDD(f, sinDst, neg, DD[0], DD[1], 0, 64);
    up = f.roundedUp;
  }
  f.roundedUp = up;
  return true;
}

const T_ONE = 20;

/** FPTAN: tan(ST0) into dst. Returns false when |x| >= 2^63. */
export function fptan(f: Fp80, dst: number, src: number): boolean {
  const c = f.classify(src);
  f.roundedUp = false;
  if (screen1(f, dst, src, c)) return true;
  if (c === CLS_INF) {
    f.flags |= EXC_IE;
    f.setIndefinite(dst);
    return true;
  }
  if (c === CLS_ZERO) {
    f.copy(dst, src);
    return true;
  }
  if (f.exp(src) >= 16383 + 63) return false;
  if (c === CLS_DENORMAL) f.flags |= EXC_DE;
  f.flags |= EXC_PE;
  const sign = f.sign(src);
  f.unpack(src);
  if (f.u[0] < 16383 - 40) {
    nudge(f, dst, src, sign, false); // tan x = x + x^3/3
    return true;
  }
  let rh: number, rl: number, q: number;
  if (f.u[0] < 16383 - 1 || (f.u[0] === 16383 - 1 && f.u[1] < 0xc90fdaa2)) {
    slotToDD(f, src, 0);
    rh = DD[0];
    rl = DD[1];
    q = 0;
  } else {
    reduce(f, src);
    rh = RED[0];
    rl = RED[1];
    q = RED_Q;
  }
  sinCosSmall(rh, rl, SIN);
  const sh = DD[0], sl = DD[1];
  sinCosSmall(rh, rl, COS);
  const ch = DD[0], cl = DD[1];
  // tan(r + q pi/2) = tan r (q even), -1/tan r (q odd)
  if (q & 1) ddDiv(-ch, -cl, sh, sl);
  else ddDiv(sh, sl, ch, cl);
  packDD(f, dst, sign, DD[0], DD[1], 0, 64);
  return true;
}

/** FPATAN: atan2(y = ST1, x = ST0) into dst. */
export function fpatan(f: Fp80, dst: number, y: number, x: number): void {
  const cy = f.classify(y);
  const cx = f.classify(x);
  f.roundedUp = false;
  if (screen2(f, dst, y, x, cy, cx)) return;
  const sy = f.sign(y), sx = f.sign(x);
  if (cy === CLS_ZERO) {
    if (sx === 0) f.setZero(dst, sy);
    else constant(f, dst, sy, PI_H, PI_L);
    return;
  }
  if (cy === CLS_INF) {
    if (cx === CLS_INF) {
      if (sx === 0) constant(f, dst, sy, PIO4_H, PIO4_L);
      else constant(f, dst, sy, PI3O4_H, PI3O4_L);
    } else constant(f, dst, sy, PIO2_H, PIO2_L);
    return;
  }
  if (cx === CLS_INF) {
    if (sx === 0) f.setZero(dst, sy);
    else constant(f, dst, sy, PI_H, PI_L);
    return;
  }
  if (cx === CLS_ZERO) {
    constant(f, dst, sy, PIO2_H, PIO2_L);
    return;
  }
  f.flags |= EXC_PE;
  f.unpack(y);
  const ey = f.u[0];
  f.unpack(x);
  const ex = f.u[0];
  const base = Math.max(ey, ex) - 16383;
  if (Math.abs(ey - ex) > 900) {
    if (ey < ex) {
      // |y| << |x|: atan2 = y/x (x > 0) or +-pi -/+ tiny (x < 0)
      if (sx === 0) {
        f.flags &= ~EXC_PE;
        div(f, dst, y, x, 64);
        // atan t = t - t^3/3: an exact quotient is nudged toward zero (the rounding of an inexact
        // one already decides). PE is reported either way, so a tiny result underflows.
        if ((f.flags & EXC_PE) === 0) nudge(f, dst, dst, sy ^ sx, true);
        f.flags |= EXC_PE;
        if (f.exp(dst) === 0 && (f.hi[dst] | f.lo[dst]) !== 0) f.flags |= EXC_UE;
      } else constantMinusTiny(f, dst, sy, PI_H, PI_L);
    } else constantMinusTiny(f, dst, sy, PIO2_H, PIO2_L); // +-pi/2 -/+ x/y
    return;
  }
  slotToDD(f, y, base);
  const yh = DD[0], yl = DD[1];
  slotToDD(f, x, base);
  const xh = DD[0], xl = DD[1];
  let rh: number, rl: number;
  if (yh <= xh) {
    ddDiv(yh, yl, xh, xl);
    atan01(DD[0], DD[1]);
    rh = DD[0];
    rl = DD[1];
  } else {
    ddDiv(xh, xl, yh, yl);
    atan01(DD[0], DD[1]);
    ddAdd(PIO2_H, PIO2_L, -DD[0], -DD[1]);
    rh = DD[0];
    rl = DD[1];
  }
  if (sx !== 0) {
    ddAdd(PI_H, PI_L, -rh, -rl);
    rh = DD[0];
    rl = DD[1];
  }
  packDD(f, dst, sy, rh, rl, 0, 64);
}

function constant(f: Fp80, dst: number, sign: number, h: number, l: number): void {
  f.flags |= EXC_PE;
  packDD(f, dst, sign, h, l, 0, 64);
}

function constantMinusTiny(f: Fp80, dst: number, sign: number, h: number, l: number): void {
  f.flags |= EXC_PE;
  packDD(f, dst, sign, h, l - Math.abs(l) * 2 ** -40, 0, 64);
}


/** F2XM1: 2^x - 1 into dst (SDM: defined for -1 <= x <= +1). */
export function f2xm1(f: Fp80, dst: number, src: number): void {
  const c = f.classify(src);
  f.roundedUp = false;
  if (screen1(f, dst, src, c)) return;
  const sign = f.sign(src);
  if (c === CLS_ZERO) {
    f.copy(dst, src);
    return;
  }
  if (c === CLS_INF) {
    if (sign) f.set(dst, 1, 0x3fff, 0x80000000, 0);
    else f.copy(dst, src);
    return;
  }
  if (c === CLS_DENORMAL) f.flags |= EXC_DE;
  f.unpack(src);
  const E = f.u[0] - 16383;
  f.flags |= EXC_PE;
  if (E === 0 && f.u[1] === 0x80000000 && f.u[2] === 0) {
    // x = +-1: 1 and -1/2, which the host reports inexact, +1 as rounded up.
    if (sign) f.set(dst, 1, 0x3ffe, 0x80000000, 0);
    else f.set(dst, 0, 0x3fff, 0x80000000, 0);
    f.roundedUp = sign === 0;
    return;
  }
  if (E >= 0) {
    // Outside the documented -1..+1 the SDM leaves the result undefined; the host returns x.
    f.copy(dst, src);
    return;
  }
  if (E < -900) {
    // 2^x - 1 = x ln2 (1 + x ln2 / 2 + ...): the product with a 96-bit ln 2 decides.
    mulByConst96(f, dst, src, LN2_SIG_H, LN2_SIG_L, LN2_SIG_X, -1);
    return;
  }
  slotToDD(f, src, 0);
  let xh = sign ? -DD[0] : DD[0], xl = sign ? -DD[1] : DD[1];
  ddMul(xh, xl, LN2_H, LN2_L);
  xh = DD[0];
  xl = DD[1];
  // expm1(y) = expm1(y/2^k) doubled k times: e(2y) = e(y) (e(y) + 2).
  let k = 8;
  const mag = Math.abs(xh);
  if (mag > 1) k += Math.ceil(Math.log2(mag));
  const sc = 2 ** -k;
  const yh = xh * sc, yl = xl * sc;
  // Taylor: y + y^2/2! + ... + y^16/16!
  let ph = INV_FACT_H[16], pl = INV_FACT_L[16];
  for (let n = 15; n >= 1; n--) {
    ddMul(ph, pl, yh, yl);
    ddAdd(DD[0], DD[1], INV_FACT_H[n], INV_FACT_L[n]);
    ph = DD[0];
    pl = DD[1];
  }
  ddMul(ph, pl, yh, yl);
  let eh = DD[0], el = DD[1];
  for (let i = 0; i < k; i++) {
    ddAdd(eh, el, 2, 0);
    ddMul(eh, el, DD[0], DD[1]);
    eh = DD[0];
    el = DD[1];
  }
  packDD(f, dst, 0, eh, el, 0, 64);
}

// ln 2 as a 96-bit significand (exponent -1): 0.B17217F7D1CF79ABC9E3B398 * 2^0
const LN2_SIG_H = 0xb17217f7;
const LN2_SIG_L = 0xd1cf79ab;
const LN2_SIG_X = 0xc9e3b398;

/** Product window of mulWin: [w2, w1, w0 (sticky in bit 0), biased exponent (unbounded)]. */
const MW = new Float64Array(4);

/**
 * (h:l at biased exponent e) * K, K = kh:kl:kx a 96-bit significand (top bit set) whose top bit
 * weighs 2^kexp: the top 96 bits of the 160-bit product, normalized, with sticky, into MW.
 */
function mulWin(h: number, l: number, e: number, kh: number, kl: number, kx: number, kexp: number): void {
  mul64(h | 0, l | 0, kh | 0, kl | 0);
  let r3 = PROD[3], r2 = PROD[2], r1 = PROD[1], r0 = PROD[0];
  // + (h:l) * kx one word below
  mul64(h | 0, l | 0, 0, kx | 0);
  let sticky = PROD[0] !== 0 ? 1 : 0;
  let t = r0 + PROD[1];
  r0 = t % TWO32;
  t = r1 + PROD[2] + Math.floor(t / TWO32);
  r1 = t % TWO32;
  t = r2 + Math.floor(t / TWO32);
  r2 = t % TWO32;
  r3 = r3 + Math.floor(t / TWO32);
  let exp = e + kexp + 1;
  if (r3 < 0x80000000) {
    r3 = ((r3 << 1) | (r2 >>> 31)) >>> 0;
    r2 = ((r2 << 1) | (r1 >>> 31)) >>> 0;
    r1 = ((r1 << 1) | (r0 >>> 31)) >>> 0;
    r0 = (r0 << 1) >>> 0;
    exp -= 1;
  }
  if (r0 !== 0) sticky = 1;
  MW[0] = r3;
  MW[1] = r2;
  MW[2] = (r1 | sticky) >>> 0;
  MW[3] = exp;
}

/** dst = src * K (see mulWin), rounded once at 64 bits. */
function mulByConst96(f: Fp80, dst: number, src: number, kh: number, kl: number, kx: number, kexp: number): void {
  mulByConst96Signed(f, dst, src, f.sign(src), kh, kl, kx, kexp);
}

/** log2(x) for finite x > 0 into DD[0]/DD[1] (double-double). */
function log2dd(f: Fp80, x: number): void {
  f.unpack(x);
  let E = f.u[0] - 16383;
  // m in [1, 2) as double-double
  slotToDD(f, x, E);
  let mh = DD[0], ml = DD[1];
  if (mh > Math.SQRT2) {
    mh /= 2;
    ml /= 2;
    E += 1;
  }
  // ln m = 2 atanh(s), s = (m - 1) / (m + 1)
  ddAdd(mh, ml, -1, 0);
  const nh = DD[0], nl = DD[1];
  ddAdd(mh, ml, 1, 0);
  ddDiv(nh, nl, DD[0], DD[1]);
  atanhTimes2(DD[0], DD[1]);
  // / ln 2, + E
  ddDiv(DD[0], DD[1], LN2_H, LN2_L);
  ddAdd(DD[0], DD[1], E, 0);
}

/** 2 atanh(s) for |s| <= 0.18 into DD[0]/DD[1]. */
function atanhTimes2(sh: number, sl: number): void {
  if (sh === 0) return setDD(0, 0);
  ddMul(sh, sl, sh, sl);
  const qh = DD[0], ql = DD[1];
  let ph = INV_ODD_H[45], pl = INV_ODD_L[45];
  for (let n = 44; n >= 0; n--) {
    ddMul(ph, pl, qh, ql);
    ddAdd(DD[0], DD[1], INV_ODD_H[n], INV_ODD_L[n]);
    ph = DD[0];
    pl = DD[1];
  }
  ddMul(ph, pl, sh * 2, sl * 2);
}

/** dst = y * (lh + ll), rounded once: the double-double factor is widened to 96 bits. */
function mulByDD(f: Fp80, dst: number, y: number, lh: number, ll: number): void {
  const neg = lh < 0;
  const sign = f.sign(y) ^ (neg ? 1 : 0);
  windowDD(neg ? -lh : lh, neg ? -ll : ll, 0);
  mulByConst96Signed(f, dst, y, sign, WIN[2], WIN[1], WIN[0], WIN[3] - 16383);
}
const T_SUM = 22;

function mulByConst96Signed(f: Fp80, dst: number, src: number, sign: number, kh: number, kl: number, kx: number, kexp: number): void {
  f.unpack(src);
  mulWin(f.u[1], f.u[2], f.u[0], kh, kl, kx, kexp);
  f.normRoundPack(dst, sign, MW[3], MW[0] | 0, MW[1] | 0, MW[2] | 0, 64);
}

/** FYL2X: y * log2(x) into dst (y = ST1, x = ST0). */
export function fyl2x(f: Fp80, dst: number, y: number, x: number): void {
  const cy = f.classify(y);
  const cx = f.classify(x);
  f.roundedUp = false;
  if (screen2(f, dst, y, x, cy, cx)) return;
  const sx = f.sign(x), sy = f.sign(y);
  if (sx !== 0 && cx !== CLS_ZERO) return invalid(f, dst);
  if (cx === CLS_ZERO) {
    // log2(0) = -inf: y * -inf
    if (cy === CLS_ZERO) return invalid(f, dst);
    if (cy !== CLS_INF) f.flags |= EXC_ZE;
    f.setInf(dst, sy ^ 1);
    return;
  }
  if (cx === CLS_INF) {
    if (cy === CLS_ZERO) return invalid(f, dst);
    f.setInf(dst, sy);
    return;
  }
  // x finite positive: log2(x) is 0 only for x = 1.
  const one = f.exp(x) === 16383 && f.hi[x] === (0x80000000 | 0) && f.lo[x] === 0;
  if (one) {
    if (cy === CLS_INF) return invalid(f, dst);
    f.setZero(dst, sy);
    return;
  }
  if (cy === CLS_INF) {
    f.setInf(dst, sy ^ (f.exp(x) < 16383 ? 1 : 0));
    return;
  }
  if (cy === CLS_ZERO) {
    f.setZero(dst, sy ^ (f.exp(x) < 16383 ? 1 : 0));
    return;
  }
  f.flags |= EXC_PE; // the host reports PE even for exact products (x a power of two)
  log2dd(f, x);
  mulByDD(f, dst, y, DD[0], DD[1]);
  // With PE forced, a tiny result is an underflow even when the product happened to be exact.
  if (f.exp(dst) === 0 && (f.hi[dst] | f.lo[dst]) !== 0) f.flags |= EXC_UE;
}

/** FYL2XP1: y * log2(x + 1) into dst (y = ST1, x = ST0), |x| < 1 - sqrt(2)/2. */
export function fyl2xp1(f: Fp80, dst: number, y: number, x: number): void {
  const cy = f.classify(y);
  const cx = f.classify(x);
  f.roundedUp = false;
  if (screen2(f, dst, y, x, cy, cx)) return;
  const sx = f.sign(x), sy = f.sign(y);
  if (cx === CLS_ZERO) {
    if (cy === CLS_INF) return invalid(f, dst);
    f.setZero(dst, sx ^ sy);
    return;
  }
  if (cx === CLS_INF) {
    if (sx !== 0 || cy === CLS_ZERO) return invalid(f, dst);
    f.setInf(dst, sy);
    return;
  }
  if (cy === CLS_INF) {
    f.setInf(dst, sy ^ sx);
    return;
  }
  if (cy === CLS_ZERO) {
    f.setZero(dst, sy ^ sx);
    return;
  }
  f.unpack(x);
  const E = f.u[0] - 16383;
  f.flags |= EXC_PE;
  if (E >= 0 && sx !== 0) {
    // x <= -1: outside the domain the SDM leaves the result undefined; the host returns x.
    f.copy(dst, x);
    return;
  }
  if (E < -900) {
    // log2(1 + x) = x / ln 2 (1 - x/2 ...): y * (x / ln 2) with the inner product kept unrounded.
    f.unpack(x);
    mulWin(f.u[1], f.u[2], f.u[0], INV_LN2_H, INV_LN2_L, INV_LN2_X, 0);
    mulByConst96Signed(f, dst, y, sx ^ sy, MW[0], MW[1], MW[2], MW[3] - 16383);
    return;
  }
  // The atanh series needs |x / (2 + x)| <= ~0.45: -1/2 <= x <= 3/2. Beyond, 1 + x is formed in
  // extended precision (exact for -1 < x < -1/2, and for large x its rounding is far below an ulp of the log).
  if ((sx !== 0 && E >= -1 && !(E === -1 && f.u[1] === 0x80000000 && f.u[2] === 0)) || (sx === 0 && (E >= 1 || (E === 0 && f.u[1] > 0xc0000000)))) {
    const fl = f.flags, rc = f.rc, oe = f.oeUnmasked;
    f.rc = RC_ZERO; // 1 + max must not overflow; truncation is far below an ulp of the log here
    f.oeUnmasked = false;
    f.set(T_ONE, 0, 0x3fff, 0x80000000, 0);
    add(f, T_SUM, x, T_ONE, false, 64);
    f.flags = fl;
    f.rc = rc;
    f.oeUnmasked = oe;
    log2dd(f, T_SUM);
    mulByDD(f, dst, y, DD[0], DD[1]);
    return;
  }
  // ln(1 + x) = 2 atanh(x / (2 + x))
  slotToDD(f, x, 0);
  const xh = sx ? -DD[0] : DD[0], xl = sx ? -DD[1] : DD[1];
  ddAdd(xh, xl, 2, 0);
  ddDiv(xh, xl, DD[0], DD[1]);
  atanhTimes2(DD[0], DD[1]);
  ddDiv(DD[0], DD[1], LN2_H, LN2_L);
  mulByDD(f, dst, y, DD[0], DD[1]);
}

// 1/ln 2 = 1.71547652B82FE1777D0FFDA0 (hex) -> significand with exponent 0
const INV_LN2_H = 0xb8aa3b29;
const INV_LN2_L = 0x5c17f0bb;
const INV_LN2_X = 0xbe87fed0;


function invalid(f: Fp80, dst: number): void {
  f.flags |= EXC_IE;
  f.setIndefinite(dst);
}
