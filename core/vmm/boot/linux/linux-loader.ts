// Loads a bzImage the way boot.rst's "32-bit Boot Protocol" describes, with no BIOS and no
// real-mode setup code run: protected-mode kernel at 1 MiB, initrd as high as allowed, command
// line, zero page, flat GDT; returns the CPU state to start in. Owns no devices.
import type { GuestMemory } from '../../../memory';
import { type BootEntryState, BootError, KernelFileReader, LOW_MEMORY, flatProtectedEntry, writeFlatGdt } from '../common';
import { type E820Entry, E820_USABLE, pcE820Map, usableRamEnd } from '../e820';
import { buildZeroPage } from './boot-params';
import { type LinuxSetupHeader, parseSetupHeader, protocolVersionString } from './setup-header';

const PAGE = 4096;

export interface LinuxBootInput {
  readonly kernel: Uint8Array;
  /** File name used in error messages. */
  readonly kernelName: string;
  readonly initrd?: Uint8Array;
  readonly initrdName?: string;
  readonly cmdline?: string;
  /** Physical address of the ACPI RSDP, passed in boot_params for 2.14+ kernels. */
  readonly acpiRsdp?: number;
  /** Memory map; default PLATFORM.md's for the RAM size. */
  readonly e820?: readonly E820Entry[];
  readonly vgaText?: boolean;
}

export interface LoadedRegion {
  readonly addr: number;
  readonly size: number;
}

export interface LinuxBootResult {
  readonly entry: BootEntryState;
  readonly header: LinuxSetupHeader;
  readonly zeroPage: number;
  readonly cmdline: LoadedRegion;
  /** The protected-mode image as copied. */
  readonly kernel: LoadedRegion;
  /** What the kernel may use before it reads the e820 map (from 1 MiB or pref_address, init_size). */
  readonly kernelFootprint: LoadedRegion;
  readonly initrd?: LoadedRegion;
  readonly e820: readonly E820Entry[];
}

export function loadLinuxKernel(memory: GuestMemory, input: LinuxBootInput): LinuxBootResult {
  const file = new KernelFileReader(input.kernelName, input.kernel);
  const header = parseSetupHeader(file);
  const name = input.kernelName;
  const e820 = input.e820 ?? pcE820Map(memory.size);
  const ramEnd = Math.min(usableRamEnd(e820), memory.size);

  // boot.rst: "the protected-mode kernel ... loaded at 0x100000", entered at code32_start.
  const kernelAddr = LOW_MEMORY.kernel;
  if (header.code32Start !== kernelAddr) {
    throw new BootError(`${name}: code32_start is 0x${header.code32Start.toString(16)}; vmdesk loads bzImages at 0x100000 only`);
  }
  const image = file.slice(header.protectedModeOffset, file.length - header.protectedModeOffset, 'protected-mode kernel');
  // A relocatable kernel decompresses to pref_address (LOAD_PHYSICAL_ADDR); a fixed one at 1 MiB.
  const runStart = header.relocatable ? Math.max(header.prefAddress, kernelAddr) : kernelAddr;
  const footprintEnd = Math.max(kernelAddr + image.length, runStart + header.initSize);
  if (footprintEnd > ramEnd) {
    throw new BootError(`${name}: the kernel needs RAM up to ${mib(footprintEnd)} MiB (init_size ${mib(header.initSize)} MiB from ${mib(runStart)} MiB) but the VM has ${mib(ramEnd)} MiB`);
  }
  if (!isUsable(e820, kernelAddr, footprintEnd - kernelAddr)) throw new BootError(`${name}: the e820 map has no usable RAM for the kernel at 1 MiB`);
  memory.write(kernelAddr, image);

  // Command line: boot.rst says the limit is cmdline_size bytes, not counting the NUL.
  const cmdlineText = input.cmdline ?? '';
  const cmdlineBytes = new TextEncoder().encode(cmdlineText);
  if (cmdlineBytes.includes(0)) throw new BootError(`linux: the command line contains a NUL byte`);
  const cmdlineMax = Math.min(header.cmdlineSize, LOW_MEMORY.cmdlineMax - 1);
  if (cmdlineBytes.length > cmdlineMax) {
    throw new BootError(`linux: the command line is ${cmdlineBytes.length} bytes; ${name} (protocol ${protocolVersionString(header.version)}) takes at most ${cmdlineMax}`);
  }
  const cmdline = { addr: LOW_MEMORY.cmdline, size: cmdlineBytes.length + 1 };
  const withNul = new Uint8Array(cmdline.size);
  withNul.set(cmdlineBytes);
  memory.write(cmdline.addr, withNul);

  let initrd: LoadedRegion | undefined;
  if (input.initrd) {
    const initrdName = input.initrdName ?? 'initrd';
    const size = input.initrd.length;
    if (size === 0) throw new BootError(`${initrdName}: the initrd file is empty`);
    // boot.rst: as high as possible, its last byte at or below initrd_addr_max.
    const limit = Math.min(ramEnd, header.initrdAddrMax + 1);
    const addr = Math.floor((limit - size) / PAGE) * PAGE;
    if (addr < footprintEnd) {
      throw new BootError(`${initrdName}: ${mib(size)} MiB of initrd does not fit between the kernel (ends at ${mib(footprintEnd)} MiB) and ${mib(limit)} MiB; give the VM more memory`);
    }
    memory.write(addr, input.initrd);
    initrd = { addr, size };
  }

  const zeroPage = LOW_MEMORY.bootInfo;
  memory.write(
    zeroPage,
    buildZeroPage({ rawHeader: header.rawHeader, version: header.version, e820, cmdlinePtr: cmdline.addr, initrd, acpiRsdp: input.acpiRsdp, vgaText: input.vgaText }),
  );
  const gdtr = writeFlatGdt(memory, LOW_MEMORY.gdt);
  // boot.rst "32-bit Boot Protocol": %esi = boot_params, %ebp = %edi = %ebx = 0, IF clear.
  const entry = flatProtectedEntry('linux-32', gdtr, { eip: header.code32Start, esi: zeroPage, esp: LOW_MEMORY.stackTop });
  return {
    entry,
    header,
    zeroPage,
    cmdline,
    kernel: { addr: kernelAddr, size: image.length },
    kernelFootprint: { addr: kernelAddr, size: footprintEnd - kernelAddr },
    initrd,
    e820,
  };
}

function isUsable(map: readonly E820Entry[], addr: number, size: number): boolean {
  return map.some((e) => e.type === E820_USABLE && e.addr <= addr && addr + size <= e.addr + e.size);
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(bytes % 2 ** 20 === 0 ? 0 : 1);
