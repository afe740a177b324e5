// Conversions between 80-bit slots and the memory formats of SDM vol. 1 §4.2 and §8.2:
// m32fp, m64fp (with their own exponent ranges, denormals and rounding), m16/m32/m64 integers
// and 18-digit packed BCD. Results of narrowing conversions land in the N* exports.

import {
  CLS_DENORMAL, CLS_INF, CLS_QNAN, CLS_SNAN, CLS_UNSUPPORTED, CLS_ZERO,
  EXC_DE, EXC_IE, EXC_OE, EXC_PE, EXC_UE, Fp80, RC_DOWN, RC_NEAREST, RC_UP, TWO32,
} from './float80-core';

/** Output of a narrowing conversion: low and high 32-bit words (m16/m32 use only N_LO). */
export let N_LO = 0;
export let N_HI = 0;

/**
 * m32fp to extended. `operand`: the value feeds an arithmetic operation, which raises IE for an
 * SNaN itself and must see it unquieted (a QNaN operand beats an SNaN, SDM table 4-7).
 */
export function loadF32(f: Fp80, dst: number, bits: number, operand = false): void {
  const sign = bits >>> 31;
  const e = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  if (e === 0) {
    if (frac === 0) return f.setZero(dst, sign);
    f.flags |= EXC_DE;
    // value = frac * 2^-149; normalize into a 64-bit significand.
    const z = Math.clz32(frac);
    f.set(dst, sign, 16383 - 149 + 31 - z, frac << z, 0);
    return;
  }
  if (e === 0xff) {
    if (frac === 0) return f.setInf(dst, sign);
    if (operand) return f.set(dst, sign, 0x7fff, 0x80000000 | (frac << 8), 0);
    if ((frac & 0x400000) === 0) f.flags |= EXC_IE;
    f.set(dst, sign, 0x7fff, 0xc0000000 | (frac << 8), 0);
    return;
  }
  f.set(dst, sign, e - 127 + 16383, 0x80000000 | (frac << 8), 0);
}

export function loadF64(f: Fp80, dst: number, lo: number, hi: number, operand = false): void {
  lo >>>= 0;
  const sign = hi >>> 31;
  const e = (hi >>> 20) & 0x7ff;
  const fh = hi & 0xfffff;
  if (e === 0) {
    if ((fh | lo) === 0) return f.setZero(dst, sign);
    f.flags |= EXC_DE;
    // value = (fh:lo) * 2^-1074
    let h = fh, l = lo, exp = 16383 - 1074 + 63;
    if (h === 0) {
      h = l;
      l = 0;
      exp -= 32;
    }
    const z = Math.clz32(h);
    if (z) {
      h = ((h << z) | (l >>> (32 - z))) >>> 0;
      l = (l << z) >>> 0;
    }
    f.set(dst, sign, exp - z, h | 0, l | 0);
    return;
  }
  const h = (0x80000000 | (fh << 11) | (lo >>> 21)) >>> 0;
  const l = (lo << 11) >>> 0;
  if (e === 0x7ff) {
    if ((fh | lo) === 0) return f.setInf(dst, sign);
    if (operand) return f.set(dst, sign, 0x7fff, h | 0, l | 0);
    if ((fh & 0x80000) === 0) f.flags |= EXC_IE;
    f.set(dst, sign, 0x7fff, h | 0x40000000, l | 0);
    return;
  }
  f.set(dst, sign, e - 1023 + 16383, h | 0, l | 0);
}

/** Signed integer hi:lo (two's complement 64-bit) to extended, exact. */
export function loadInt64(f: Fp80, dst: number, lo: number, hi: number): void {
  let h = hi >>> 0, l = lo >>> 0;
  let sign = 0;
  if (h >= 0x80000000) {
    sign = 1;
    l = TWO32 - l;
    h = TWO32 - 1 - h;
    if (l === TWO32) {
      l = 0;
      h += 1;
    }
    h >>>= 0;
  }
  f.normRoundPack(dst, sign, 16383 + 63, h | 0, l | 0, 0, 64);
}

