// Builds the whole ACPI table set and places it in the BIOS area at 0xE0000 (reserved in
// the e820 map): RSDP first, then RSDT, FADT, FACS, MADT, DSDT. Returns where each went.
import type { GuestMemory } from '../../memory';
import { buildDsdt } from './dsdt';
import { FACS_ALIGN, buildFacs } from './facs';
import { FADT_SIZE, buildFadt } from './fadt';
import { buildMadt } from './madt';
import { type AcpiPlatform, PC_ACPI_PLATFORM } from './platform';
import { RSDP_SIZE, buildRsdp } from './rsdp';
import { buildRsdt } from './rsdt';
import { AcpiError, SDT_HEADER_SIZE } from './table-writer';

export const ACPI_AREA_START = 0xe0000;
export const ACPI_AREA_END = 0x100000;

export interface PlacedTable {
  readonly signature: string;
  readonly addr: number;
  readonly bytes: Uint8Array;
}

export interface AcpiTables {
  readonly rsdp: number;
  /** By signature: RSD PTR, RSDT, FACP, FACS, APIC, DSDT. */
  readonly tables: readonly PlacedTable[];
}

/** Lay the tables out from `base` (in guest-physical terms) for a VM of `ramBytes`, without touching memory. */
export function layoutAcpiTables(ramBytes: number, platform: AcpiPlatform = PC_ACPI_PLATFORM, base = ACPI_AREA_START): AcpiTables {
  let next = base;
  const take = (size: number, align: number): number => {
    const at = Math.ceil(next / align) * align;
    next = at + size;
    return at;
  };
  const dsdt = buildDsdt(platform, ramBytes);
  const madt = buildMadt(platform);
  const facs = buildFacs();
  const rsdpAddr = take(RSDP_SIZE, 16);
  const rsdtAddr = take(SDT_HEADER_SIZE + 4 * 2, 16); // FADT and MADT
  const fadtAddr = take(FADT_SIZE, 16);
  const facsAddr = take(facs.length, FACS_ALIGN);
  const madtAddr = take(madt.length, 16);
  const dsdtAddr = take(dsdt.length, 16);
  const rsdt = buildRsdt([fadtAddr, madtAddr]);
  const fadt = buildFadt(platform, facsAddr, dsdtAddr);
  if (next > ACPI_AREA_END) throw new AcpiError(`acpi: the tables need ${next - base} bytes from 0x${base.toString(16)}, past 0x${ACPI_AREA_END.toString(16)}`);
  return {
    rsdp: rsdpAddr,
    tables: [
      { signature: 'RSD PTR ', addr: rsdpAddr, bytes: buildRsdp(rsdtAddr) },
      { signature: 'RSDT', addr: rsdtAddr, bytes: rsdt },
      { signature: 'FACP', addr: fadtAddr, bytes: fadt },
      { signature: 'FACS', addr: facsAddr, bytes: facs },
      { signature: 'APIC', addr: madtAddr, bytes: madt },
      { signature: 'DSDT', addr: dsdtAddr, bytes: dsdt },
    ],
  };
}

/** Build the tables and write them into guest RAM; the result's `rsdp` goes to the boot loader. */
export function installAcpiTables(memory: GuestMemory, platform: AcpiPlatform = PC_ACPI_PLATFORM): AcpiTables {
  if (!memory.contains(ACPI_AREA_START, ACPI_AREA_END - ACPI_AREA_START)) throw new AcpiError(`acpi: guest RAM (${memory.size} bytes) does not reach the BIOS area at 0xE0000`);
  const layout = layoutAcpiTables(memory.size, platform);
  for (const t of layout.tables) memory.write(t.addr, t.bytes);
  return layout;
}
