// Exact IEEE add, subtract, multiply, divide and square root on 80-bit slots, each result
// rounded once by Fp80.roundPack. Special operands follow SDM vol. 1 §4.8.3 and §8.5:
// unsupported formats and SNaNs raise IE, denormal operands raise DE, x/0 raises ZE.

import {
  CLS_DENORMAL, CLS_INF, CLS_QNAN, CLS_SNAN, CLS_UNSUPPORTED, CLS_ZERO,
  EXC_DE, EXC_IE, EXC_ZE, Fp80, RC_DOWN, TWO32,
} from './float80-core';

/**
 * Screens two operands: handles unsupported/NaN operands and returns true when the result is
 * already in `dst`. Raises DE for denormals otherwise.
 */
export function screen2(f: Fp80, dst: number, a: number, b: number, ca: number, cb: number): boolean {
  if (ca === CLS_UNSUPPORTED || cb === CLS_UNSUPPORTED) {
    f.flags |= EXC_IE;
    f.setIndefinite(dst);
    return true;
  }
  if (ca >= CLS_QNAN || cb >= CLS_QNAN) {
    f.propagateNaN2(dst, a, b);
    return true;
  }
  if (ca === CLS_DENORMAL || cb === CLS_DENORMAL) f.flags |= EXC_DE;
  return false;
}

export function add(f: Fp80, dst: number, a: number, b: number, negateB: boolean, prec: number): void {
  const ca = f.classify(a);
  const cb = f.classify(b);
  f.roundedUp = false;
  if (screen2(f, dst, a, b, ca, cb)) return;
  const sa = f.sign(a);
  const sb = f.sign(b) ^ (negateB ? 1 : 0);
  if (ca === CLS_INF || cb === CLS_INF) {
    if (ca === CLS_INF && cb === CLS_INF && sa !== sb) {
      f.flags |= EXC_IE;
      f.setIndefinite(dst);
    } else f.setInf(dst, ca === CLS_INF ? sa : sb);
    return;
  }
  if (ca === CLS_ZERO && cb === CLS_ZERO) {
    f.setZero(dst, sa === sb ? sa : f.rc === RC_DOWN ? 1 : 0);
    return;
  }
  if (cb === CLS_ZERO) {
    // Exact: a rounded to the precision (a denormal a stays as is unless tiny handling applies).
    f.unpack(a);
    f.normRoundPack(dst, sa, f.u[0], f.u[1] | 0, f.u[2] | 0, 0, prec);
    return;
  }
  if (ca === CLS_ZERO) {
    f.unpack(b);
    f.normRoundPack(dst, sb, f.u[0], f.u[1] | 0, f.u[2] | 0, 0, prec);
    return;
  }
  f.unpack(a);
  let ea = f.u[0], ah = f.u[1], al = f.u[2];
  f.unpack(b);
  let eb = f.u[0], bh = f.u[1], bl = f.u[2];
  let sign = sa;
  // Make a the operand with the larger magnitude.
  if (eb > ea || (eb === ea && (bh > ah || (bh === ah && bl > al)))) {
    let t = ea; ea = eb; eb = t;
    t = ah; ah = bh; bh = t;
    t = al; al = bl; bl = t;
    sign = sb;
  }
  // Align b: shift right by d into b-extension bx with sticky.
  const d = ea - eb;
  let bx = 0;
  if (d > 0) {
    if (d >= 96) {
      bx = 1; // non-zero b entirely in the sticky bit
      bh = 0;
      bl = 0;
    } else {
      let k = d;
      if (k >= 64) {
        bx = bh;
        const st = bl !== 0 ? 1 : 0;
        bh = 0;
        bl = 0;
        k -= 64;
        if (k > 0) {
          const st2 = (bx << (32 - k)) !== 0 ? 1 : 0;
          bx = bx >>> k;
          bx = (bx | st | st2) >>> 0;
        } else bx = (bx | st) >>> 0;
      } else {
        if (k >= 32) {
          bx = bl;
          bl = bh;
          bh = 0;
          k -= 32;
        }
        if (k > 0) {
          const st = (bx << (32 - k)) !== 0 ? 1 : 0;
          bx = (((bl << (32 - k)) | (bx >>> k)) | st) >>> 0;
          bl = ((bh << (32 - k)) | (bl >>> k)) >>> 0;
          bh = bh >>> k;
        }
      }
    }
  }
  if (sa === sb) {
    // Magnitude add: a + b, 65-bit result.
    let x = bx;
    let l = al + bl;
    let c = 0;
    if (l >= TWO32) {
      l -= TWO32;
      c = 1;
    }
    let h = ah + bh + c;
    if (h >= TWO32) {
      // Carry out: shift right one, keeping the sticky.
      h -= TWO32;
      const st = x & 1;
      x = (((l & 1) << 31) | (x >>> 1) | st) >>> 0;
      l = (((h & 1) << 31) | (l >>> 1)) >>> 0;
      h = ((h >>> 1) | 0x80000000) >>> 0;
      ea += 1;
    }
    f.roundPack(dst, sign, ea, h | 0, l | 0, x | 0, prec);
    return;
  }
  // Magnitude subtract: a - b (a >= b).
  let x = 0 - bx;
  let borrow = 0;
  if (x < 0) {
    x += TWO32;
    borrow = 1;
  }
  let l = al - bl - borrow;
  borrow = 0;
  if (l < 0) {
    l += TWO32;
    borrow = 1;
  }
  const h = ah - bh - borrow;
  if (h === 0 && l === 0 && x === 0) {
    // Exact zero: +0 except when rounding down (SDM vol. 1 §4.8.3.3... table 4-4 rules).
    f.setZero(dst, f.rc === RC_DOWN ? 1 : 0);
    return;
  }
  f.normRoundPack(dst, sign, ea, h | 0, l | 0, x | 0, prec);
}

