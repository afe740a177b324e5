// Loads a Multiboot v1 kernel (flat binary via the a.out kludge, or ELF32) with its modules
// and returns the machine state of spec §3.2: EAX = 0x2BADB002, EBX = the info structure,
// flat 4 GiB code and data segments, paging off, interrupts off.
import type { GuestMemory } from '../../../memory';
import { type BootEntryState, BootError, KernelFileReader, LOW_MEMORY, flatProtectedEntry, writeFlatGdt } from '../common';
import { type E820Entry, E820_USABLE, pcE820Map } from '../e820';
import { isElf, parseElf32 } from './elf32';
import { MULTIBOOT_BOOTLOADER_MAGIC, type MultibootModule, buildMultibootInfo } from './multiboot-info';
import { type MultibootHeader, findMultibootHeader } from './multiboot-header';

const PAGE = 4096;
/** Our own structures live below this; a kernel may not load over them. */
const RESERVED_LOW_END = LOW_MEMORY.cmdline + LOW_MEMORY.cmdlineMax;

export interface MultibootModuleInput {
  readonly data: Uint8Array;
  /** The module's string in the info block (GRUB passes the file name and its arguments). */
  readonly string: string;
}

export interface MultibootBootInput {
  readonly kernel: Uint8Array;
  readonly kernelName: string;
  readonly cmdline?: string;
  readonly modules?: readonly MultibootModuleInput[];
  readonly e820?: readonly E820Entry[];
}

export interface LoadedSegment {
  readonly addr: number;
  /** Bytes copied from the file. */
  readonly fileSize: number;
  /** Bytes occupied in memory (file bytes + zeroed bss). */
  readonly memSize: number;
}

export interface MultibootBootResult {
  readonly entry: BootEntryState;
  readonly header: MultibootHeader;
  readonly format: 'aout-kludge' | 'elf32';
  readonly segments: readonly LoadedSegment[];
  readonly modules: readonly MultibootModule[];
  readonly infoAddr: number;
  readonly e820: readonly E820Entry[];
}