function bitAt(h: number, l: number, p: number): number {
  if (p < 0 || p > 63) return 0;
  return p >= 32 ? (h >>> (p - 32)) & 1 : (l >>> p) & 1;
}
function anyBelow(h: number, l: number, p: number): boolean {
  if (p <= 0) return false;
  if (p >= 64) return (h | l) !== 0;
  if (p >= 32) return l !== 0 || (p > 32 && (h << (64 - p)) !== 0);
  return (l << (32 - p)) !== 0;
}
/** floor(h:l / 2^s) as a double, exact when the result is below 2^53. */
function shiftDown(h: number, l: number, s: number): number {
  if (s >= 64) return 0;
  if (s >= 32) return Math.floor(h / 2 ** (s - 32));
  return h * 2 ** (32 - s) + Math.floor(l / 2 ** s);
}

/** Whether to increment a truncated value, given the lsb and discarded bits. */
function roundUp(sign: number, rc: number, lsb: number, rbit: number, sticky: boolean): boolean {
  if (rbit === 0 && !sticky) return false;
  if (rc === RC_NEAREST) return rbit !== 0 && (sticky || lsb !== 0);
  if (rc === RC_DOWN) return sign !== 0;
  if (rc === RC_UP) return sign === 0;
  return false;
}

/**
 * Narrows slot `s` to a binary format with `keep` significand bits (24 or 53), exponent `bias`
 * and all-ones exponent `emax`. Returns false when nothing may be stored (unmasked IE/OE/UE).
 * The encoding goes to N_HI:N_LO (m32fp in N_LO).
 */
export function narrow(f: Fp80, s: number, keep: number, bias: number, emax: number, ieUnmasked: boolean): boolean {
  const cls = f.classify(s);
  const sign = f.sign(s);
  const fracBits = keep - 1;
  const dbl = keep === 53;
  f.roundedUp = false;
  if (cls === CLS_UNSUPPORTED || cls === CLS_SNAN || cls === CLS_QNAN) {
    if (cls !== CLS_QNAN) {
      f.flags |= EXC_IE;
      if (ieUnmasked) return false;
    }
    if (cls === CLS_UNSUPPORTED) return encode(dbl, 1, emax, 0, true);
    // NaN: truncate the significand, set the quiet bit.
    const h = f.hi[s] >>> 0, l = f.lo[s] >>> 0;
    if (dbl) {
      N_HI = ((sign << 31) | (emax << 20) | 0x80000 | ((h >>> 11) & 0xfffff)) >>> 0;
      N_LO = (((h << 21) | (l >>> 11)) >>> 0) | 0;
      N_HI |= 0;
    } else {
      N_LO = ((sign << 31) | (emax << 23) | 0x400000 | ((h >>> 8) & 0x3fffff)) | 0;
      N_HI = 0;
    }
    return true;
  }
  if (cls === CLS_ZERO) return encode(dbl, sign, 0, 0, false);
  if (cls === CLS_INF) return encode(dbl, sign, emax, 0, false);
  // No DE here: the host raises none for FST of an extended denormal (it underflows instead).
  f.unpack(s);
  const h = f.u[1], l = f.u[2];
  let e = f.u[0] - 16383 + bias; // target biased exponent
  if (e >= 1 && e <= emax - 2) return narrowNormal(f, sign, e, h | 0, l | 0, dbl);
  let shift = 64 - keep;
  let tiny = false;
  if (e <= 0) {
    tiny = true;
    if (f.ueUnmasked) {
      f.flags |= EXC_UE;
      return false;
    }
    shift += 1 - e;
    e = 0;
  }
  let k = shiftDown(h, l, shift);
  const rbit = bitAt(h, l, shift - 1);
  const sticky = anyBelow(h, l, shift - 1);
  const inexact = rbit !== 0 || sticky;
  const up = roundUp(sign, f.rc, k % 2, rbit, sticky);
  if (up) k += 1;
  f.roundedUp = up;
  const implicit = 2 ** fracBits;
  if (e === 0) {
    if (k >= implicit) e = 1; // rounded up into the normal range
  } else if (k >= 2 * implicit) {
    k = implicit;
    e += 1;
  }
  if (inexact) {
    f.flags |= EXC_PE;
    if (tiny) f.flags |= EXC_UE;
  }
  if (e >= emax) {
    f.flags |= EXC_OE;
    if (f.oeUnmasked) {
      f.flags &= ~EXC_PE; // nothing is stored, so nothing is inexact
      return false;
    }
    f.flags |= EXC_PE;
    const rc = f.rc;
    const toInf = rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign !== 0);
    f.roundedUp = toInf;
    if (toInf) return encode(dbl, sign, emax, 0, false);
    return encode(dbl, sign, emax - 1, 2 ** fracBits - 1, false);
  }
  return encode(dbl, sign, e, k % implicit, false);
}

