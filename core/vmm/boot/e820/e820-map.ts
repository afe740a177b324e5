// The guest's physical memory map (the BIOS INT 15h E820 answer), as PLATFORM.md lays it
// out. The Linux zero page and the Multiboot mmap are both written from it.
import { BootError } from '../common';

/** ACPI spec §15 "System Address Map Interfaces", Table 15-1 address range types. */
export const E820_USABLE = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;

export interface E820Entry {
  readonly addr: number;
  readonly size: number;
  readonly type: number;
}

export const EBDA_START = 0x9fc00;
export const LOW_RAM_END = 0xa0000;
export const BIOS_AREA_START = 0xe0000;
export const HIGH_RAM_START = 0x100000;
export const IOAPIC_BASE = 0xfec00000;
export const LAPIC_BASE = 0xfee00000;
const MIN_RAM = 2 * HIGH_RAM_START;

export function pcE820Map(ramBytes: number): E820Entry[] {
  if (!Number.isInteger(ramBytes) || ramBytes < MIN_RAM || ramBytes > IOAPIC_BASE) {
    throw new BootError(`e820: RAM size ${ramBytes} must be a whole number of bytes between 2 MiB and 0xFEC00000`);
  }
  return [
    { addr: 0, size: EBDA_START, type: E820_USABLE },
    { addr: EBDA_START, size: LOW_RAM_END - EBDA_START, type: E820_RESERVED },
    { addr: BIOS_AREA_START, size: HIGH_RAM_START - BIOS_AREA_START, type: E820_RESERVED },
    { addr: HIGH_RAM_START, size: ramBytes - HIGH_RAM_START, type: E820_USABLE },
    { addr: IOAPIC_BASE, size: 0x1000, type: E820_RESERVED },
    { addr: LAPIC_BASE, size: 0x1000, type: E820_RESERVED },
  ];
}

/** The highest usable byte address + 1 below 4 GiB (the end of the RAM above 1 MiB). */
export function usableRamEnd(map: readonly E820Entry[]): number {
  let end = 0;
  for (const e of map) if (e.type === E820_USABLE) end = Math.max(end, e.addr + e.size);
  return end;
}
