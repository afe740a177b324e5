// Reads the loadable segments of an ELF32 i386 executable (System V ABI, "ELF Header" and
// "Program Header"): what a Multiboot loader needs, nothing more.
import { BootError, type KernelFileReader } from '../common';

export interface ElfSegment {
  readonly fileOffset: number;
  readonly fileSize: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly memSize: number;
}

export interface Elf32Image {
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
}

const PT_LOAD = 1;
const ET_EXEC = 2;
const EM_386 = 3;

export function isElf(file: KernelFileReader): boolean {
  return file.length >= 4 && file.view.getUint32(0, false) === 0x7f454c46;
}

export function parseElf32(file: KernelFileReader): Elf32Image {
  const name = file.name;
  file.need(0, 52, 'ELF header');
  const cls = file.bytes[4];
  if (cls === 2) throw new BootError(`${name}: a 64-bit ELF file; Multiboot v1 loads 32-bit (ELFCLASS32) kernels only`);
  if (cls !== 1) throw new BootError(`${name}: ELF class ${cls} is neither 32- nor 64-bit`);
  if (file.bytes[5] !== 1) throw new BootError(`${name}: ELF data encoding ${file.bytes[5]} is not little-endian`);
  const type = file.u16(16, 'e_type');
  if (type !== ET_EXEC) throw new BootError(`${name}: ELF type ${type} is not an executable (ET_EXEC); link it with a fixed address`);
  const machine = file.u16(18, 'e_machine');
  if (machine !== EM_386) throw new BootError(`${name}: ELF machine ${machine} is not i386 (3)`);
  const entry = file.u32(24, 'e_entry');
  const phoff = file.u32(28, 'e_phoff');
  const phentsize = file.u16(42, 'e_phentsize');
  const phnum = file.u16(44, 'e_phnum');
  if (phnum === 0) throw new BootError(`${name}: the ELF file has no program headers`);
  if (phentsize < 32) throw new BootError(`${name}: ELF program header size ${phentsize} is smaller than 32`);
  file.need(phoff, phnum * phentsize, `${phnum} ELF program headers`);

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (file.u32(at, 'p_type') !== PT_LOAD) continue;
    const seg: ElfSegment = {
      fileOffset: file.u32(at + 4, 'p_offset'),
      vaddr: file.u32(at + 8, 'p_vaddr'),
      paddr: file.u32(at + 12, 'p_paddr'),
      fileSize: file.u32(at + 16, 'p_filesz'),
      memSize: file.u32(at + 20, 'p_memsz'),
    };
    if (seg.memSize < seg.fileSize) throw new BootError(`${name}: ELF segment ${i} has p_memsz ${seg.memSize} below p_filesz ${seg.fileSize}`);
    file.need(seg.fileOffset, seg.fileSize, `ELF segment ${i}`);
    if (seg.memSize > 0) segments.push(seg);
  }
  if (segments.length === 0) throw new BootError(`${name}: the ELF file has no PT_LOAD segment`);
  return { entry, segments };
}
