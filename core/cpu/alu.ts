// Integer arithmetic with flags: the eight ALU operations, INC/DEC/NEG, shifts and
// rotates (count masked to 5 bits as on the 386), multiply and divide (64-bit halves
// without BigInt: STACK.md), BCD adjusts. Widths are given by the sign bit 0x80/0x8000/1<<31.
import { AF, CF, EAX, EDX, EXC_DE, OF } from './constants';
import type { CpuOperands } from './operands';
import { LZ_ADC, LZ_ADD, LZ_LOGIC, LZ_SBB, LZ_SUB } from './registers';

type C = CpuOperands;

/** One of ADD OR ADC SBB AND SUB XOR CMP (ModR/M reg order); returns the masked result. */
export function alu(c: C, op: number, a: number, b: number, sign: number): number {
  const m = (sign << 1) - 1;
  let r: number;
  switch (op) {
    case 0: r = (a + b) | 0; c.setLazy(LZ_ADD, a, b, r, sign); break;
    case 1: r = (a | b) & m; c.setLazy(LZ_LOGIC, 0, 0, r, sign); break;
    case 2: {
      const cin = c.getCF() ? 1 : 0;
      r = (a + b + cin) | 0;
      c.setLazy(LZ_ADC, a, b, r, sign);
      c.lzCarry = cin;
      break;
    }
    case 3: {
      const cin = c.getCF() ? 1 : 0;
      r = (a - b - cin) | 0;
      c.setLazy(LZ_SBB, a, b, r, sign);
      c.lzCarry = cin;
      break;
    }
    case 4: r = a & b & m; c.setLazy(LZ_LOGIC, 0, 0, r, sign); break;
    case 5:
    case 7: r = (a - b) | 0; c.setLazy(LZ_SUB, a, b, r, sign); break;
    default: r = (a ^ b) & m; c.setLazy(LZ_LOGIC, 0, 0, r, sign); break;
  }
  return r & m;
}

export function inc(c: C, a: number, sign: number): number {
  const r = (a + 1) | 0;
  c.setLazyKeepCF(LZ_ADD, a, r, sign);
  return r & ((sign << 1) - 1);
}
export function dec(c: C, a: number, sign: number): number {
  const r = (a - 1) | 0;
  c.setLazyKeepCF(LZ_SUB, a, r, sign);
  return r & ((sign << 1) - 1);
}
export function neg(c: C, a: number, sign: number): number {
  const r = (0 - a) | 0;
  c.setLazy(LZ_SUB, 0, a, r, sign);
  return r & ((sign << 1) - 1);
}

