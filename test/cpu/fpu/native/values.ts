// Operand pools for the native x87 comparison: 80-bit values as 'sexp:significand' hex
// strings (sign/exponent word, then the 64-bit significand), special encodings of every
// class, rounding ties at each precision, and seeded random values.

export type V80 = string;

/** Every class of operand the SDM distinguishes, plus values that round at each RC/PC. */
export const SPECIAL: V80[] = [
  '0000:0000000000000000', '8000:0000000000000000', // +0, -0
  '3fff:8000000000000000', 'bfff:8000000000000000', // +1, -1
  '4000:c000000000000000', // 3
  '3ffd:aaaaaaaaaaaaaaab', // ~1/3
  '4000:c90fdaa22168c235', // pi
  '7ffe:ffffffffffffffff', 'fffe:ffffffffffffffff', // +-max
  '0001:8000000000000000', '8001:8000000000000000', // +-min normal
  '0000:0000000000000001', '8000:4000000000000000', // denormals
  '0000:8000000000000001', // pseudo-denormal
  '7fff:8000000000000000', 'ffff:8000000000000000', // +-inf
  '7fff:c000000000001234', 'ffff:c000000000000000', // QNaN, indefinite
  '7fff:8000000000005678', 'ffff:a000000000000000', // SNaNs
  '4000:4000000000000000', // unnormal
  '7fff:0000000000000000', // pseudo-infinity
  '3fff:8000008000000000', '3fff:8000018000000000', // single-precision ties
  '3fff:8000000000000400', '3fff:8000000000000c00', // double-precision ties
  '3fff:ffffffffffffffff', // just below 2: rounds up at every precision
  '403e:8000000000000000', 'c03e:8000000000000000', // +-2^63
  '4000:a000000000000000', '3ffe:8000000000000000', // 2.5, 0.5
  'bffe:c000000000000000', // -0.75
  '407e:ffffff8000000000', // just above single max
  '43fe:fffffffffffff800', // double max
  '3f81:8000000000000000', '3f69:c000000000000000', // single denormal range
  '3c01:8000000000000000', '3bcd:e000000000000000', // double denormal range
  '0040:8000000000000000', '3fc0:8000000000000001', // tiny and tiny*huge region
];

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (n: number, w: number): string => (n >>> 0).toString(16).padStart(w, '0');

export function v80(sign: number, exp: number, hi: number, lo: number): V80 {
  return `${hex((sign << 15) | exp, 4)}:${hex(hi, 8)}${hex(lo, 8)}`;
}

/** Random normal value with exponent in [emin, emax] (biased). */
export function randomNormal(r: () => number, emin: number, emax: number): V80 {
  const e = emin + Math.floor(r() * (emax - emin + 1));
  const hi = (0x80000000 | Math.floor(r() * 0x80000000)) >>> 0;
  // Sometimes short significands, so that results are exact or tie at a precision.
  const kind = Math.floor(r() * 4);
  const lo = kind === 0 ? 0 : Math.floor(r() * 4294967296);
  const hiMasked = kind === 1 ? (hi & 0xffffff00) >>> 0 : hi;
  return v80(r() < 0.5 ? 0 : 1, e, hiMasked, lo);
}

export function randomPool(seed: number, n: number, emin: number, emax: number): V80[] {
  const r = rng(seed);
  const out: V80[] = [];
  for (let i = 0; i < n; i++) out.push(randomNormal(r, emin, emax));
  return out;
}

/** Exact 80-bit form of a double. */
export function fromDouble(x: number): V80 {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x, true);
  const lo = b.getUint32(0, true), hi = b.getUint32(4, true);
  const sign = hi >>> 31;
  const e = (hi >>> 20) & 0x7ff;
  if (e === 0 && (hi & 0xfffff) === 0 && lo === 0) return v80(sign, 0, 0, 0);
  if (e === 0 || e === 0x7ff) throw new Error('fromDouble: normal doubles only');
  const sh = (0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21)) >>> 0;
  const sl = (lo << 11) >>> 0;
  return v80(sign, e - 1023 + 16383, sh, sl);
}

/** m32fp encodings: zeros, denormals, infinities, NaNs, extremes, ties. */
export const SPECIAL_F32: number[] = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff,
  0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00001, 0xff800001, 0x40490fdb,
  0x3eaaaaab, 0x4b000001, 0xcf000000,
];

/** m64fp encodings as [lo, hi]. */
export const SPECIAL_F64: [number, number][] = [
  [0, 0], [0, 0x80000000], [0, 0x3ff00000], [0, 0xbff00000], [1, 0], [0xffffffff, 0x800fffff],
  [0, 0x00100000], [0xffffffff, 0x7fefffff], [0, 0x7ff00000], [0, 0xfff00000], [0, 0x7ff80000],
  [0, 0xfff80000], [1, 0x7ff00000], [0, 0x7ff40000], [0x54442d18, 0x400921fb], [0x55555555, 0x3fd55555],
  [1, 0x43300000], [0, 0xc3e00000],
];

export const SPECIAL_I16 = [0, 1, -1, 32767, -32768, 12345, -300];
export const SPECIAL_I32 = [0, 1, -1, 0x7fffffff, -0x80000000, 123456789, -987654321, 16777217];
export const SPECIAL_I64: [number, number][] = [
  [0, 0], [1, 0], [0xffffffff, 0xffffffff], [0xffffffff, 0x7fffffff], [0, 0x80000000],
  [0x89abcdef, 0x01234567], [0x00000001, 0x00200000], [0xfffff801, 0xffffffff],
];
