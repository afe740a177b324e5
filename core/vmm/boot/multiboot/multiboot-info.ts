// Lays out the Multiboot information structure (spec 0.6.96 §3.3) and what it points to
// (memory map, module list, strings) in one block of guest memory.
import { type E820Entry, E820_USABLE, HIGH_RAM_START } from '../e820';
import { BootError } from '../common';

export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;

/** Info flag bits (§3.3). */
export const MBI_MEMORY = 1 << 0;
export const MBI_CMDLINE = 1 << 2;
export const MBI_MODS = 1 << 3;
export const MBI_MMAP = 1 << 6;
export const MBI_LOADER_NAME = 1 << 9;

/** Offsets in struct multiboot_info. */
export const MBI = {
  flags: 0,
  memLower: 4,
  memUpper: 8,
  cmdline: 16,
  modsCount: 20,
  modsAddr: 24,
  mmapLength: 44,
  mmapAddr: 48,
  bootLoaderName: 64,
} as const;
const INFO_SIZE = 116; // through the framebuffer fields (§3.3), all zero that we do not set

export interface MultibootModule {
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
  readonly string: string;
}

export interface MultibootInfoInput {
  /** Guest physical address of the block (the info struct comes first). */
  readonly base: number;
  /** Bytes available at `base`. */
  readonly room: number;
  readonly e820: readonly E820Entry[];
  /** Where the kernel's command line already sits in guest memory. */
  readonly cmdlineAddr: number;
  readonly modules: readonly MultibootModule[];
}

export function buildMultibootInfo(input: MultibootInfoInput): Uint8Array {
  const strings: { text: Uint8Array; at: number }[] = [];
  const enc = new TextEncoder();
  const mmapOff = align(INFO_SIZE, 8);
  const mmapLen = input.e820.length * 24;
  const modsOff = align(mmapOff + mmapLen, 16);
  let strOff = modsOff + input.modules.length * 16;
  const addString = (s: string): number => {
    const text = enc.encode(s + '\0');
    strings.push({ text, at: strOff });
    strOff += text.length;
    return input.base + strOff - text.length;
  };
  const loaderName = addString('vmdesk');
  const modStrings = input.modules.map((m) => addString(m.string));
  if (strOff > input.room) throw new BootError(`multiboot: the boot information (${strOff} bytes) does not fit its ${input.room}-byte area; use fewer or shorter module names`);

  const block = new Uint8Array(strOff);
  const v = new DataView(block.buffer);
  let lowKib = 0;
  let highKib = 0;
  for (const e of input.e820) {
    if (e.type !== E820_USABLE) continue;
    if (e.addr === 0) lowKib = Math.floor(e.size / 1024);
    if (e.addr === HIGH_RAM_START) highKib = Math.floor(e.size / 1024);
  }
  v.setUint32(MBI.flags, MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME, true);
  v.setUint32(MBI.memLower, lowKib, true);
  v.setUint32(MBI.memUpper, highKib, true);
  v.setUint32(MBI.cmdline, input.cmdlineAddr, true);
  v.setUint32(MBI.modsCount, input.modules.length, true);
  v.setUint32(MBI.modsAddr, input.base + modsOff, true);
  // Each mmap entry: size (20, not counting itself), base_addr u64, length u64, type.
  v.setUint32(MBI.mmapLength, mmapLen, true);
  v.setUint32(MBI.mmapAddr, input.base + mmapOff, true);
  input.e820.forEach((e, i) => {
    const at = mmapOff + i * 24;
    v.setUint32(at, 20, true);
    v.setBigUint64(at + 4, BigInt(e.addr), true);
    v.setBigUint64(at + 12, BigInt(e.size), true);
    v.setUint32(at + 20, e.type, true);
  });
  input.modules.forEach((m, i) => {
    const at = modsOff + i * 16;
    v.setUint32(at, m.start, true);
    v.setUint32(at + 4, m.end, true);
    v.setUint32(at + 8, modStrings[i]!, true);
  });
  v.setUint32(MBI.bootLoaderName, loaderName, true);
  for (const s of strings) block.set(s.text, s.at);
  return block;
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;
