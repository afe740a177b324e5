// Elementary functions in double-double arithmetic for the transcendental instructions:
// sin/cos on |r| <= pi/4, atan on [0, 1], 2 atanh(s) and log2 of an 80-bit slot, with their
// Taylor tables computed once at load. Results in DD; nothing here rounds to 80 bits.

import type { Fp80 } from './float80-core';
import { DD, ddAdd, ddDiv, ddMul, ddSqrt, setDD, slotToDD } from './double-double';

export const SIN = 0;
export const COS = 1;

// ---- constants (double-double) ----
export const PI_H = 3.141592653589793, PI_L = 1.2246467991473532e-16;
export const PIO2_H = 1.5707963267948966, PIO2_L = 6.123233995736766e-17;
export const PIO4_H = 0.7853981633974483, PIO4_L = 3.061616997868383e-17;
export const PI3O4_H = 2.356194490192345, PI3O4_L = 9.184850993605148e-17;
export const LN2_H = 0.6931471805599453, LN2_L = 2.3190468138462996e-17;

/** Taylor coefficients 1/n! as double-double, computed once. */
export const INV_FACT_H = new Float64Array(40);
export const INV_FACT_L = new Float64Array(40);
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
export function atan01(th: number, tl: number): void {
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

/** sin(r) (kind 0) or cos(r) (kind 1) for |r| <= pi/4, r = arg[0] + arg[1], into DD. */
export function sinCosSmall(arg: Float64Array, kind: number): void {
  const rh = arg[0], rl = arg[1];
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

/** log2(x) for finite x > 0 into DD[0]/DD[1] (double-double). */
export function log2dd(f: Fp80, x: number): void {
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
export function atanhTimes2(sh: number, sl: number): void {
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
