// Builds the zero page (struct boot_params, Documentation/arch/x86/zero-page.rst) for the
// 32-bit boot protocol: the copied setup header with our loader fields, the e820 map and
// the memory sizes. Everything not named here stays zero, which the kernel reads as "absent".
import { type E820Entry, E820_USABLE, HIGH_RAM_START } from '../e820';
import { BootError } from '../common';

export const ZERO_PAGE_SIZE = 4096;

/** Offsets in struct boot_params (zero-page.rst). */
export const BP = {
  screenInfo: 0x000,
  extMemK: 0x002, // screen_info.ext_mem_k
  origVideoCols: 0x007,
  origVideoMode: 0x006,
  origVideoLines: 0x00e,
  origVideoIsVga: 0x00f,
  acpiRsdpAddr: 0x070,
  extRamdiskImage: 0x0c0,
  extRamdiskSize: 0x0c4,
  extCmdLinePtr: 0x0c8,
  altMemK: 0x1e0,
  e820Entries: 0x1e8,
  sentinel: 0x1ef,
  setupHeader: 0x1f1,
  vidMode: 0x1fa,
  typeOfLoader: 0x210,
  loadFlags: 0x211,
  ramdiskImage: 0x218,
  ramdiskSize: 0x21c,
  heapEndPtr: 0x224,
  cmdLinePtr: 0x228,
  e820Table: 0x2d0,
} as const;

export const E820_MAX_ZERO_PAGE = 128;
/** "Undefined" boot loader ID (boot.rst, type_of_loader): we have no assigned number. */
export const LOADER_TYPE_UNDEFINED = 0xff;

export interface ZeroPageInput {
  /** Setup header bytes from the image (0x1F1 onward). */
  readonly rawHeader: Uint8Array;
  readonly version: number;
  readonly e820: readonly E820Entry[];
  readonly cmdlinePtr: number;
  readonly initrd?: { readonly addr: number; readonly size: number };
  /** Physical address of the RSDP (boot_params.acpi_rsdp_addr, protocol 2.14+). */
  readonly acpiRsdp?: number;
  /** Describe an 80x25 VGA text screen; otherwise screen_info is all zero ("no VGA"). */
  readonly vgaText?: boolean;
}

export function buildZeroPage(input: ZeroPageInput): Uint8Array {
  const page = new Uint8Array(ZERO_PAGE_SIZE);
  const v = new DataView(page.buffer);
  page.set(input.rawHeader, BP.setupHeader);

  // screen_info: all zero is vgacon's "no VGA" case (drivers/video/console/vgacon.c), so a
  // headless guest keeps its console on the serial port.
  if (input.vgaText) {
    v.setUint8(BP.origVideoMode, 3);
    v.setUint8(BP.origVideoCols, 80);
    v.setUint8(BP.origVideoLines, 25);
    v.setUint8(BP.origVideoIsVga, 1);
  }

  let highKib = 0;
  for (const e of input.e820) if (e.type === E820_USABLE && e.addr === HIGH_RAM_START) highKib = Math.floor(e.size / 1024);
  v.setUint16(BP.extMemK, Math.min(highKib, 0xffff), true);
  v.setUint32(BP.altMemK, highKib, true);

  if (input.e820.length > E820_MAX_ZERO_PAGE) throw new BootError(`linux: ${input.e820.length} e820 entries do not fit the zero page's ${E820_MAX_ZERO_PAGE}`);
  v.setUint8(BP.e820Entries, input.e820.length);
  input.e820.forEach((e, i) => {
    const at = BP.e820Table + i * 20;
    v.setBigUint64(at, BigInt(e.addr), true);
    v.setBigUint64(at + 8, BigInt(e.size), true);
    v.setUint32(at + 16, e.type, true);
  });

  v.setUint8(BP.typeOfLoader, LOADER_TYPE_UNDEFINED);
  // No real-mode code runs, so no setup heap: CAN_USE_HEAP clear and heap_end_ptr 0.
  v.setUint8(BP.loadFlags, v.getUint8(BP.loadFlags) & ~0x80);
  v.setUint16(BP.heapEndPtr, 0, true);
  v.setUint16(BP.vidMode, 0xffff, true); // "normal" (boot.rst, vid_mode)
  v.setUint32(BP.cmdLinePtr, input.cmdlinePtr, true);
  if (input.initrd) {
    v.setUint32(BP.ramdiskImage, input.initrd.addr, true);
    v.setUint32(BP.ramdiskSize, input.initrd.size, true);
  }
  if (input.acpiRsdp !== undefined && input.version >= 0x020e) v.setBigUint64(BP.acpiRsdpAddr, BigInt(input.acpiRsdp), true);
  return page;
}
