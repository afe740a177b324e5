// Double-double arithmetic (~106-bit significands as an unevaluated sum hi + lo of two
// doubles) for the transcendental instructions, plus the exact conversions between 80-bit
// slots and double-double values. Results go to the module variables DH/DL: no allocation.

import { Fp80, TWO32 } from './float80-core';

export let DH = 0;
export let DL = 0;

export function setDD(h: number, l: number): void {
  DH = h;
  DL = l;
}

const SPLITTER = 134217729; // 2^27 + 1

function quickTwoSum(a: number, b: number): void {
  const s = a + b;
  DL = b - (s - a);
  DH = s;
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
  DL = e - (h - s);
  DH = h;
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
  ddAdd(ah, al, -DH, -DL);
  const q2 = DH / bh;
  const rh = DH, rl = DL;
  ddMul(q2, 0, bh, bl);
  ddAdd(rh, rl, -DH, -DL);
  const q3 = DH / bh;
  quickTwoSum(q1, q2);
  ddAdd(DH, DL, q3, 0);
}

export function ddSqrt(ah: number, al: number): void {
  const x = Math.sqrt(ah);
  // One Newton step in double-double: x + (a - x^2) / (2x)
  ddMul(x, 0, x, 0);
  ddAdd(ah, al, -DH, -DL);
  const corr = DH / (2 * x);
  quickTwoSum(x, corr);
}

/** Sum of a double-double and an exact small double, DH/DL in, DH/DL out. */
export function ddAddD(ah: number, al: number, b: number): void {
  ddAdd(ah, al, b, 0);
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** Slot value (finite, non-zero) as |value| * 2^-scale in DH/DL, exactly. Returns the slot's unbiased exponent. */
export function slotToDD(f: Fp80, s: number, scale: number): number {
  f.unpack(s);
  const E = f.uExp - 16383;
  const h = f.uHi, l = f.uLo;
  const k = E - 63 - scale;
  const lowBits = l % 2048;
  DH = (h * TWO32 + (l - lowBits)) * 2 ** k;
  DL = lowBits * 2 ** k;
  return E;
}

// 96-bit window of packDD, most significant word first.
let W2 = 0, W1 = 0, W0 = 0;
let STICKY = 0;

function addScaled(m: number, base: number, negative: boolean): void {
  // Adds (or subtracts) m * 2^base (m an integer below 2^53) into W2:W1:W0.
  for (let j = 0; j < 3; j++) {
    const v = m * 2 ** (base - 32 * j);
    const fl = Math.floor(v);
    const chunk = fl % TWO32;
    if (j === 0 && v !== fl) STICKY = negative ? -1 : 1;
    if (j === 0) W0 += negative ? -chunk : chunk;
    else if (j === 1) W1 += negative ? -chunk : chunk;
    else W2 += negative ? -chunk : chunk;
  }
}

/** Decomposes a positive double into 53-bit integer mantissa (MANT) and the exponent of its leading bit (EXP). */
let MANT = 0, EXPO = 0;
function decompose(x: number): void {
  F64[0] = x;
  const hi = U32[1], lo = U32[0];
  const e = (hi >>> 20) & 0x7ff;
  if (e === 0) {
    // subnormal double: normalize
    F64[0] = x * 2 ** 600;
    decompose(F64[0]);
    EXPO -= 600;
    return;
  }
  MANT = (hi & 0xfffff) * TWO32 + lo + 2 ** 52;
  EXPO = e - 1023;
}

/** Normalized 96-bit window of windowDD: WIN2 has bit 31 set; value = WIN * 2^(WEXP - 16383 - 95). */
export let WIN2 = 0;
export let WIN1 = 0;
export let WIN0 = 0;
export let WEXP = 0;

/** Exact (sticky in bit 0) 96-bit form of the positive double-double (hi + lo) * 2^scale. */
export function windowDD(hi: number, lo: number, scale: number): void {
  W2 = 0; W1 = 0; W0 = 0; STICKY = 0;
  decompose(hi);
  const eh = EXPO;
  addScaled(MANT, 43, false);
  if (lo !== 0) {
    const neg = lo < 0;
    decompose(neg ? -lo : lo);
    addScaled(MANT, EXPO - 52 - eh + 95, neg);
  }
  if (STICKY < 0) W0 -= 1;
  // Propagate carries and borrows.
  let c = Math.floor(W0 / TWO32);
  W0 -= c * TWO32;
  W1 += c;
  c = Math.floor(W1 / TWO32);
  W1 -= c * TWO32;
  W2 += c;
  if (STICKY !== 0) W0 = (W0 | 1) >>> 0;
  let e = eh + 16383 + scale;
  if (W2 >= TWO32) {
    const st = W0 & 1;
    W0 = (((W1 & 1) << 31) | (W0 >>> 1) | st) >>> 0;
    W1 = (((W2 & 1) << 31) | (W1 >>> 1)) >>> 0;
    W2 = Math.floor(W2 / 2);
    e += 1;
  }
  let h = W2 >>> 0, l = W1 >>> 0, x = W0 >>> 0;
  if (h < 0x80000000) {
    // a borrow cleared the leading bit: shift left once (h was a power of two)
    h = ((h << 1) | (l >>> 31)) >>> 0;
    l = ((l << 1) | (x >>> 31)) >>> 0;
    x = ((x << 1) | (x & 1)) >>> 0;
    e -= 1;
  }
  WIN2 = h;
  WIN1 = l;
  WIN0 = x;
  WEXP = e;
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
  windowDD(hi, lo, scale);
  f.roundPack(dst, sign, WEXP, WIN2, WIN1, WIN0, prec);
}
