// The fw_cfg items SeaBIOS reads on a PC (SeaBIOS src/fw/paravirt.c, src/boot.c,
// src/fw/romfile_loader.c, src/fw/smbios.c), filled from plain values so the VM builder
// needs no knowledge of their encodings. Also the direct-kernel items for a linuxboot ROM.
import { buildAcpiFiles, ACPI_RSDP_FILE, ACPI_TABLES_FILE, TABLE_LOADER_FILE } from './table-loader';
import { asciiz, encodeBootOrder, encodeE820, encodeSystemStates, le16, le32, le64, type E820Entry } from './encode';
import type { FwCfg } from './fw-cfg';
import * as K from './keys';

export interface PcFirmwareConfig {
  ramBytes: number;
  cpus: number;
  maxCpus?: number;
  /** The memory map; SeaBIOS takes RAM from `etc/e820` when present. */
  e820: readonly E820Entry[];
  /** OpenFirmware paths, most preferred first (see `ideBootPath`). */
  bootOrder?: readonly string[];
  /** Milliseconds SeaBIOS waits before rebooting when nothing boots (default 60 000); -1: never. */
  bootFailWaitMs?: number;
  /** Show "Press ESC for boot menu" and wait for it (default: no, which saves ~2.5 s per boot). */
  bootMenu?: boolean;
  /** Complete ACPI tables (FACP, FACS, DSDT, APIC, …); omitted: SeaBIOS builds its own. */
  acpiTables?: readonly Uint8Array[];
  /** SMBIOS entry point and structure table; omitted: SeaBIOS builds its own. */
  smbios?: { anchor: Uint8Array; tables: Uint8Array };
  /** 16-byte UUID (SMBIOS type 1). */
  uuid?: Uint8Array;
  /** Sleep states offered, S-state → SLP_TYP (written to `etc/system-states`). */
  systemStates?: Partial<Record<0 | 1 | 2 | 3 | 4 | 5, number>>;
}

export function addPcFirmwareItems(fw: FwCfg, cfg: PcFirmwareConfig): void {
  fw.addItem(K.FW_CFG_RAM_SIZE, le64(cfg.ramBytes));
  fw.addItem(K.FW_CFG_NB_CPUS, le16(cfg.cpus));
  fw.addItem(K.FW_CFG_MAX_CPUS, le16(cfg.maxCpus ?? cfg.cpus));
  fw.addItem(K.FW_CFG_NOGRAPHIC, le16(0));
  fw.addItem(K.FW_CFG_UUID, cfg.uuid ?? new Uint8Array(16));
  fw.addItem(K.FW_CFG_BOOT_MENU, le16(cfg.bootMenu ? 1 : 0));
  fw.addFile('etc/e820', encodeE820(cfg.e820));
  if (cfg.bootOrder && cfg.bootOrder.length > 0) fw.addFile('bootorder', encodeBootOrder(cfg.bootOrder));
  fw.addFile('etc/boot-fail-wait', le32(cfg.bootFailWaitMs ?? 60_000));
  fw.addFile('etc/show-boot-menu', le16(cfg.bootMenu ? 1 : 0));
  fw.addFile('etc/system-states', encodeSystemStates(cfg.systemStates ?? { 0: 0, 5: 0 }));
  if (cfg.acpiTables) {
    const files = buildAcpiFiles(cfg.acpiTables);
    fw.addFile(ACPI_TABLES_FILE, files.tables);
    fw.addFile(ACPI_RSDP_FILE, files.rsdp);
    fw.addFile(TABLE_LOADER_FILE, files.loader);
  }
  if (cfg.smbios) {
    fw.addFile('etc/smbios/smbios-anchor', cfg.smbios.anchor);
    fw.addFile('etc/smbios/smbios-tables', cfg.smbios.tables);
  }
}

export interface LinuxBootItems {
  /** Real-mode setup part of the bzImage (setup_sects + 1 sectors) and where it goes. */
  setup: Uint8Array;
  setupAddr: number;
  /** Protected-mode kernel and its load address. */
  kernel: Uint8Array;
  kernelAddr: number;
  initrd?: Uint8Array;
  initrdAddr?: number;
  cmdline?: string;
  cmdlineAddr?: number;
}

/** FW_CFG_SETUP_*, FW_CFG_KERNEL_*, FW_CFG_INITRD_*, FW_CFG_CMDLINE_* as QEMU's x86_load_linux sets them. */
export function addLinuxBootItems(fw: FwCfg, k: LinuxBootItems): void {
  fw.addItem(K.FW_CFG_SETUP_ADDR, le32(k.setupAddr));
  fw.addItem(K.FW_CFG_SETUP_SIZE, le32(k.setup.length));
  fw.addItem(K.FW_CFG_SETUP_DATA, k.setup);
  fw.addItem(K.FW_CFG_KERNEL_ADDR, le32(k.kernelAddr));
  fw.addItem(K.FW_CFG_KERNEL_SIZE, le32(k.kernel.length));
  fw.addItem(K.FW_CFG_KERNEL_DATA, k.kernel);
  if (k.initrd) {
    fw.addItem(K.FW_CFG_INITRD_ADDR, le32(k.initrdAddr ?? 0));
    fw.addItem(K.FW_CFG_INITRD_SIZE, le32(k.initrd.length));
    fw.addItem(K.FW_CFG_INITRD_DATA, k.initrd);
  }
  const cmd = asciiz(k.cmdline ?? '');
  fw.addItem(K.FW_CFG_CMDLINE_ADDR, le32(k.cmdlineAddr ?? 0));
  fw.addItem(K.FW_CFG_CMDLINE_SIZE, le32(cmd.length));
  fw.addItem(K.FW_CFG_CMDLINE_DATA, cmd);
}
