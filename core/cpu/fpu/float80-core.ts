// The 80-bit extended-precision soft-float core: value slots in typed arrays, operand
// classification, and the one rounding routine every arithmetic result goes through
// (FCW.RC rounding modes, FCW.PC precision control, denormal/overflow/underflow responses
// of Intel SDM vol. 1 §4.9 and §8.5). It knows nothing of the register stack or of FSW bits
// beyond the six exception flags and the C1 "rounded up" bit it accumulates.
//
// A value slot holds sign/exponent (16 bits) and the 64-bit significand as two 32-bit halves,
// integer bit explicit. Significands are handled as unsigned numbers in locals and stored
// `| 0` in Int32Arrays (STACK.md: no heap numbers, no BigInt on the hot path).

export const EXC_IE = 0x01;
export const EXC_DE = 0x02;
export const EXC_ZE = 0x04;
export const EXC_OE = 0x08;
export const EXC_UE = 0x10;
export const EXC_PE = 0x20;
/** Stack fault bit in FSW (with IE). */
export const FSW_SF = 0x40;

export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;

/** Operand classes. */
export const CLS_ZERO = 0;
export const CLS_NORMAL = 1;
/** Denormal or pseudo-denormal (exponent 0, non-zero significand). */
export const CLS_DENORMAL = 2;
export const CLS_INF = 3;
export const CLS_QNAN = 4;
export const CLS_SNAN = 5;
/** Unnormal, pseudo-infinity, pseudo-NaN: invalid operands since the 80387 (SDM vol. 1 §8.2.2). */
export const CLS_UNSUPPORTED = 6;

export const TWO32 = 4294967296;
/** Bias adjustment for unmasked overflow/underflow (SDM vol. 1 §4.9.1.4, §4.9.1.5). */
export const BIAS_ADJUST = 24576;

/** Number of value slots: R0..R7 physical registers, then scratch slots. */
export const SLOT_COUNT = 24;
export const T0 = 8;
export const T1 = 9;
export const T3 = 11;
// Slots 16..23 hold FRSTOR/FXRSTOR images before they commit and transcendental temporaries.

export class Fp80 {
  readonly lo = new Int32Array(SLOT_COUNT);
  readonly hi = new Int32Array(SLOT_COUNT);
  /** sign << 15 | biased exponent. */
  readonly se = new Int32Array(SLOT_COUNT);

  /** Accumulated exception bits (EXC_*) of the current instruction. */
  flags = 0;
  /** The last rounding increased the magnitude (FSW.C1 after an inexact result). */
  roundedUp = false;
  /** FCW.RC */
  rc = 0;
  /** Unmasked overflow / underflow: produce bias-adjusted results instead of the masked response. */
  oeUnmasked = false;
  ueUnmasked = false;

  /** Unpacked operand written by unpack(): [exponent, significand high, significand low] (a typed array: no boxed doubles). */
  readonly u = new Float64Array(3);

  copy(dst: number, src: number): void {
    this.lo[dst] = this.lo[src];
    this.hi[dst] = this.hi[src];
    this.se[dst] = this.se[src];
  }

  set(dst: number, sign: number, exp: number, h: number, l: number): void {
    this.se[dst] = (sign << 15) | exp;
    this.hi[dst] = h | 0;
    this.lo[dst] = l | 0;
  }

  setIndefinite(dst: number): void {
    this.se[dst] = 0xffff;
    this.hi[dst] = 0xc0000000 | 0;
    this.lo[dst] = 0;
  }

  setZero(dst: number, sign: number): void {
    this.se[dst] = sign << 15;
    this.hi[dst] = 0;
    this.lo[dst] = 0;
  }

  setInf(dst: number, sign: number): void {
    this.se[dst] = (sign << 15) | 0x7fff;
    this.hi[dst] = 0x80000000 | 0;
    this.lo[dst] = 0;
  }

  sign(s: number): number {
    return (this.se[s] >>> 15) & 1;
  }

  exp(s: number): number {
    return this.se[s] & 0x7fff;
  }

  classify(s: number): number {
    const e = this.se[s] & 0x7fff;
    const h = this.hi[s];
    const l = this.lo[s];
    if (e === 0) return (h | l) === 0 ? CLS_ZERO : CLS_DENORMAL;
    if (h >= 0) return CLS_UNSUPPORTED; // integer bit clear
    if (e === 0x7fff) {
      if ((h & 0x7fffffff) === 0 && l === 0) return CLS_INF;
      return (h & 0x40000000) !== 0 ? CLS_QNAN : CLS_SNAN;
    }
    return CLS_NORMAL;
  }

