// What the ACPI tables describe: the PC of PLATFORM.md. The VM builder may pass another
// description (more CPUs, other ports); the devices are built to the same numbers.
export interface IsaOverride {
  /** ISA IRQ. */
  readonly source: number;
  readonly gsi: number;
  /** MPS INTI flags: polarity bits 1:0 (1 high, 3 low), trigger bits 3:2 (1 edge, 3 level). */
  readonly flags: number;
}

export interface AcpiPlatform {
  readonly localApicBase: number;
  /** APIC IDs of the CPUs, one MADT Local APIC entry each. */
  readonly cpuApicIds: readonly number[];
  readonly ioApic: { readonly id: number; readonly base: number; readonly gsiBase: number };
  readonly isaOverrides: readonly IsaOverride[];
  readonly sciIrq: number;
  readonly pm1aEvtBlk: number;
  readonly pm1aCntBlk: number;
  readonly pmTmrBlk: number;
  readonly gpe0Blk: number;
  readonly gpe0BlkLen: number;
  readonly resetPort: number;
  readonly resetValue: number;
  /** CMOS index of the RTC century byte (0 = none). */
  readonly rtcCenturyIndex: number;
  /** SLP_TYP for S5 (soft off), both PM1a and PM1b values of `_S5`. */
  readonly s5SleepType: number;
}

export const MPS_ACTIVE_HIGH = 0x1;
export const MPS_ACTIVE_LOW = 0x3;
export const MPS_EDGE = 0x1 << 2;
export const MPS_LEVEL = 0x3 << 2;

export const PC_ACPI_PLATFORM: AcpiPlatform = {
  localApicBase: 0xfee00000,
  cpuApicIds: [0],
  ioApic: { id: 1, base: 0xfec00000, gsiBase: 0 },
  isaOverrides: [
    { source: 0, gsi: 2, flags: MPS_ACTIVE_HIGH | MPS_EDGE },
    { source: 9, gsi: 9, flags: MPS_ACTIVE_HIGH | MPS_LEVEL },
  ],
  sciIrq: 9,
  pm1aEvtBlk: 0x600,
  pm1aCntBlk: 0x604,
  pmTmrBlk: 0x608,
  gpe0Blk: 0x620,
  gpe0BlkLen: 4,
  resetPort: 0xcf9,
  resetValue: 0x06,
  rtcCenturyIndex: 0x32,
  s5SleepType: 0,
};