/** ROL ROR RCL RCR SHL SHR SAL SAR of `v` (zero-extended) by `count` (already & 31). */
export function shift(c: C, op: number, v: number, count: number, sign: number): number {
  const m = (sign << 1) - 1;
  const bits = sign === 0x80 ? 8 : sign === 0x8000 ? 16 : 32;
  v &= m;
  if (count === 0) return v;
  let r: number;
  let cf: number;
  let of: number;
  switch (op) {
    case 0: { // ROL
      const n = count % bits;
      r = n === 0 ? v : ((v << n) | (v >>> (bits - n))) & m;
      cf = r & 1;
      of = ((r & sign) !== 0 ? 1 : 0) ^ cf;
      c.setFlagBits(CF | OF, (cf ? CF : 0) | (of ? OF : 0));
      return r;
    }
    case 1: { // ROR
      const n = count % bits;
      r = n === 0 ? v : ((v >>> n) | (v << (bits - n))) & m;
      cf = (r & sign) !== 0 ? 1 : 0;
      of = cf ^ ((r & (sign >>> 1)) !== 0 ? 1 : 0);
      c.setFlagBits(CF | OF, (cf ? CF : 0) | (of ? OF : 0));
      return r;
    }
    case 2: { // RCL: rotate through carry, bits+1 positions
      const n = bits === 32 ? count : count % (bits + 1);
      cf = c.getCF() ? 1 : 0;
      r = v;
      for (let i = 0; i < n; i++) {
        const out = (r & sign) !== 0 ? 1 : 0;
        r = ((r << 1) | cf) & m;
        cf = out;
      }
      of = ((r & sign) !== 0 ? 1 : 0) ^ cf;
      c.setFlagBits(CF | OF, (cf ? CF : 0) | (of ? OF : 0));
      return r;
    }
    case 3: { // RCR
      const n = bits === 32 ? count : count % (bits + 1);
      cf = c.getCF() ? 1 : 0;
      r = v;
      // OF is computed from the operand before rotation for count 1 (SDM RCR).
      of = ((r & sign) !== 0 ? 1 : 0) ^ cf;
      for (let i = 0; i < n; i++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf ? sign : 0)) & m;
        cf = out;
      }
      if (n !== 1) of = ((r & sign) !== 0 ? 1 : 0) ^ ((r & (sign >>> 1)) !== 0 ? 1 : 0);
      c.setFlagBits(CF | OF, (cf ? CF : 0) | (of ? OF : 0));
      return r;
    }
    case 4:
    case 6: // SHL/SAL
      r = count < 32 ? (v << count) & m : 0;
      cf = count <= bits ? (v >>> (bits - count)) & 1 : 0;
      of = ((r & sign) !== 0 ? 1 : 0) ^ cf;
      break;
    case 5: // SHR
      r = v >>> count;
      cf = (v >>> (count - 1)) & 1;
      of = (v & sign) !== 0 ? 1 : 0;
      break;
    default: { // SAR
      const s = bits === 32 ? v | 0 : bits === 16 ? (v << 16) >> 16 : (v << 24) >> 24;
      r = (s >> count) & m;
      cf = (s >> (count - 1)) & 1;
      of = 0;
      break;
    }
  }
  c.setSZP(r, sign, (cf ? CF : 0) | (of ? OF : 0), CF | OF | AF);
  return r;
}

/** SHLD/SHRD (count & 31 already; count 0 changes nothing). */
export function shiftDouble(c: C, left: boolean, dst: number, src: number, count: number, sign: number): number {
  const bits = sign === 0x8000 ? 16 : 32;
  const m = (sign << 1) - 1;
  if (count === 0) return dst & m;
  let r: number;
  let cf: number;
  if (bits === 32) {
    if (left) {
      r = (dst << count) | (src >>> (32 - count));
      cf = (dst >>> (32 - count)) & 1;
    } else {
      r = (dst >>> count) | (src << (32 - count));
      cf = (dst >>> (count - 1)) & 1;
    }
  } else {
    // 16-bit operands with count > 16 are undefined; we shift the 32-bit concatenation.
    if (left) {
      const cat = ((dst & 0xffff) << 16) | (src & 0xffff);
      r = ((cat << count) >>> 16) & 0xffff;
      cf = (cat >>> (32 - count)) & 1;
    } else {
      const cat = ((src & 0xffff) << 16) | (dst & 0xffff);
      r = (cat >>> count) & 0xffff;
      cf = (cat >>> (count - 1)) & 1;
    }
  }
  r &= m;
  const of = ((r ^ dst) & sign) !== 0 ? 1 : 0;
  c.setSZP(r, sign, (cf ? CF : 0) | (of ? OF : 0), CF | OF | AF);
  return r;
}

// ---- multiply ----
/** High 32 bits of the last 32x32 multiply. */
let mulHigh = 0;
export function mulHi(): number {
  return mulHigh;
}
/** Unsigned 32x32 -> 64; returns the low half, high half via mulHi(). */
export function mulU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const lo = a0 * b0;
  const m1 = a1 * b0;
  const m2 = a0 * b1;
  const t = (lo >>> 16) + (m1 & 0xffff) + (m2 & 0xffff);
  mulHigh = (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + Math.floor(t / 65536)) | 0;
  return ((t << 16) | (lo & 0xffff)) | 0;
}
export function mulS32(a: number, b: number): number {
  const lo = mulU32(a, b);
  let hi = mulHigh;
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  mulHigh = hi;
  return lo;
}

function mulFlags(c: C, overflow: boolean, lowResult: number, sign: number): void {
  // CF=OF=overflow; SF/ZF/PF/AF are undefined (we set them from the low result, as P6 does).
  c.setSZP(lowResult, sign, overflow ? CF | OF : 0, CF | OF | AF);
}

