// Finds and checks the Multiboot v1 header (Multiboot Specification 0.6.96, §3.1): a
// longword-aligned block within the first 8192 bytes whose magic, flags and checksum sum to 0.
import { BootError, type KernelFileReader } from '../common';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_SEARCH_BYTES = 8192;

/** Header flag bits (§3.1.2). Bits 0-15 are requirements a loader must understand or refuse. */
export const MB_PAGE_ALIGN = 1 << 0;
export const MB_MEMORY_INFO = 1 << 1;
export const MB_VIDEO_MODE = 1 << 2;
export const MB_AOUT_KLUDGE = 1 << 16;
// Video mode (bit 2) is accepted the way QEMU's -kernel accepts it: the kernel gets no
// framebuffer fields (info bits 11/12 clear) and stays in whatever text mode there is.
const UNDERSTOOD_REQUIRED = MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_VIDEO_MODE;

export interface AoutKludge {
  readonly headerAddr: number;
  readonly loadAddr: number;
  readonly loadEndAddr: number;
  readonly bssEndAddr: number;
  readonly entryAddr: number;
}

export interface MultibootHeader {
  /** File offset of the magic. */
  readonly offset: number;
  readonly flags: number;
  /** Present when flag bit 16 asks for the a.out kludge (address fields instead of ELF). */
  readonly aout?: AoutKludge;
}

export function findMultibootHeader(file: KernelFileReader): MultibootHeader {
  const name = file.name;
  const end = Math.min(file.length, MULTIBOOT_SEARCH_BYTES) - 12;
  let badChecksumAt = -1;
  for (let off = 0; off <= end; off += 4) {
    if (file.view.getUint32(off, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = file.view.getUint32(off + 4, true);
    const checksum = file.view.getUint32(off + 8, true);
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0) !== 0) {
      if (badChecksumAt < 0) badChecksumAt = off;
      continue;
    }
    const unknown = flags & 0xffff & ~UNDERSTOOD_REQUIRED;
    if (unknown !== 0) throw new BootError(`${name}: multiboot header at 0x${off.toString(16)} requires features vmdesk does not have (flag bits 0x${unknown.toString(16)})`);
    if (!(flags & MB_AOUT_KLUDGE)) return { offset: off, flags };
    const aout: AoutKludge = {
      headerAddr: file.u32(off + 12, 'multiboot header_addr'),
      loadAddr: file.u32(off + 16, 'multiboot load_addr'),
      loadEndAddr: file.u32(off + 20, 'multiboot load_end_addr'),
      bssEndAddr: file.u32(off + 24, 'multiboot bss_end_addr'),
      entryAddr: file.u32(off + 28, 'multiboot entry_addr'),
    };
    return { offset: off, flags, aout };
  }
  if (badChecksumAt >= 0) throw new BootError(`${name}: the multiboot header at 0x${badChecksumAt.toString(16)} has a bad checksum`);
  throw new BootError(`${name}: no multiboot header in the first ${MULTIBOOT_SEARCH_BYTES} bytes (and no "HdrS" bzImage header either)`);
}
