// fw_cfg selector keys and DMA control bits (QEMU docs/specs/fw_cfg.rst, "Selector
// Register" and "DMA interface"; x86 architecture-local keys from hw/i386/fw_cfg.h).
export const FW_CFG_SIGNATURE = 0x00;
export const FW_CFG_ID = 0x01;
export const FW_CFG_UUID = 0x02;
export const FW_CFG_RAM_SIZE = 0x03;
export const FW_CFG_NOGRAPHIC = 0x04;
export const FW_CFG_NB_CPUS = 0x05;
export const FW_CFG_MACHINE_ID = 0x06;
export const FW_CFG_KERNEL_ADDR = 0x07;
export const FW_CFG_KERNEL_SIZE = 0x08;
export const FW_CFG_KERNEL_CMDLINE = 0x09;
export const FW_CFG_INITRD_ADDR = 0x0a;
export const FW_CFG_INITRD_SIZE = 0x0b;
export const FW_CFG_BOOT_DEVICE = 0x0c;
export const FW_CFG_NUMA = 0x0d;
export const FW_CFG_BOOT_MENU = 0x0e;
export const FW_CFG_MAX_CPUS = 0x0f;
export const FW_CFG_KERNEL_ENTRY = 0x10;
export const FW_CFG_KERNEL_DATA = 0x11;
export const FW_CFG_INITRD_DATA = 0x12;
export const FW_CFG_CMDLINE_ADDR = 0x13;
export const FW_CFG_CMDLINE_SIZE = 0x14;
export const FW_CFG_CMDLINE_DATA = 0x15;
export const FW_CFG_SETUP_ADDR = 0x16;
export const FW_CFG_SETUP_SIZE = 0x17;
export const FW_CFG_SETUP_DATA = 0x18;
export const FW_CFG_FILE_DIR = 0x19;
/** The first selector handed to a named file. */
export const FW_CFG_FILE_FIRST = 0x20;
/** Selector bit 14: the write channel (ignored since QEMU 2.4; writes go through DMA). */
export const FW_CFG_WRITE_CHANNEL = 0x4000;
/** Selector bit 15: architecture-local items. */
export const FW_CFG_ARCH_LOCAL = 0x8000;
export const FW_CFG_ACPI_TABLES = 0x8000;
export const FW_CFG_SMBIOS_ENTRIES = 0x8001;
export const FW_CFG_IRQ0_OVERRIDE = 0x8002;
export const FW_CFG_E820_TABLE = 0x8003;
export const FW_CFG_HPET = 0x8004;

/** FW_CFG_ID feature bits: bit 0 traditional interface, bit 1 DMA interface. */
export const FW_CFG_FEATURE_TRADITIONAL = 0x01;
export const FW_CFG_FEATURE_DMA = 0x02;

/** FWCfgDmaAccess.control bits. */
export const FW_CFG_DMA_ERROR = 0x01;
export const FW_CFG_DMA_READ = 0x02;
export const FW_CFG_DMA_SKIP = 0x04;
export const FW_CFG_DMA_SELECT = 0x08;
export const FW_CFG_DMA_WRITE = 0x10;

/** The DMA address register reads back as "QEMU CFG" (big-endian 64-bit). */
export const FW_CFG_DMA_SIGNATURE = 'QEMU CFG';
/** Names in the file directory are at most 55 characters plus a NUL. */
export const FW_CFG_MAX_FILE_NAME = 56;
