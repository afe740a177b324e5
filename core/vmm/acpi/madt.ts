// MADT, "APIC" (§5.2.12): the local APIC address, PCAT_COMPAT (the 8259s are there too),
// one Processor Local APIC per CPU, the I/O APIC and the ISA interrupt source overrides.
import type { AcpiPlatform } from './platform';
import { SDT_HEADER_SIZE, TableWriter } from './table-writer';

export const MADT_PCAT_COMPAT = 1;
const LAPIC_ENTRY = 8;
const IOAPIC_ENTRY = 12;
const ISO_ENTRY = 10;

export function buildMadt(p: AcpiPlatform): Uint8Array {
  const length = SDT_HEADER_SIZE + 8 + LAPIC_ENTRY * p.cpuApicIds.length + IOAPIC_ENTRY + ISO_ENTRY * p.isaOverrides.length;
  const w = new TableWriter(length).header('APIC', 1);
  w.u32(36, p.localApicBase).u32(40, MADT_PCAT_COMPAT);
  let at = 44;
  p.cpuApicIds.forEach((apicId, uid) => {
    // type 0, length 8, ACPI processor UID, APIC ID, flags: bit 0 enabled
    w.u8(at, 0).u8(at + 1, LAPIC_ENTRY).u8(at + 2, uid).u8(at + 3, apicId).u32(at + 4, 1);
    at += LAPIC_ENTRY;
  });
  // type 1, length 12, I/O APIC ID, reserved, address, GSI base
  w.u8(at, 1).u8(at + 1, IOAPIC_ENTRY).u8(at + 2, p.ioApic.id).u8(at + 3, 0).u32(at + 4, p.ioApic.base).u32(at + 8, p.ioApic.gsiBase);
  at += IOAPIC_ENTRY;
  for (const o of p.isaOverrides) {
    // type 2, length 10, bus 0 (ISA), source IRQ, GSI, MPS INTI flags
    w.u8(at, 2).u8(at + 1, ISO_ENTRY).u8(at + 2, 0).u8(at + 3, o.source).u32(at + 4, o.gsi).u16(at + 8, o.flags);
    at += ISO_ENTRY;
  }
  return w.finish();
}
