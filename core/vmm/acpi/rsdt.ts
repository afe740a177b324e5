// RSDT (§5.2.7): the header and one 32-bit pointer per table (FADT, MADT).
import { SDT_HEADER_SIZE, TableWriter } from './table-writer';

export function buildRsdt(entries: readonly number[]): Uint8Array {
  const w = new TableWriter(SDT_HEADER_SIZE + 4 * entries.length).header('RSDT', 1);
  entries.forEach((addr, i) => w.u32(SDT_HEADER_SIZE + 4 * i, addr));
  return w.finish();
}
