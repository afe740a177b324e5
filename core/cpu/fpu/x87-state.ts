// Bit layout of the x87 control, status and tag words (SDM vol. 1 §8.1.3, §8.1.5, §8.1.7) and
// helpers to move an 80-bit slot to and from guest memory.

import type { FpuHost } from './fpu-host';
import type { Fp80 } from './float80-core';

export const FSW_C0 = 0x0100;
export const FSW_C1 = 0x0200;
export const FSW_C2 = 0x0400;
export const FSW_C3 = 0x4000;
export const FSW_ES = 0x0080;
export const FSW_B = 0x8000;

export const FCW_INIT = 0x037f;
/** Power-on FCW (SDM vol. 3 §9.1.1 table 9-1). */
export const FCW_RESET = 0x0040;
/** FCW bits that exist: masks, the always-one bit 6, PC, RC, X (infinity control, ignored since the 80387). */
export const FCW_WRITABLE = 0x1f3f;

export const MXCSR_DEFAULT = 0x1f80;

/** Tag field values of the full tag word. */
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

export function readSlot80(host: FpuHost, f: Fp80, dst: number, linear: number): void {
  const lo = host.read32(linear);
  const hi = host.read32(linear + 4);
  const se = host.read16(linear + 8);
  f.lo[dst] = lo | 0;
  f.hi[dst] = hi | 0;
  f.se[dst] = se & 0xffff;
}

export function writeSlot80(host: FpuHost, f: Fp80, src: number, linear: number): void {
  host.write32(linear, f.lo[src]);
  host.write32(linear + 4, f.hi[src]);
  host.write16(linear + 8, f.se[src]);
}
