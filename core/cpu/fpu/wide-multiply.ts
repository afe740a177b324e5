// Products of an 80-bit slot with a 96-bit significand (a constant, or a widened
// double-double), kept to 96 bits plus sticky so a transcendental result is rounded only once.

import { Fp80, TWO32 } from './float80-core';
import { PROD, mul64 } from './float80-arith';
import { DD, WIN, setWindowInput, windowDD } from './double-double';

// ln 2 as a 96-bit significand whose top bit weighs 2^-1 (ln 2 = 0.B17217F7D1CF79ABC9E3B398...)
export const LN2_SIG_H = 0xb17217f7;
export const LN2_SIG_L = 0xd1cf79ab;
export const LN2_SIG_X = 0xc9e3b398;

// 1/ln 2 = log2(e) as a 96-bit significand (exponent 0)
export const INV_LN2_H = 0xb8aa3b29;
export const INV_LN2_L = 0x5c17f0bb;
export const INV_LN2_X = 0xbe87fed0;


/** Product window of mulWin: [w2, w1, w0 (sticky in bit 0), biased exponent (unbounded)]. */
export const MW = new Float64Array(4);

/**
 * (h:l at biased exponent e) * K, K = kh:kl:kx a 96-bit significand (top bit set) whose top bit
 * weighs 2^kexp: the top 96 bits of the 160-bit product, normalized, with sticky, into MW.
 */
export function mulWin(h: number, l: number, e: number, kh: number, kl: number, kx: number, kexp: number): void {
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
export function mulByConst96(f: Fp80, dst: number, src: number, kh: number, kl: number, kx: number, kexp: number): void {
  mulByConst96Signed(f, dst, src, f.sign(src), kh, kl, kx, kexp);
}

/** dst = y * DD, rounded once: the double-double factor is widened to 96 bits. */
export function mulByDD(f: Fp80, dst: number, y: number): void {
  // The double-double factor is read from DD (no boxed doubles across calls).
  const neg = DD[0] < 0;
  const sign = f.sign(y) ^ (neg ? 1 : 0);
  setWindowInput(neg ? -DD[0] : DD[0], neg ? -DD[1] : DD[1]);
  windowDD(0);
  mulByConst96Signed(f, dst, y, sign, WIN[2], WIN[1], WIN[0], WIN[3] - 16383);
}
export function mulByConst96Signed(f: Fp80, dst: number, src: number, sign: number, kh: number, kl: number, kx: number, kexp: number): void {
  f.unpack(src);
  mulWin(f.u[1], f.u[2], f.u[0], kh, kl, kx, kexp);
  f.normRoundPack(dst, sign, MW[3], MW[0] | 0, MW[1] | 0, MW[2] | 0, 64);
}
