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
import { add, div, screen2 } from './float80-arith';
import { DD, ddAdd, ddDiv, ddMul, packDD, packResult, slotToDD } from './double-double';
import {
  COS, INV_FACT_H, INV_FACT_L, LN2_H, LN2_L, PI3O4_H, PI3O4_L, PIO2_H, PIO2_L, PIO4_H, PIO4_L, PI_H, PI_L, SIN,
  atan01, atanhTimes2, log2dd, sinCosSmall,
} from './dd-elementary';
import {
  INV_LN2_H, INV_LN2_L, INV_LN2_X, LN2_SIG_H, LN2_SIG_L, LN2_SIG_X, MW, mulByConst96, mulByConst96Signed, mulByDD, mulWin,
} from './wide-multiply';

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
  // The reduced argument goes to RED either way (|x| < pi/4 needs no reduction).
  let q = 0;
  if (f.u[0] < 16383 - 1 || (f.u[0] === 16383 - 1 && f.u[1] < 0xc90fdaa2)) {
    slotToDD(f, src, 0);
    RED[0] = DD[0];
    RED[1] = DD[1];
  } else {
    reduce(f, src);
    q = RED_Q;
  }
  let up = false;
  if (cosDst >= 0) {
    // cos(r + q pi/2) = cos r, -sin r, -cos r, sin r
    sinCosSmall(RED, q & 1 ? SIN : COS);
    const neg = q === 1 || q === 2 ? 1 : 0;
    packResult(f, cosDst, neg, 64);
    up = f.roundedUp;
  }
  if (sinDst >= 0) {
    // sin(r + q pi/2) = sin r, cos r, -sin r, -cos r
    sinCosSmall(RED, q & 1 ? COS : SIN);
    const neg = (q >= 2 ? 1 : 0) ^ sign;
    packResult(f, sinDst, neg, 64);
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
  // The reduced argument goes to RED either way (|x| < pi/4 needs no reduction).
  let q = 0;
  if (f.u[0] < 16383 - 1 || (f.u[0] === 16383 - 1 && f.u[1] < 0xc90fdaa2)) {
    slotToDD(f, src, 0);
    RED[0] = DD[0];
    RED[1] = DD[1];
  } else {
    reduce(f, src);
    q = RED_Q;
  }
  sinCosSmall(RED, SIN);
  const sh = DD[0], sl = DD[1];
  sinCosSmall(RED, COS);
  const ch = DD[0], cl = DD[1];
  // tan(r + q pi/2) = tan r (q even), -1/tan r (q odd)
  if (q & 1) ddDiv(-ch, -cl, sh, sl);
  else ddDiv(sh, sl, ch, cl);
  packResult(f, dst, sign, 64);
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

const T_SUM = 22;

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
  mulByDD(f, dst, y);
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
    mulByDD(f, dst, y);
    return;
  }
  // ln(1 + x) = 2 atanh(x / (2 + x))
  slotToDD(f, x, 0);
  const xh = sx ? -DD[0] : DD[0], xl = sx ? -DD[1] : DD[1];
  ddAdd(xh, xl, 2, 0);
  ddDiv(xh, xl, DD[0], DD[1]);
  atanhTimes2(DD[0], DD[1]);
  ddDiv(DD[0], DD[1], LN2_H, LN2_L);
  mulByDD(f, dst, y);
}

function invalid(f: Fp80, dst: number): void {
  f.flags |= EXC_IE;
  f.setIndefinite(dst);
}