/**
 * The common case of narrow(): a normal result that cannot overflow even when rounding carries
 * into the exponent. Pure 32-bit integer work (FST m64fp is a hot instruction).
 */
function narrowNormal(f: Fp80, sign: number, e: number, h: number, l: number, dbl: boolean): boolean {
  h >>>= 0;
  l >>>= 0;
  let rbit: number, sticky: boolean;
  if (dbl) {
    let fl = ((h << 21) | (l >>> 11)) >>> 0;
    let fh = (h >>> 11) & 0xfffff;
    rbit = (l >>> 10) & 1;
    sticky = (l & 0x3ff) !== 0;
    const up = roundUp(sign, f.rc, fl & 1, rbit, sticky);
    if (up) {
      fl = (fl + 1) >>> 0;
      if (fl === 0) {
        fh += 1;
        if (fh === 0x100000) {
          fh = 0;
          e += 1;
        }
      }
    }
    f.roundedUp = up;
    N_LO = fl | 0;
    N_HI = ((sign << 31) | (e << 20) | fh) | 0;
  } else {
    let frac = (h >>> 8) & 0x7fffff;
    rbit = (h >>> 7) & 1;
    sticky = (h & 0x7f) !== 0 || l !== 0;
    const up = roundUp(sign, f.rc, frac & 1, rbit, sticky);
    if (up) {
      frac += 1;
      if (frac === 0x800000) {
        frac = 0;
        e += 1;
      }
    }
    f.roundedUp = up;
    N_HI = 0;
    N_LO = ((sign << 31) | (e << 23) | frac) | 0;
  }
  if (rbit !== 0 || sticky) f.flags |= EXC_PE;
  return true;
}

/** Packs sign/exponent/fraction (fraction as a double below 2^52) into N_HI:N_LO. */
function encode(dbl: boolean, sign: number, e: number, frac: number, indefinite: boolean): boolean {
  if (dbl) {
    if (indefinite) {
      N_HI = 0xfff80000 | 0;
      N_LO = 0;
      return true;
    }
    const fl = frac % TWO32;
    N_LO = fl | 0;
    N_HI = ((sign << 31) | (e << 20) | ((frac - fl) / TWO32)) | 0;
  } else {
    N_HI = 0;
    N_LO = indefinite ? 0xffc00000 | 0 : ((sign << 31) | (e << 23) | frac) | 0;
  }
  return true;
}

/**
 * Rounds slot `s` to an integer by FCW.RC and stores it as a two's-complement number of
 * `bits` (16, 32, 64) in N_HI:N_LO. Out of range, NaN, infinity and unsupported operands raise
 * IE; the masked response is the integer indefinite (SDM vol. 1 §4.8.3.6 / FIST).
 * Returns false when nothing may be stored.
 */