// Scratch results in typed arrays: module-level `let` doubles would be boxed on every write.
// 32x32 -> 64 multiply into M32 = [low, high].
const M32 = new Float64Array(2);
function mul32(a: number, b: number): void {
  a >>>= 0;
  b >>>= 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  // Every partial sum stays below 2^32, so the shifts below are exact.
  const m1 = a1 * b0 + ((a0 * b0) >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  M32[0] = Math.imul(a, b) >>> 0;
  M32[1] = a1 * b1 + (m1 >>> 16) + (m2 >>> 16);
}

const INV_TWO32 = 1 / TWO32;

/** 64x64 -> 128 product words, PROD[0] least significant. */
export const PROD = new Float64Array(4);
export function mul64(ah: number, al: number, bh: number, bl: number): void {
  mul32(al | 0, bl | 0);
  PROD[0] = M32[0];
  const c1 = M32[1];
  mul32(al | 0, bh | 0);
  const x = M32[0], y = M32[1];
  mul32(ah | 0, bl | 0);
  const u = M32[0], v = M32[1];
  const s1 = c1 + x + u;
  const r1 = s1 >>> 0;
  PROD[1] = r1;
  mul32(ah | 0, bh | 0);
  const s2 = y + v + M32[0] + (s1 - r1) * INV_TWO32;
  const r2 = s2 >>> 0;
  PROD[2] = r2;
  PROD[3] = M32[1] + (s2 - r2) * INV_TWO32;
}

export function mul(f: Fp80, dst: number, a: number, b: number, prec: number): void {
  const ca = f.classify(a);
  const cb = f.classify(b);
  f.roundedUp = false;
  if (screen2(f, dst, a, b, ca, cb)) return;
  const sign = f.sign(a) ^ f.sign(b);
  if (ca === CLS_INF || cb === CLS_INF) {
    if (ca === CLS_ZERO || cb === CLS_ZERO) {
      f.flags |= EXC_IE;
      f.setIndefinite(dst);
    } else f.setInf(dst, sign);
    return;
  }
  if (ca === CLS_ZERO || cb === CLS_ZERO) {
    f.setZero(dst, sign);
    return;
  }
  f.unpack(a);
  const ea = f.u[0], ah = f.u[1], al = f.u[2];
  f.unpack(b);
  const eb = f.u[0];
  mul64(ah | 0, al | 0, f.u[1] | 0, f.u[2] | 0);
  let e = ea + eb - 16383 + 1;
  let h = PROD[3], l = PROD[2], x = PROD[1];
  const st = PROD[0] !== 0 ? 1 : 0;
  if (h < 0x80000000) {
    h = ((h << 1) | (l >>> 31)) >>> 0;
    l = ((l << 1) | (x >>> 31)) >>> 0;
    x = (x << 1) >>> 0;
    e -= 1;
  }
  f.roundPack(dst, sign, e, h | 0, l | 0, ((x | st) >>> 0) | 0, prec);
}

export function div(f: Fp80, dst: number, a: number, b: number, prec: number): void {
  const ca = f.classify(a);
  const cb = f.classify(b);
  f.roundedUp = false;
  if (ca === CLS_UNSUPPORTED || cb === CLS_UNSUPPORTED || ca >= CLS_QNAN || cb >= CLS_QNAN) {
    screen2(f, dst, a, b, ca, cb);
    return;
  }
  const sign = f.sign(a) ^ f.sign(b);
  if (ca === CLS_INF) {
    if (cb === CLS_INF) {
      f.flags |= EXC_IE;
      f.setIndefinite(dst);
      return;
    }
    if (cb === CLS_DENORMAL) f.flags |= EXC_DE;
    f.setInf(dst, sign);
    return;
  }
  if (cb === CLS_INF) {
    if (ca === CLS_DENORMAL) f.flags |= EXC_DE;
    f.setZero(dst, sign);
    return;
  }
  if (cb === CLS_ZERO) {
    if (ca === CLS_ZERO) {
      f.flags |= EXC_IE;
      f.setIndefinite(dst);
      return;
    }
    f.flags |= EXC_ZE; // zero divide takes precedence over a denormal dividend (no DE)
    f.setInf(dst, sign);
    return;
  }
  if (ca === CLS_DENORMAL || cb === CLS_DENORMAL) f.flags |= EXC_DE;
  if (ca === CLS_ZERO) {
    f.setZero(dst, sign);
    return;
  }
  f.unpack(a);
  const ea = f.u[0];
  const rh = f.u[1], rl = f.u[2];
  f.unpack(b);
  const eb = f.u[0], bh = f.u[1], bl = f.u[2];
  const e = ea - eb + 16383 - divSig(rh | 0, rl | 0, bh | 0, bl | 0);
  f.roundPack(dst, sign, e, QUOT[0] | 0, QUOT[1] | 0, QUOT[2] | 0, prec);
}

/** Quotient of a significand division: [high 32, low 32, two more bits + sticky]. */
const QUOT = new Float64Array(3);

/**
 * Quotient of two normalized significands r / b (int32-coded words): 66 bits plus sticky into
 * QUOT; returns 1 when r < b (the quotient's exponent is one lower), else 0. The leading bit is 1;
 * the other 65 come in chunks of 21, 21, 21 and 2 bits, each estimated with a double division
 * and corrected so the remainder stays exact (every partial product is below 2^53).
 */
function divSig(rh: number, rl: number, bh: number, bl: number): number {
  rh >>>= 0;
  rl >>>= 0;
  bh >>>= 0;
  bl >>>= 0;
  let adjust = 0;
  if (rh < bh || (rh === bh && rl < bl)) {
    rh = rh * 2 + (rl >>> 31);
    rl = (rl << 1) >>> 0;
    adjust = 1;
  }
  // r -= b: the leading quotient bit.
  rl -= bl;
  rh -= bh;
  if (rl < 0) {
    rl += TWO32;
    rh -= 1;
  }
  const bApprox = bh * TWO32 + bl;
  let top = 1, bottom = 0;
  for (let step = 0; step < 4; step++) {
    const scale = step < 3 ? 2097152 : 4; // 2^21 or 2^2 quotient bits this step
    let q = Math.floor(((rh * TWO32 + rl) * scale) / bApprox);
    // remainder r * 2^k - q * b, as hi * 2^32 + lo with lo normalized to [0, 2^32)
    let lo = rl * scale - q * bl;
    let hi = rh * scale - q * bh;
    const c = Math.floor(lo / TWO32);
    lo -= c * TWO32;
    hi += c;
    while (hi < 0) {
      q -= 1;
      lo += bl;
      hi += bh;
      if (lo >= TWO32) {
        lo -= TWO32;
        hi += 1;
      }
    }
    while (hi > bh || (hi === bh && lo >= bl)) {
      q += 1;
      lo -= bl;
      hi -= bh;
      if (lo < 0) {
        lo += TWO32;
        hi -= 1;
      }
    }
    rh = hi;
    rl = lo;
    if (step < 2) top = top * scale + q;
    else bottom = bottom * scale + q;
  }
  // Q = top * 2^23 + bottom (66 bits)
  const topLow = top % 2048;
  QUOT[0] = (top - topLow) / 2048;
  QUOT[1] = (topLow * 2097152 + Math.floor(bottom / 4)) >>> 0;
  QUOT[2] = (((bottom & 3) << 30) | (rh !== 0 || rl !== 0 ? 1 : 0)) >>> 0;
  return adjust;
}

export function sqrt(f: Fp80, dst: number, a: number, prec: number): void {
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
  if (ca === CLS_QNAN || ca === CLS_ZERO) {
    f.copy(dst, a);
    return;
  }
  const sa = f.sign(a);
  if (sa !== 0) {
    f.flags |= EXC_IE; // invalid takes precedence over a denormal operand
    f.setIndefinite(dst);
    return;
  }
  if (ca === CLS_INF) {
    f.copy(dst, a);
    return;
  }
  if (ca === CLS_DENORMAL) f.flags |= EXC_DE;
  f.unpack(a);
  const E = f.u[0] - 16383;
  const ah = f.u[1], al = f.u[2];
  const odd = (E & 1) !== 0;
  let rootH = 0, rootL = 0; // root as a 66-bit number: rootH * 2^32 + rootL
  let remH = 0, remL = 0; // remainder, up to 68 bits
  // The radicand streams out two bits at a time from xh:xl:xx (A, or A / 2 for an even exponent).
  let xh = odd ? ah : ah >>> 1;
  let xl = odd ? al : (((ah & 1) << 31) | (al >>> 1)) >>> 0;
  let xx = odd ? 0 : ((al & 1) << 31) >>> 0;
  for (let i = 0; i < 66; i++) {
    const pair = xh >>> 30;
    xh = ((xh << 2) | (xl >>> 30)) >>> 0;
    xl = ((xl << 2) | (xx >>> 30)) >>> 0;
    xx = (xx << 2) >>> 0;
    // rem = rem*4 + bits
    remH = remH * 4 + (remL >>> 30);
    remL = (((remL << 2) >>> 0) | pair) >>> 0;
    // trial = root*4 + 1
    const tH = rootH * 4 + (rootL >>> 30);
    const tL = (((rootL << 2) >>> 0) | 1) >>> 0;
    rootH = rootH * 2 + (rootL >>> 31);
    rootL = (rootL << 1) >>> 0;
    if (remH > tH || (remH === tH && remL >= tL)) {
      if (remL >= tL) {
        remL -= tL;
        remH -= tH;
      } else {
        remL = remL + TWO32 - tL;
        remH = remH - tH - 1;
      }
      rootL = (rootL | 1) >>> 0;
    }
  }
  // root has 66 bits: top 64 in h:l, low 2 in x.
  const h = Math.floor(rootH / 4);
  const l = (((rootH & 3) << 30) | (rootL >>> 2)) >>> 0;
  const x = (((rootL & 3) << 30) | (remH !== 0 || remL !== 0 ? 1 : 0)) >>> 0;
  f.roundPack(dst, 0, ((odd ? E - 1 : E) >> 1) + 16383, h | 0, l | 0, x | 0, prec);
}


