// The PC's port, IRQ and address map: the one place that knows where each device sits
// (STYLE.md habit 2). ACPI tables and the e820 map describe the same layout.

export const PORTS = {
  picMaster: 0x20,
  picSlave: 0xa0,
  elcr: 0x4d0,
  pit: 0x40,
  systemControlB: 0x61,
  i8042Data: 0x60,
  i8042Command: 0x64,
  rtc: 0x70,
  post: 0x80,
  port92: 0x92,
  debugExit: 0x501,
  /** SeaBIOS's debug console (QEMU debugcon). */
  debugcon: 0x402,
  /** QEMU fw_cfg: selector 0x510, data 0x511, DMA 0x514. */
  fwCfg: 0x510,
  acpiPm: 0x600,
  pciConfig: 0xcf8,
  com: [0x3f8, 0x2f8, 0x3e8, 0x2e8],
} as const;

export const IRQS = {
  pit: 0,
  keyboard: 1,
  com: [4, 3, 4, 3],
  rtc: 8,
  ideSecondary: 15,
  sci: 9,
  mouse: 12,
  idePrimary: 14,
} as const;

export const ADDRESSES = {
  ioApic: 0xfec00000,
  localApic: 0xfee00000,
} as const;
