// RSDP, revision 0 (ACPI 1.0 layout, §5.2.5.3): 20 bytes on a 16-byte boundary in
// 0xE0000-0xFFFFF, where Linux's acpi_find_root_pointer scans for "RSD PTR ".
import { OEM_ID, TableWriter } from './table-writer';

export const RSDP_SIZE = 20;

export function buildRsdp(rsdtAddress: number): Uint8Array {
  const w = new TableWriter(RSDP_SIZE);
  w.ascii(0, 'RSD PTR ', 8).ascii(9, OEM_ID, 6).u8(15, 0).u32(16, rsdtAddress);
  return w.finish(8, RSDP_SIZE);
}
