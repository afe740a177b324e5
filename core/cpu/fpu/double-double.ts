// Double-double arithmetic (~106-bit significands as an unevaluated sum hi + lo of two
// doubles) for the transcendental instructions, plus the exact conversions between 80-bit
// slots and double-double values. Results go to the module variables DD[0]/DD[1]: no allocation.

import { Fp80, TWO32 } from './float80-core';

/** Result of every double-double operation: [hi, lo] (a typed array: no boxed doubles). */
export const DD = new Float64Array(2);

export function setDD(h: number, l: number): void {
  DD[0] = h;
  DD[1] = l;
}

const SPLITTER = 134217729; // 2^27 + 1

function quickTwoSum(a: number, b: number): void {
  const s = a + b;
  DD[1] = b - (s - a);
  DD[0] = s;
}

export function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  let s = ah + bh;
  let bb = s - ah;
  let e = (ah - (s - bb)) + (bh - bb);
  const t = al + bl;
  bb = t - al;
  const f = (al - (t - bb)) + (bl - bb);
  e += t;
  let h = s + e;
  e = e - (h - s);
  s = h;
  e += f;
  h = s + e;
  DD[1] = e - (h - s);
  DD[0] = h;
}

export function ddMul(ah: number, al: number, bh: number, bl: number): void {
  const p = ah * bh;
  let c = SPLITTER * ah;
  const ahh = c - (c - ah);
  const ahl = ah - ahh;
  c = SPLITTER * bh;
  const bhh = c - (c - bh);
  const bhl = bh - bhh;
  let e = ((ahh * bhh - p) + ahh * bhl + ahl * bhh) + ahl * bhl;
  e += ah * bl + al * bh;
  quickTwoSum(p, e);
}

export function ddDiv(ah: number, al: number, bh: number, bl: number): void {
  const q1 = ah / bh;
  ddMul(q1, 0, bh, bl);
  ddAdd(ah, al, -DD[0], -DD[1]);
  const q2 = DD[0] / bh;
  const rh = DD[0], rl = DD[1];
  ddMul(q2, 0, bh, bl);
  ddAdd(rh, rl, -DD[0], -DD[1]);
  const q3 = DD[0] / bh;
  quickTwoSum(q1, q2);
  ddAdd(DD[0], DD[1], q3, 0);
}

export function ddSqrt(ah: number, al: number): void {
  const x = Math.sqrt(ah);
  // One Newton step in double-double: x + (a - x^2) / (2x)
  ddMul(x, 0, x, 0);
  ddAdd(ah, al, -DD[0], -DD[1]);
  const corr = DD[0] / (2 * x);
  quickTwoSum(x, corr);
}


const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** Slot value (finite, non-zero) as |value| * 2^-scale in DD[0]/DD[1], exactly. Returns the slot's unbiased exponent. */
export function slotToDD(f: Fp80, s: number, scale: number): number {
  f.unpack(s);
  const E = f.u[0] - 16383;
  const h = f.u[1], l = f.u[2];
  const k = E - 63 - scale;
  const lowBits = l % 2048;
  DD[0] = (h * TWO32 + (l - lowBits)) * 2 ** k;
  DD[1] = lowBits * 2 ** k;
  return E;
}

// 96-bit window of packDD [WS[0], WS[1], WS[2]], the sticky and the decomposed double.
const WS = new Float64Array(8); // [W0, W1, W2, sticky, mantissa, exponent, input hi, input lo]

function addScaled(base: number, negative: boolean): void {
  // Adds (or subtracts) m * 2^base (m = WS[4], an integer below 2^53) into WS[2]:WS[1]:WS[0].
  // Doubles travel through WS rather than as arguments, which V8 would box when not inlined.
  const m = WS[4];
  for (let j = 0; j < 3; j++) {
    const v = m * 2 ** (base - 32 * j);
    const fl = Math.floor(v);
    const chunk = fl % TWO32;
    if (j === 0 && v !== fl) WS[3] = negative ? -1 : 1;
    if (j === 0) WS[0] += negative ? -chunk : chunk;
    else if (j === 1) WS[1] += negative ? -chunk : chunk;
    else WS[2] += negative ? -chunk : chunk;
  }
}


