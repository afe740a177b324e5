// ATA register bits and command opcodes (ATA/ATAPI-6, T13/1410D: §7 register
// descriptions, §8 command descriptions) and the SCSI/MMC sense codes ATAPI reports
// (SFF-8020i §10.x, MMC-3 annex).

// Status register (§7.15).
export const ST_BSY = 0x80;
export const ST_DRDY = 0x40;
export const ST_DF = 0x20;
export const ST_DSC = 0x10;
export const ST_DRQ = 0x08;
export const ST_ERR = 0x01;

// Error register (§7.9).
export const ER_ICRC = 0x80;
export const ER_UNC = 0x40;
export const ER_IDNF = 0x10;
export const ER_ABRT = 0x04;
/** Diagnostic code "device passed" after reset or EXECUTE DEVICE DIAGNOSTIC (§8.11, Table 12). */
export const DIAG_PASSED = 0x01;

// Device control register (§7.8).
export const DC_NIEN = 0x02;
export const DC_SRST = 0x04;
export const DC_HOB = 0x80;

// Device/head register (§7.10).
export const DEV_LBA = 0x40;
export const DEV_DEV = 0x10;

// ATAPI interrupt reason in the sector count register (SFF-8020i §5.14 / ATA-6 §7.11).
export const IR_COD = 0x01;
export const IR_IO = 0x02;

export const CMD = {
  NOP: 0x00,
  DEVICE_RESET: 0x08,
  RECALIBRATE: 0x10,
  READ_SECTORS: 0x20,
  READ_SECTORS_NORETRY: 0x21,
  READ_SECTORS_EXT: 0x24,
  READ_DMA_EXT: 0x25,
  READ_NATIVE_MAX_EXT: 0x27,
  READ_MULTIPLE_EXT: 0x29,
  WRITE_SECTORS: 0x30,
  WRITE_SECTORS_NORETRY: 0x31,
  WRITE_SECTORS_EXT: 0x34,
  WRITE_DMA_EXT: 0x35,
  WRITE_MULTIPLE_EXT: 0x39,
  READ_VERIFY: 0x40,
  READ_VERIFY_NORETRY: 0x41,
  READ_VERIFY_EXT: 0x42,
  SEEK: 0x70,
  EXECUTE_DEVICE_DIAGNOSTIC: 0x90,
  INITIALIZE_DEVICE_PARAMETERS: 0x91,
  PACKET: 0xa0,
  IDENTIFY_PACKET_DEVICE: 0xa1,
  READ_MULTIPLE: 0xc4,
  WRITE_MULTIPLE: 0xc5,
  SET_MULTIPLE_MODE: 0xc6,
  READ_DMA: 0xc8,
  READ_DMA_NORETRY: 0xc9,
  WRITE_DMA: 0xca,
  WRITE_DMA_NORETRY: 0xcb,
  STANDBY_IMMEDIATE: 0xe0,
  IDLE_IMMEDIATE: 0xe1,
  STANDBY: 0xe2,
  IDLE: 0xe3,
  CHECK_POWER_MODE: 0xe5,
  SLEEP: 0xe6,
  FLUSH_CACHE: 0xe7,
  FLUSH_CACHE_EXT: 0xea,
  IDENTIFY_DEVICE: 0xec,
  SET_FEATURES: 0xef,
  READ_NATIVE_MAX: 0xf8,
} as const;

// SCSI sense keys and additional sense codes used by the CD-ROM.
export const SK_NO_SENSE = 0x00;
export const SK_NOT_READY = 0x02;
export const SK_MEDIUM_ERROR = 0x03;
export const SK_ILLEGAL_REQUEST = 0x05;
export const SK_UNIT_ATTENTION = 0x06;
export const ASC_INVALID_OPCODE = 0x20;
export const ASC_LBA_OUT_OF_RANGE = 0x21;
export const ASC_INVALID_FIELD = 0x24;
export const ASC_MEDIUM_MAY_HAVE_CHANGED = 0x28;
export const ASC_SAVING_NOT_SUPPORTED = 0x39;
export const ASC_MEDIUM_NOT_PRESENT = 0x3a;
export const ASC_UNRECOVERED_READ_ERROR = 0x11;
export const ASC_MEDIUM_REMOVAL_PREVENTED = 0x53;

export const CD_SECTOR = 2048;
export const ATA_SECTOR = 512;
/** Sectors per DRQ block at most for READ/WRITE MULTIPLE (IDENTIFY word 47). */
export const MAX_MULTIPLE = 16;