/** F6/F7 /4../7 and IMUL forms. `size` 8/16/32. */
export function mul(c: C, v: number, size: number): void {
  const r = c.regs;
  if (size === 8) {
    const p = (r[EAX]! & 0xff) * v;
    c.setReg16(EAX, p);
    mulFlags(c, p > 0xff, p, 0x80);
  } else if (size === 16) {
    const p = (r[EAX]! & 0xffff) * v;
    c.setReg16(EAX, p);
    c.setReg16(EDX, p >>> 16);
    mulFlags(c, p > 0xffff, p, 0x8000);
  } else {
    const lo = mulU32(r[EAX]!, v);
    r[EAX] = lo;
    r[EDX] = mulHigh;
    mulFlags(c, mulHigh !== 0, lo, 0x80000000 | 0);
  }
}
export function imul1(c: C, v: number, size: number): void {
  const r = c.regs;
  if (size === 8) {
    const p = ((r[EAX]! << 24) >> 24) * ((v << 24) >> 24);
    c.setReg16(EAX, p);
    mulFlags(c, p !== (p << 24) >> 24, p, 0x80);
  } else if (size === 16) {
    const p = ((r[EAX]! << 16) >> 16) * ((v << 16) >> 16);
    c.setReg16(EAX, p);
    c.setReg16(EDX, p >> 16);
    mulFlags(c, p !== (p << 16) >> 16, p, 0x8000);
  } else {
    const lo = mulS32(r[EAX]!, v);
    r[EAX] = lo;
    r[EDX] = mulHigh;
    mulFlags(c, mulHigh !== lo >> 31, lo, 0x80000000 | 0);
  }
}
/** Two/three-operand IMUL: returns the truncated product. */
export function imul2(c: C, a: number, b: number, size: number): number {
  if (size === 16) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    mulFlags(c, p !== (p << 16) >> 16, p, 0x8000);
    return p & 0xffff;
  }
  const lo = mulS32(a, b);
  mulFlags(c, mulHigh !== lo >> 31, lo, 0x80000000 | 0);
  return lo;
}

// ---- divide ----
function divError(c: C): never {
  return c.fault(EXC_DE, 0, false);
}
/** 64/32 unsigned division of hi:lo by d (all unsigned numbers, hi < d). Returns quotient, rem in divRem. */
let divRem = 0;
function udiv64(hi: number, lo: number, d: number): number {
  const n1 = hi * 65536 + (lo >>> 16);
  const q1 = Math.floor(n1 / d);
  const r1 = n1 - q1 * d;
  const n2 = r1 * 65536 + (lo & 0xffff);
  const q2 = Math.floor(n2 / d);
  divRem = n2 - q2 * d;
  return q1 * 65536 + q2;
}
export function div(c: C, v: number, size: number): void {
  const r = c.regs;
  if (size === 8) {
    v &= 0xff;
    if (v === 0) divError(c);
    const n = r[EAX]! & 0xffff;
    const q = Math.floor(n / v);
    if (q > 0xff) divError(c);
    c.setReg16(EAX, ((n % v) << 8) | q);
  } else if (size === 16) {
    v &= 0xffff;
    if (v === 0) divError(c);
    const n = ((r[EDX]! & 0xffff) * 65536) + (r[EAX]! & 0xffff);
    const q = Math.floor(n / v);
    if (q > 0xffff) divError(c);
    c.setReg16(EAX, q);
    c.setReg16(EDX, n % v);
  } else {
    const d = v >>> 0;
    if (d === 0) divError(c);
    const hi = r[EDX]! >>> 0;
    if (hi >= d) divError(c);
    const q = udiv64(hi, r[EAX]! >>> 0, d);
    r[EAX] = q | 0;
    r[EDX] = divRem | 0;
  }
}
export function idiv(c: C, v: number, size: number): void {
  const r = c.regs;
  if (size === 8) {
    const d = (v << 24) >> 24;
    if (d === 0) divError(c);
    const n = (r[EAX]! << 16) >> 16;
    const q = Math.trunc(n / d);
    if (q > 127 || q < -128) divError(c);
    c.setReg16(EAX, (((n % d) & 0xff) << 8) | (q & 0xff));
  } else if (size === 16) {
    const d = (v << 16) >> 16;
    if (d === 0) divError(c);
    const n = ((r[EDX]! << 16) | (r[EAX]! & 0xffff)) | 0;
    const q = Math.trunc(n / d);
    if (q > 32767 || q < -32768) divError(c);
    c.setReg16(EAX, q);
    c.setReg16(EDX, n % d);
  } else {
    const d = v | 0;
    if (d === 0) divError(c);
    let hi = r[EDX]!;
    let lo = r[EAX]!;
    const negN = hi < 0;
    if (negN) { // 64-bit negate
      lo = (~lo + 1) | 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) | 0;
    }
    const ad = Math.abs(d);
    if (hi >>> 0 >= ad) divError(c);
    const q = udiv64(hi >>> 0, lo >>> 0, ad);
    const negQ = negN !== d < 0;
    if (negQ ? q > 0x80000000 : q > 0x7fffffff) divError(c);
    r[EAX] = (negQ ? -q : q) | 0;
    r[EDX] = (negN ? -divRem : divRem) | 0;
  }
}

