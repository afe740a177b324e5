// FACS (§5.2.10): 64 bytes, 64-byte aligned, no checksum. Nothing sleeps to S1-S4 here, so
// the waking vectors stay zero.
import { TableWriter } from './table-writer';

export const FACS_SIZE = 64;
export const FACS_ALIGN = 64;

export function buildFacs(): Uint8Array {
  const w = new TableWriter(FACS_SIZE);
  w.ascii(0, 'FACS', 4).u32(4, FACS_SIZE).u32(8, 0).u32(12, 0).u32(16, 0).u32(20, 0).u8(32, 1); // version 1 (ACPI 2.0+ layout)
  return w.bytes;
}
