// FADT, "FACP" (ACPI 3.0 §5.2.9, revision 3, 244 bytes): the fixed hardware of PLATFORM.md's
// PM block. Legacy 32-bit pointers and blocks and their X_ counterparts say the same thing,
// so readers of either vintage agree; ACPICA checks that they match.
import type { AcpiPlatform } from './platform';
import { GAS_SYSTEM_IO, TableWriter } from './table-writer';

export const FADT_REVISION = 3;
export const FADT_SIZE = 244;

/** Fixed feature flags (§5.2.9 Table 5-35). */
export const FADT_WBINVD = 1 << 0;
export const FADT_PROC_C1 = 1 << 2;
/** Set = the power button is a control-method device; clear = the fixed-feature button. */
export const FADT_PWR_BUTTON = 1 << 4;
/** Set = no fixed-feature sleep button. */
export const FADT_SLP_BUTTON = 1 << 5;
export const FADT_FIX_RTC = 1 << 6;
export const FADT_TMR_VAL_EXT = 1 << 8;
export const FADT_RESET_REG_SUP = 1 << 10;

/** IA-PC boot architecture flags (§5.2.9.3): legacy devices present, and an 8042. */
export const IAPC_LEGACY_DEVICES = 1 << 0;
export const IAPC_8042 = 1 << 1;

/** Field offsets (Table 5-34). */
export const FADT = {
  firmwareCtrl: 36,
  dsdt: 40,
  intModel: 44,
  sciInt: 46,
  smiCmd: 48,
  pm1aEvtBlk: 56,
  pm1aCntBlk: 64,
  pmTmrBlk: 76,
  gpe0Blk: 80,
  pm1EvtLen: 88,
  pm1CntLen: 89,
  pmTmrLen: 91,
  gpe0BlkLen: 92,
  pLvl2Lat: 96,
  pLvl3Lat: 98,
  century: 108,
  iapcBootArch: 109,
  flags: 112,
  resetReg: 116,
  resetValue: 128,
  xFirmwareCtrl: 132,
  xDsdt: 140,
  xPm1aEvtBlk: 148,
  xPm1aCntBlk: 172,
  xPmTmrBlk: 208,
  xGpe0Blk: 220,
} as const;

export function buildFadt(p: AcpiPlatform, facs: number, dsdt: number): Uint8Array {
  const w = new TableWriter(FADT_SIZE).header('FACP', FADT_REVISION);
  w.u32(FADT.firmwareCtrl, facs).u32(FADT.dsdt, dsdt);
  w.u8(FADT.intModel, 1); // ACPI 1.0 INT_MODEL: multiple APIC; reserved since 2.0, kept for old readers
  w.u16(FADT.sciInt, p.sciIrq);
  // SMI_CMD 0: no ACPI enable handshake, the hardware is always in ACPI mode (SCI_EN reads 1).
  w.u32(FADT.smiCmd, 0);
  w.u32(FADT.pm1aEvtBlk, p.pm1aEvtBlk).u32(FADT.pm1aCntBlk, p.pm1aCntBlk).u32(FADT.pmTmrBlk, p.pmTmrBlk).u32(FADT.gpe0Blk, p.gpe0Blk);
  w.u8(FADT.pm1EvtLen, 4).u8(FADT.pm1CntLen, 2).u8(FADT.pmTmrLen, 4).u8(FADT.gpe0BlkLen, p.gpe0BlkLen);
  // Latencies above 100 / 1000 µs mean "C2 / C3 not supported".
  w.u16(FADT.pLvl2Lat, 0x0fff).u16(FADT.pLvl3Lat, 0x0fff);
  w.u8(FADT.century, p.rtcCenturyIndex);
  w.u16(FADT.iapcBootArch, IAPC_LEGACY_DEVICES | IAPC_8042); // without IAPC_8042 Linux skips the i8042
  w.u32(FADT.flags, FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_RESET_REG_SUP);
  w.gas(FADT.resetReg, GAS_SYSTEM_IO, 8, 1, p.resetPort).u8(FADT.resetValue, p.resetValue);
  w.u64(FADT.xFirmwareCtrl, facs).u64(FADT.xDsdt, dsdt);
  w.gas(FADT.xPm1aEvtBlk, GAS_SYSTEM_IO, 32, 0, p.pm1aEvtBlk);
  w.gas(FADT.xPm1aCntBlk, GAS_SYSTEM_IO, 16, 0, p.pm1aCntBlk);
  w.gas(FADT.xPmTmrBlk, GAS_SYSTEM_IO, 32, 0, p.pmTmrBlk);
  w.gas(FADT.xGpe0Blk, GAS_SYSTEM_IO, p.gpe0BlkLen * 8, 0, p.gpe0Blk);
  return w.finish();
}