  /** Sets uExp/uHi/uLo to the normalized significand (top bit set) and its exponent, which is below 1 for denormals. Finite non-zero values only. */
  unpack(s: number): void {
    let e = this.se[s] & 0x7fff;
    let h = this.hi[s] >>> 0;
    let l = this.lo[s] >>> 0;
    if (e === 0) {
      e = 1;
      if (h === 0) {
        h = l;
        l = 0;
        e -= 32;
      }
      const z = Math.clz32(h);
      if (z !== 0) {
        h = ((h << z) | (l >>> (32 - z))) >>> 0;
        l = (l << z) >>> 0;
        e -= z;
      }
    }
    this.u[0] = e;
    this.u[1] = h;
    this.u[2] = l;
  }

  /** Quiets a NaN in `src` into `dst`. */
  quiet(dst: number, src: number): void {
    this.copy(dst, src);
    this.hi[dst] |= 0x40000000;
  }

  /**
   * NaN result of a two-operand operation where at least one operand is a NaN
   * (SDM vol. 1 §4.8.3.5 table 4-7): SNaN raises IE; a QNaN beats an SNaN; two of a kind give
   * the one with the larger significand.
   */
  propagateNaN2(dst: number, a: number, b: number): void {
    const ca = this.classify(a);
    const cb = this.classify(b);
    if (ca === CLS_SNAN || cb === CLS_SNAN) this.flags |= EXC_IE;
    const an = ca === CLS_QNAN || ca === CLS_SNAN;
    const bn = cb === CLS_QNAN || cb === CLS_SNAN;
    if (an && bn) {
      if (ca === CLS_QNAN && cb === CLS_SNAN) return this.quiet(dst, a);
      if (cb === CLS_QNAN && ca === CLS_SNAN) return this.quiet(dst, b);
      const ah = (this.hi[a] | 0x40000000) >>> 0;
      const bh = (this.hi[b] | 0x40000000) >>> 0;
      const al = this.lo[a] >>> 0;
      const bl = this.lo[b] >>> 0;
      if (ah > bh || (ah === bh && al > bl)) return this.quiet(dst, a);
      if (ah === bh && al === bl) {
        // Equal significands: the positive one (observed on hardware).
        return this.quiet(dst, this.sign(a) === 0 ? a : b);
      }
      return this.quiet(dst, b);
    }
    this.quiet(dst, an ? a : b);
  }