export function toInt(f: Fp80, s: number, bits: number, ieUnmasked: boolean): boolean {
  const cls = f.classify(s);
  f.roundedUp = false;
  if (cls === CLS_ZERO) {
    N_LO = 0;
    N_HI = 0;
    return true;
  }
  if (cls !== CLS_DENORMAL && cls !== 1) return intInvalid(f, bits, ieUnmasked);
  // FIST lists no #D (SDM vol. 2 FIST): a denormal simply rounds to 0 or +-1.
  const sign = f.sign(s);
  if (!roundToIntegerSig(f, s)) return intInvalid(f, bits, ieUnmasked);
  let h = RINT[0], l = RINT[1];
  // Range check on the magnitude.
  if (bits === 64) {
    if (h >= 0x80000000 && !(sign && h === 0x80000000 && l === 0)) return intInvalid(f, bits, ieUnmasked);
  } else {
    const max = bits === 32 ? 0x80000000 : 0x8000;
    if (h !== 0 || l > max || (l === max && !sign)) return intInvalid(f, bits, ieUnmasked);
  }
  if (R_INEXACT) f.flags |= EXC_PE;
  if (sign) {
    l = TWO32 - l;
    h = TWO32 - 1 - h;
    if (l === TWO32) {
      l = 0;
      h += 1;
    }
  }
  N_LO = l | 0;
  N_HI = h | 0;
  return true;
}

function intInvalid(f: Fp80, bits: number, ieUnmasked: boolean): boolean {
  f.flags |= EXC_IE;
  f.roundedUp = false;
  if (ieUnmasked) return false;
  N_LO = bits === 16 ? 0x8000 : bits === 32 ? 0x80000000 | 0 : 0;
  N_HI = bits === 64 ? 0x80000000 | 0 : 0;
  return true;
}

/** Integer magnitude of a rounded finite slot (RINT[0]:RINT[1]) and whether rounding was inexact. */
export const RINT = new Float64Array(2); // [high, low] of the rounded magnitude
export let R_INEXACT = false;

/**
 * Rounds the magnitude of finite slot `s` to an integer by FCW.RC. Returns false when it
 * needs more than 64 bits. Sets f.roundedUp.
 */
export function roundToIntegerSig(f: Fp80, s: number): boolean {
  const sign = f.sign(s);
  f.unpack(s);
  const E = f.u[0] - 16383; // value = sig * 2^(E-63)
  const h = f.u[1], l = f.u[2];
  if (E > 63) return false;
  const shift = 63 - E;
  let rh: number, rl: number, rbit: number, sticky: boolean;
  if (shift === 0) {
    rh = h; rl = l; rbit = 0; sticky = false;
  } else if (shift >= 65) {
    rh = 0; rl = 0; rbit = 0; sticky = true;
  } else {
    rbit = bitAt(h, l, shift - 1);
    sticky = anyBelow(h, l, shift - 1);
    if (shift >= 64) {
      rh = 0; rl = 0;
    } else if (shift >= 32) {
      rh = 0;
      rl = h >>> (shift - 32);
    } else {
      rh = h >>> shift;
      rl = ((h << (32 - shift)) | (l >>> shift)) >>> 0;
    }
  }
  const up = roundUp(sign, f.rc, rl & 1, rbit, sticky);
  if (up) {
    rl += 1;
    if (rl === TWO32) {
      rl = 0;
      rh += 1;
      if (rh === TWO32) return false;
    }
  }
  f.roundedUp = up;
  RINT[0] = rh;
  RINT[1] = rl;
  R_INEXACT = rbit !== 0 || sticky;
  return true;
}