// ---- BCD (SDM vol. 2 DAA/DAS/AAA/AAS/AAM/AAD) ----
export function daa(c: C): void {
  const oldAl = c.regs[EAX]! & 0xff;
  const oldCf = c.getCF();
  let al = oldAl;
  let cf = false;
  let af = false;
  if ((al & 0xf) > 9 || c.getAF()) {
    al += 6;
    cf = oldCf || al > 0xff;
    af = true;
  }
  if (oldAl > 0x99 || oldCf) {
    al += 0x60;
    cf = true;
  }
  al &= 0xff;
  c.setReg8(0, al);
  c.setSZP(al, 0x80, (cf ? CF : 0) | (af ? AF : 0), CF | AF | OF);
}
export function das(c: C): void {
  const oldAl = c.regs[EAX]! & 0xff;
  const oldCf = c.getCF();
  let al = oldAl;
  let cf = false;
  let af = false;
  if ((al & 0xf) > 9 || c.getAF()) {
    al -= 6;
    cf = oldCf || al < 0;
    af = true;
  }
  if (oldAl > 0x99 || oldCf) {
    al -= 0x60;
    cf = true;
  }
  al &= 0xff;
  c.setReg8(0, al);
  c.setSZP(al, 0x80, (cf ? CF : 0) | (af ? AF : 0), CF | AF | OF);
}
export function aaa(c: C): void {
  let ax = c.regs[EAX]! & 0xffff;
  const adj = (ax & 0xf) > 9 || c.getAF();
  if (adj) ax = (ax + 0x106) & 0xffff;
  ax &= 0xff0f;
  c.setReg16(EAX, ax);
  c.setSZP(ax & 0xff, 0x80, adj ? CF | AF : 0, CF | AF | OF);
}
export function aas(c: C): void {
  let ax = c.regs[EAX]! & 0xffff;
  const adj = (ax & 0xf) > 9 || c.getAF();
  if (adj) {
    const al = ((ax & 0xff) - 6) & 0xff;
    const ah = ((ax >> 8) - 1 - ((ax & 0xff) < 6 ? 1 : 0)) & 0xff;
    ax = (ah << 8) | al;
  }
  ax &= 0xff0f;
  c.setReg16(EAX, ax);
  c.setSZP(ax & 0xff, 0x80, adj ? CF | AF : 0, CF | AF | OF);
}
export function aam(c: C, base: number): void {
  if (base === 0) divError(c);
  const al = c.regs[EAX]! & 0xff;
  const r = al % base;
  c.setReg16(EAX, (Math.floor(al / base) << 8) | r);
  c.setSZP(r, 0x80, 0, CF | AF | OF);
}
export function aad(c: C, base: number): void {
  const ax = c.regs[EAX]!;
  const r = ((ax & 0xff) + ((ax >> 8) & 0xff) * base) & 0xff;
  c.setReg16(EAX, r);
  c.setSZP(r, 0x80, 0, CF | AF | OF);
}

