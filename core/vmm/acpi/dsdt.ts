// DSDT (§5.2.11.1): the AML namespace. Only `_S5` (soft off) is needed: Linux's ACPICA
// creates \_SB and the other root scopes itself, finds the serial ports, i8042 and RTC by
// their legacy addresses, and probes PCI through mechanism #1 when no PCI0 is described.
import * as aml from './aml';
import type { AcpiPlatform } from './platform';
import { SDT_HEADER_SIZE, TableWriter } from './table-writer';

export function dsdtBody(p: AcpiPlatform): Uint8Array {
  // Package {PM1a_CNT.SLP_TYP, PM1b_CNT.SLP_TYP} (§7.4.2 "\_Sx System States").
  return aml.concat([aml.name('_S5', aml.pkg([aml.integer(p.s5SleepType), aml.integer(p.s5SleepType)]))]);
}

export function buildDsdt(p: AcpiPlatform): Uint8Array {
  const body = dsdtBody(p);
  // Revision 1: AML integers are 32-bit (revision 2+ makes them 64-bit).
  return new TableWriter(SDT_HEADER_SIZE + body.length).header('DSDT', 1).set(SDT_HEADER_SIZE, body).finish();
}