export function loadBcd(f: Fp80, dst: number, lo: number, mid: number, top16: number): void {
  // Bytes 0..8 hold 18 digits, two per byte, low digit first; byte 9 bit 7 is the sign.
  const b = BCD_BYTES;
  b[0] = lo & 0xff; b[1] = (lo >>> 8) & 0xff; b[2] = (lo >>> 16) & 0xff; b[3] = lo >>> 24;
  b[4] = mid & 0xff; b[5] = (mid >>> 8) & 0xff; b[6] = (mid >>> 16) & 0xff; b[7] = mid >>> 24;
  b[8] = top16 & 0xff;
  let upper = 0, lower = 0;
  // Nine high digits (bytes 8..4 high nibble) and nine low digits.
  for (let i = 17; i >= 9; i--) upper = upper * 10 + digit(b, i);
  for (let i = 8; i >= 0; i--) lower = lower * 10 + digit(b, i);
  // value = upper * 1e9 + lower, below 10^18 < 2^60: build the 64-bit halves exactly.
  const uLo = upper % 65536, uHi = (upper - uLo) / 65536;
  const p1 = uLo * 1e9 + lower; // < 2^46
  const p2 = uHi * 1e9; // < 2^44, scaled by 2^16
  // total = p2 * 65536 + p1
  const p1Lo = p1 % 65536;
  const mid16 = (p1 - p1Lo) / 65536 + p2; // < 2^45
  const totalLo = ((mid16 % 65536) * 65536 + p1Lo) >>> 0;
  const totalHi = Math.floor(mid16 / 65536);
  const sign = (top16 >>> 15) & 1;
  f.normRoundPack(dst, sign, 16383 + 63, totalHi | 0, totalLo | 0, 0, 64);
}
const BCD_BYTES = new Uint8Array(10);
function digit(b: Uint8Array, i: number): number {
  const byte = b[i >> 1];
  return (i & 1) !== 0 ? byte >>> 4 : byte & 15;
}

/** Packed BCD output: BCD_OUT[0..9]. */
export const BCD_OUT = new Uint8Array(10);

/** FBSTP conversion; returns false when nothing may be stored. */
export function toBcd(f: Fp80, s: number, ieUnmasked: boolean): boolean {
  const cls = f.classify(s);
  const sign = f.sign(s);
  const o = BCD_OUT;
  f.roundedUp = false;
  if (cls === CLS_ZERO) {
    o.fill(0);
    o[9] = sign << 7;
    return true;
  }
  let ok = cls === 1 || cls === CLS_DENORMAL;
  if (ok) {
    ok = roundToIntegerSig(f, s);
    // below 10^18 = 0x0DE0B6B3A7640000
    if (ok && (RINT[0] > 0x0de0b6b3 || (RINT[0] === 0x0de0b6b3 && RINT[1] >= 0xa7640000))) ok = false;
  }
  if (!ok) {
    f.flags |= EXC_IE;
    f.roundedUp = false;
    if (ieUnmasked) return false;
    o.fill(0);
    o[7] = 0xc0;
    o[8] = 0xff;
    o[9] = 0xff;
    return true;
  }
  if (R_INEXACT) f.flags |= EXC_PE;
  // Split into two 9-digit halves by 16-bit short division by 1e9.
  let rem = 0;
  let q = 0;
  for (let i = 0; i < 4; i++) {
    const w = i === 0 ? RINT[0] >>> 16 : i === 1 ? RINT[0] & 0xffff : i === 2 ? RINT[1] >>> 16 : RINT[1] & 0xffff;
    const cur = rem * 65536 + w;
    const qd = Math.floor(cur / 1e9);
    rem = cur - qd * 1e9;
    q = q * 65536 + qd;
  }
  let upper = q, lower = rem;
  o.fill(0);
  for (let i = 0; i < 9; i++) {
    const lo2 = lower % 10;
    lower = (lower - lo2) / 10;
    const hi2 = upper % 10;
    upper = (upper - hi2) / 10;
    setDigit(o, i, lo2);
    setDigit(o, i + 9, hi2);
  }
  o[9] = sign << 7;
  return true;
}
function setDigit(o: Uint8Array, i: number, d: number): void {
  const k = i >> 1;
  o[k] |= (i & 1) === 0 ? d : d << 4;
}