  /**
   * Rounds sign/exp/significand (h:l with 32 extra bits x, sticky folded into x's bit 0) to
   * `prec` bits (64, 53 or 24) with the extended exponent range and stores the result in `dst`.
   * The significand must be normalized (bit 63 set). Sets PE/UE/OE and roundedUp.
   */
  roundPack(dst: number, sign: number, exp: number, h: number, l: number, x: number, prec: number): void {
    // Words may arrive as int32 (callers pass `| 0` so V8 need not box them, STACK.md).
    h >>>= 0;
    l >>>= 0;
    x >>>= 0;
    let tiny = false;
    if (exp <= 0) {
      // Tininess is detected after rounding (as if the exponent were unbounded): a value that
      // rounds up to the smallest normal is not tiny (observed on the host, IEEE 754 option).
      tiny = exp < 0 || !this.roundsToNextBinade(sign, h | 0, l | 0, x | 0, prec);
      if (!tiny) {
        // Rounds up to 2^-16382 exactly: plain rounding carries into exponent 1.
      } else if (this.ueUnmasked) {
        // SDM vol. 1 §4.9.1.5: unmasked underflow delivers the result with the exponent biased up.
        this.flags |= EXC_UE;
        if (exp + BIAS_ADJUST <= 0) {
          // Only FSCALE gets below even the adjusted range: the host returns a signed zero, inexact.
          this.flags |= EXC_PE;
          this.roundedUp = false;
          this.setZero(dst, sign);
          return;
        }
        exp += BIAS_ADJUST;
        tiny = false;
      } else {
        // Denormalize: shift right by 1 - exp with sticky.
        const n = 1 - exp;
        exp = 0;
        if (n >= 96) {
          x = (h | l | x) !== 0 ? 1 : 0;
          h = 0;
          l = 0;
        } else {
          let k = n;
          while (k >= 32) {
            x = (l >>> 0) | (x !== 0 ? 1 : 0);
            x = x >>> 0;
            l = h;
            h = 0;
            k -= 32;
          }
          if (k > 0) {
            const st = (x << (32 - k)) !== 0 ? 1 : 0;
            x = (((l << (32 - k)) | (x >>> k)) | st) >>> 0;
            l = ((h << (32 - k)) | (l >>> k)) >>> 0;
            h = h >>> k;
          }
        }
      }
    }
    const inc = this.roundIncrement(sign, h | 0, l | 0, x | 0, prec);
    const inexact = this.rInexact;
    // Truncate and increment.
    if (prec === 53) {
      l = (l & ~0x7ff) >>> 0;
      if (inc) {
        l += 0x800;
        if (l >= TWO32) {
          l -= TWO32;
          h += 1;
        }
      }
    } else if (prec === 24) {
      h = (h & ~0xff) >>> 0;
      l = 0;
      if (inc) h += 0x100;
    } else if (inc) {
      l += 1;
      if (l >= TWO32) {
        l = 0;
        h += 1;
      }
    }
    if (h >= TWO32) {
      h = 0x80000000;
      exp += 1;
    }
    if (exp === 0 && h >= 0x80000000) exp = 1; // a denormal rounded up into the normal range
    this.roundedUp = inc;
    if (inexact) {
      this.flags |= EXC_PE;
      if (tiny) this.flags |= EXC_UE;
    }
    if (exp >= 0x7fff) {
      this.flags |= EXC_OE;
      if (this.oeUnmasked && exp - BIAS_ADJUST >= 0x7fff) {
        // Only FSCALE gets beyond even the adjusted range: the host returns infinity, rounded up.
        this.flags |= EXC_PE;
        this.roundedUp = true;
        this.setInf(dst, sign);
        return;
      }
      if (this.oeUnmasked) {
        exp -= BIAS_ADJUST;
      } else {
        // Masked overflow (SDM vol. 1 §4.9.1.4 table 4-10): infinity or the largest finite value.
        this.flags |= EXC_PE;
        const rc = this.rc;
        const toInf = rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign !== 0);
        if (toInf) {
          this.roundedUp = true;
          this.setInf(dst, sign);
        } else {
          this.roundedUp = false;
          const mh = prec === 24 ? 0xffffff00 : 0xffffffff;
          const ml = prec === 64 ? 0xffffffff : prec === 53 ? 0xfffff800 : 0;
          this.set(dst, sign, 0x7ffe, mh, ml);
        }
        return;
      }
    }
    this.set(dst, sign, exp, h | 0, l | 0);
  }

  /** Set by roundIncrement: the discarded bits are non-zero. */
  rInexact = false;

  /** Whether rounding h:l:x to `prec` bits increments the kept part (FCW.RC). */
  roundIncrement(sign: number, h: number, l: number, x: number, prec: number): boolean {
    h >>>= 0;
    l >>>= 0;
    x >>>= 0;
    let above: boolean, half: boolean, inexact: boolean, lsbOdd: boolean;
    if (prec === 64) {
      inexact = x !== 0;
      half = x === 0x80000000;
      above = x > 0x80000000;
      lsbOdd = (l & 1) !== 0;
    } else if (prec === 53) {
      const r = l & 0x7ff;
      inexact = r !== 0 || x !== 0;
      half = r === 0x400 && x === 0;
      above = r > 0x400 || (r === 0x400 && x !== 0);
      lsbOdd = (l & 0x800) !== 0;
    } else {
      const r = h & 0xff;
      inexact = r !== 0 || l !== 0 || x !== 0;
      half = r === 0x80 && l === 0 && x === 0;
      above = r > 0x80 || (r === 0x80 && (l !== 0 || x !== 0));
      lsbOdd = (h & 0x100) !== 0;
    }
    this.rInexact = inexact;
    if (!inexact) return false;
    const rc = this.rc;
    if (rc === RC_NEAREST) return above || (half && lsbOdd);
    if (rc === RC_DOWN) return sign !== 0;
    if (rc === RC_UP) return sign === 0;
    return false;
  }

  /** The normalized significand h:l:x rounds up to the next power of two at `prec` bits. */
  private roundsToNextBinade(sign: number, h: number, l: number, x: number, prec: number): boolean {
    h >>>= 0;
    l >>>= 0;
    x >>>= 0;
    const allOnes = prec === 64 ? h === 0xffffffff && l === 0xffffffff
      : prec === 53 ? h === 0xffffffff && (l | 0x7ff) >>> 0 === 0xffffffff
      : (h | 0xff) >>> 0 === 0xffffffff;
    return allOnes && this.roundIncrement(sign, h | 0, l | 0, x | 0, prec);
  }

  /** Like roundPack, but normalizes first (h:l:x may have leading zeros; all-zero gives a zero of `sign`). */
  normRoundPack(dst: number, sign: number, exp: number, h: number, l: number, x: number, prec: number): void {
    h >>>= 0;
    l >>>= 0;
    x >>>= 0;
    if (h === 0) {
      if (l === 0) {
        if (x === 0) {
          this.roundedUp = false;
          this.setZero(dst, sign);
          return;
        }
        h = x;
        l = 0;
        x = 0;
        exp -= 64;
      } else {
        h = l;
        l = x;
        x = 0;
        exp -= 32;
      }
    }
    const z = Math.clz32(h);
    if (z !== 0) {
      h = ((h << z) | (l >>> (32 - z))) >>> 0;
      l = ((l << z) | (x >>> (32 - z))) >>> 0;
      x = (x << z) >>> 0;
      exp -= z;
    }
    this.roundPack(dst, sign, exp, h | 0, l | 0, x | 0, prec);
  }
}
