// DSDT (§5.2.11.1): the AML namespace. `_S5` (soft off), and the PCI host bridge as \_SB.PCI0:
// with ACPI on, Linux scans PCI only below a PNP0A03 device (pci_acpi_init replaces the
// legacy probe), so without it the 440FX/PIIX3 functions would never be found. Linux's ACPICA
// creates \_SB itself, and finds the UARTs, the i8042 and the RTC at their legacy addresses.
import * as aml from './aml';
import { dwordMemory, fixedIo16, resourceTemplate, wordBusNumber, wordIo } from './aml-resources';
import type { AcpiPlatform } from './platform';
import { SDT_HEADER_SIZE, TableWriter } from './table-writer';

/** The PCI memory window: from the end of RAM up to the I/O APIC (PLATFORM.md's MMIO hole). */
export function pciMemoryWindow(p: AcpiPlatform, ramBytes: number): { min: number; max: number } {
  return { min: ramBytes, max: p.ioApic.base - 1 };
}

export function dsdtBody(p: AcpiPlatform, ramBytes: number): Uint8Array {
  const window = pciMemoryWindow(p, ramBytes);
  const crs = resourceTemplate([
    wordBusNumber(0x00, 0xff),
    fixedIo16(0xcf8, 8), // config mechanism #1, consumed by the bridge itself
    wordIo(0x0000, 0x0cf7),
    wordIo(0x0d00, 0xffff),
    dwordMemory(0x000a0000, 0x000bffff), // legacy VGA window
    dwordMemory(window.min, window.max),
  ]);
  return aml.concat([
    aml.scope('_SB', [
      aml.device('PCI0', [aml.name('_HID', aml.eisaId('PNP0A03')), aml.name('_UID', aml.integer(0)), aml.name('_CRS', crs)]),
    ]),
    // Package {PM1a_CNT.SLP_TYP, PM1b_CNT.SLP_TYP} (§7.4.2 "\_Sx System States").
    aml.name('_S5', aml.pkg([aml.integer(p.s5SleepType), aml.integer(p.s5SleepType)])),
  ]);
}

export function buildDsdt(p: AcpiPlatform, ramBytes: number): Uint8Array {
  const body = dsdtBody(p, ramBytes);
  // Revision 1: AML integers are 32-bit (revision 2+ makes them 64-bit).
  return new TableWriter(SDT_HEADER_SIZE + body.length).header('DSDT', 1).set(SDT_HEADER_SIZE, body).finish();
}