/** Decomposes the positive double in F64[0] into WS[4] (53-bit mantissa) and WS[5] (exponent of its leading bit). */
function decompose(): void {
  const hi = U32[1], lo = U32[0];
  const e = (hi >>> 20) & 0x7ff;
  if (e === 0) {
    // subnormal double: normalize
    F64[0] *= 2 ** 600;
    decompose();
    WS[5] -= 600;
    return;
  }
  WS[4] = (hi & 0xfffff) * TWO32 + lo + 2 ** 52;
  WS[5] = e - 1023;
}

/** Normalized 96-bit window of windowDD: WIN[2] has bit 31 set; value = WIN * 2^(WIN[3] - 16383 - 95). */
export const WIN = new Float64Array(4); // [WIN[0], WIN[1], WIN[2], WIN[3]]

/** Exact (sticky in bit 0) 96-bit form of the positive double-double (setWindowInput) * 2^scale. */
export function windowDD(scale: number): void {
  // Input in WS[6], WS[7]: doubles passed through typed arrays are never boxed.
  const hi = WS[6], lo = WS[7];
  WS[2] = 0; WS[1] = 0; WS[0] = 0; WS[3] = 0;
  F64[0] = hi;
  decompose();
  const eh = WS[5];
  addScaled(43, false);
  if (lo !== 0) {
    const neg = lo < 0;
    F64[0] = neg ? -lo : lo;
    decompose();
    addScaled(WS[5] - 52 - eh + 95, neg);
  }
  if (WS[3] < 0) WS[0] -= 1;
  // Propagate carries and borrows.
  let c = Math.floor(WS[0] / TWO32);
  WS[0] -= c * TWO32;
  WS[1] += c;
  c = Math.floor(WS[1] / TWO32);
  WS[1] -= c * TWO32;
  WS[2] += c;
  if (WS[3] !== 0) WS[0] = (WS[0] | 1) >>> 0;
  let e = eh + 16383 + scale;
  if (WS[2] >= TWO32) {
    const st = WS[0] & 1;
    WS[0] = (((WS[1] & 1) << 31) | (WS[0] >>> 1) | st) >>> 0;
    WS[1] = (((WS[2] & 1) << 31) | (WS[1] >>> 1)) >>> 0;
    WS[2] = Math.floor(WS[2] / 2);
    e += 1;
  }
  let h = WS[2] >>> 0, l = WS[1] >>> 0, x = WS[0] >>> 0;
  if (h < 0x80000000) {
    // a borrow cleared the leading bit: shift left once (h was a power of two)
    h = ((h << 1) | (l >>> 31)) >>> 0;
    l = ((l << 1) | (x >>> 31)) >>> 0;
    x = ((x << 1) | (x & 1)) >>> 0;
    e -= 1;
  }
  WIN[2] = h;
  WIN[1] = l;
  WIN[0] = x;
  WIN[3] = e;
}

/** Input of windowDD: a positive double-double. */
export function setWindowInput(hi: number, lo: number): void {
  WS[6] = hi;
  WS[7] = lo;
}

/** packDD of the double-double in DD (read here, so no double crosses a call boundary boxed). */
export function packResult(f: Fp80, dst: number, sign: number, prec: number): void {
  const neg = DD[0] < 0;
  WS[6] = neg ? -DD[0] : DD[0];
  WS[7] = neg ? -DD[1] : DD[1];
  windowDD(0);
  if (neg) sign ^= 1;
  f.roundPack(dst, sign, WIN[3], WIN[2] | 0, WIN[1] | 0, WIN[0] | 0, prec);
}

/**
 * Rounds sign * (hi + lo) * 2^scale into slot `dst` at `prec` bits (FCW.RC), as Fp80.roundPack
 * does. hi must be non-zero and |lo| <= ulp(hi).
 */
export function packDD(f: Fp80, dst: number, sign: number, hi: number, lo: number, scale: number, prec: number): void {
  if (hi < 0) {
    hi = -hi;
    lo = -lo;
    sign ^= 1;
  }
  WS[6] = hi;
  WS[7] = lo;
  windowDD(scale);
  f.roundPack(dst, sign, WIN[3], WIN[2] | 0, WIN[1] | 0, WIN[0] | 0, prec);
}