export function loadMultibootKernel(memory: GuestMemory, input: MultibootBootInput): MultibootBootResult {
  const file = new KernelFileReader(input.kernelName, input.kernel);
  const name = input.kernelName;
  const header = findMultibootHeader(file);
  const e820 = input.e820 ?? pcE820Map(memory.size);

  // §3.1.3: with bit 16 the address fields win even over an ELF header.
  const plan: { fileOffset: number; fileSize: number; addr: number; memSize: number }[] = [];
  let entryPoint: number;
  let format: MultibootBootResult['format'];
  if (header.aout) {
    const a = header.aout;
    format = 'aout-kludge';
    if (a.loadAddr > a.headerAddr) throw new BootError(`${name}: multiboot load_addr 0x${a.loadAddr.toString(16)} is above header_addr 0x${a.headerAddr.toString(16)}`);
    const fileOffset = header.offset - (a.headerAddr - a.loadAddr);
    if (fileOffset < 0) throw new BootError(`${name}: multiboot header_addr - load_addr puts the image start before the file start`);
    if (a.loadEndAddr !== 0 && a.loadEndAddr < a.loadAddr) throw new BootError(`${name}: multiboot load_end_addr is below load_addr`);
    const fileSize = a.loadEndAddr === 0 ? file.length - fileOffset : a.loadEndAddr - a.loadAddr;
    file.need(fileOffset, fileSize, 'the multiboot image (load_addr..load_end_addr)');
    const loadEnd = a.loadAddr + fileSize;
    if (a.bssEndAddr !== 0 && a.bssEndAddr < loadEnd) throw new BootError(`${name}: multiboot bss_end_addr 0x${a.bssEndAddr.toString(16)} is below the end of the loaded image 0x${loadEnd.toString(16)}`);
    plan.push({ fileOffset, fileSize, addr: a.loadAddr, memSize: (a.bssEndAddr === 0 ? loadEnd : a.bssEndAddr) - a.loadAddr });
    entryPoint = a.entryAddr;
  } else if (isElf(file)) {
    format = 'elf32';
    const elf = parseElf32(file);
    for (const s of elf.segments) plan.push({ fileOffset: s.fileOffset, fileSize: s.fileSize, addr: s.paddr, memSize: s.memSize });
    // A higher-half kernel links e_entry at a virtual address: map it through its segment.
    const holder = elf.segments.find((s) => s.vaddr <= elf.entry && elf.entry < s.vaddr + s.memSize);
    entryPoint = holder ? elf.entry - holder.vaddr + holder.paddr : elf.entry;
  } else {
    throw new BootError(`${name}: the multiboot header has no address fields (flag bit 16) and the file is not ELF`);
  }

  let imageEnd = 0;
  for (const p of plan) {
    checkPlacement(e820, memory, name, p.addr, p.memSize, 'the kernel image');
    const mem = new Uint8Array(p.memSize); // file bytes, then zeroed bss
    mem.set(file.bytes.subarray(p.fileOffset, p.fileOffset + p.fileSize));
    memory.write(p.addr, mem);
    imageEnd = Math.max(imageEnd, p.addr + p.memSize);
  }
  if (!plan.some((p) => p.addr <= entryPoint && entryPoint < p.addr + p.memSize)) {
    throw new BootError(`${name}: the multiboot entry point 0x${entryPoint.toString(16)} lies outside the loaded image`);
  }

  // Modules go page-aligned after the kernel (bit 0 asks for that; we always do it).
  const modules: MultibootModule[] = [];
  let next = Math.ceil(imageEnd / PAGE) * PAGE;
  for (const m of input.modules ?? []) {
    checkPlacement(e820, memory, m.string, next, Math.max(m.data.length, 1), 'the module');
    memory.write(next, m.data);
    modules.push({ start: next, end: next + m.data.length, string: m.string });
    next = Math.ceil((next + m.data.length) / PAGE) * PAGE;
  }

  const cmdline = new TextEncoder().encode((input.cmdline ?? '') + '\0');
  if (cmdline.length > LOW_MEMORY.cmdlineMax) throw new BootError(`multiboot: the command line is ${cmdline.length - 1} bytes; at most ${LOW_MEMORY.cmdlineMax - 1} fit`);
  memory.write(LOW_MEMORY.cmdline, cmdline);
  const infoAddr = LOW_MEMORY.bootInfo;
  memory.write(infoAddr, buildMultibootInfo({ base: infoAddr, room: LOW_MEMORY.bootInfoSize, e820, cmdlineAddr: LOW_MEMORY.cmdline, modules }));
  const gdtr = writeFlatGdt(memory, LOW_MEMORY.gdt);
  const entry = flatProtectedEntry('multiboot', gdtr, { eip: entryPoint, eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: infoAddr, esp: LOW_MEMORY.stackTop });
  return {
    entry,
    header,
    format,
    segments: plan.map((p) => ({ addr: p.addr, fileSize: p.fileSize, memSize: p.memSize })),
    modules,
    infoAddr,
    e820,
  };
}

function checkPlacement(e820: readonly E820Entry[], memory: GuestMemory, who: string, addr: number, size: number, what: string): void {
  const end = addr + size;
  const range = `0x${addr.toString(16)}..0x${end.toString(16)}`;
  if (addr < RESERVED_LOW_END) throw new BootError(`${who}: ${what} at ${range} overlaps the boot loader's area below 0x${RESERVED_LOW_END.toString(16)}`);
  if (!memory.contains(addr, size) || !e820.some((e) => e.type === E820_USABLE && e.addr <= addr && end <= e.addr + e.size)) {
    throw new BootError(`${who}: ${what} at ${range} is not in usable guest RAM (${memory.size / 2 ** 20} MiB)`);
  }
}
