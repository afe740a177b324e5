// Parses the real-mode setup header of a bzImage (Documentation/arch/x86/boot.rst, "The
// Real-Mode Kernel Header"). Only protocol 2.04+ bzImages are accepted: that is the first
// version with a 32-bit syssize, and every kernel of the last twenty years has it.
import { BootError, KernelFileReader } from '../common';

export const SETUP_HEADER_OFFSET = 0x1f1;
const HDRS_MAGIC = 0x53726448; // "HdrS"
const BOOT_FLAG = 0xaa55;
export const MIN_PROTOCOL = 0x0204;

/** loadflags bits (boot.rst, field "loadflags"). */
export const LOADED_HIGH = 0x01;
export const KASLR_FLAG = 0x02;
export const QUIET_FLAG = 0x20;
export const KEEP_SEGMENTS = 0x40;
export const CAN_USE_HEAP = 0x80;

export interface LinuxSetupHeader {
  /** Boot protocol version, e.g. 0x020F for 2.15. */
  readonly version: number;
  /** setup_sects as used (0 in the file means 4). */
  readonly setupSects: number;
  /** File offset of the protected-mode kernel: (setup_sects + 1) * 512. */
  readonly protectedModeOffset: number;
  /** Size in bytes of the protected-mode kernel (syssize * 16). */
  readonly protectedModeSize: number;
  readonly loadFlags: number;
  readonly code32Start: number;
  /** Highest address the initrd may occupy (its last byte). */
  readonly initrdAddrMax: number;
  /** Longest command line, without the terminating NUL (255 before 2.06). */
  readonly cmdlineSize: number;
  readonly kernelAlignment: number;
  readonly relocatable: boolean;
  /** Preferred load address (2.10+), else 1 MiB. */
  readonly prefAddress: number;
  /** Memory the kernel needs from its runtime start before it reads the memory map (2.10+, else 0). */
  readonly initSize: number;
  /** The header bytes to copy into the zero page: 0x1F1 up to 0x202 + byte at 0x201. */
  readonly rawHeader: Uint8Array;
  /** The kernel's own version string, if the header points at one. */
  readonly kernelVersionString: string;
}

export function parseSetupHeader(file: KernelFileReader): LinuxSetupHeader {
  const name = file.name;
  if (file.length < 0x202 + 4 + 2) throw new BootError(`${name}: truncated: ${file.length} bytes is too short for a bzImage setup header (needs 0x208)`);
  const magic = file.u32(0x202, 'setup header magic');
  if (magic !== HDRS_MAGIC) {
    throw new BootError(`${name}: not a Linux bzImage: no "HdrS" magic at 0x202 (found 0x${magic.toString(16).padStart(8, '0')})`);
  }
  const version = file.u16(0x206, 'boot protocol version');
  if (version < MIN_PROTOCOL) throw new BootError(`${name}: boot protocol ${protocolVersionString(version)} is too old; vmdesk needs 2.04 or newer`);
  const bootFlag = file.u16(0x1fe, 'boot_flag');
  if (bootFlag !== BOOT_FLAG) throw new BootError(`${name}: boot_flag at 0x1FE is 0x${bootFlag.toString(16)}, not 0xAA55`);

  const headerEnd = 0x202 + file.u8(0x201, 'setup header length');
  const rawHeader = file.slice(SETUP_HEADER_OFFSET, headerEnd - SETUP_HEADER_OFFSET, 'setup header');
  const hasField = (off: number, size: number): boolean => off + size <= headerEnd;

  const setupSectsRaw = file.u8(0x1f1, 'setup_sects');
  const setupSects = setupSectsRaw === 0 ? 4 : setupSectsRaw;
  const protectedModeOffset = (setupSects + 1) * 512;
  const protectedModeSize = file.u32(0x1f4, 'syssize') * 16;
  const loadFlags = file.u8(0x211, 'loadflags');
  if (!(loadFlags & LOADED_HIGH)) throw new BootError(`${name}: a zImage (loadflags.LOADED_HIGH clear) loads at 0x10000; only bzImages are supported`);
  if (protectedModeSize === 0) throw new BootError(`${name}: syssize is 0, so there is no protected-mode kernel`);
  if (protectedModeOffset + protectedModeSize > file.length) {
    throw new BootError(`${name}: truncated: setup_sects ${setupSects} and syssize say the kernel ends at ${protectedModeOffset + protectedModeSize} bytes, the file has ${file.length}`);
  }

  const code32Start = file.u32(0x214, 'code32_start');
  const initrdAddrMax = file.u32(0x22c, 'initrd_addr_max');
  const kernelAlignment = version >= 0x0205 && hasField(0x230, 4) ? file.u32(0x230, 'kernel_alignment') : 0;
  const relocatable = version >= 0x0205 && hasField(0x234, 1) ? file.u8(0x234, 'relocatable_kernel') !== 0 : false;
  const cmdlineSize = version >= 0x0206 && hasField(0x238, 4) ? file.u32(0x238, 'cmdline_size') : 255;
  let prefAddress = 0x100000;
  let initSize = 0;
  if (version >= 0x020a && hasField(0x258, 8) && hasField(0x260, 4)) {
    const prefHigh = file.u32(0x25c, 'pref_address');
    if (prefHigh !== 0) throw new BootError(`${name}: pref_address is above 4 GiB; this is a 64-bit-only kernel`);
    prefAddress = file.u32(0x258, 'pref_address');
    initSize = file.u32(0x260, 'init_size');
  }

  return {
    version,
    setupSects,
    protectedModeOffset,
    protectedModeSize,
    loadFlags,
    code32Start,
    initrdAddrMax,
    cmdlineSize,
    kernelAlignment,
    relocatable,
    prefAddress,
    initSize,
    rawHeader,
    kernelVersionString: readKernelVersion(file, protectedModeOffset),
  };
}

/** kernel_version (0x20E) points, minus 0x200, at a NUL-terminated string in the setup code. */
function readKernelVersion(file: KernelFileReader, setupEnd: number): string {
  const ptr = file.u16(0x20e, 'kernel_version');
  if (ptr === 0) return '';
  const start = ptr + 0x200;
  let end = start;
  while (end < setupEnd && end < file.length && file.bytes[end] !== 0 && end - start < 256) end++;
  return new TextDecoder('latin1').decode(file.bytes.subarray(start, end));
}

/** "2.15" for 0x020F. */
export function protocolVersionString(version: number): string {
  return `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
}
