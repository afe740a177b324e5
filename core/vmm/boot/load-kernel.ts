// Picks the boot protocol for a `--kernel` file the way QEMU's -kernel does: a bzImage
// ("HdrS" at 0x202) boots by the Linux protocol, anything else must carry a Multiboot header,
// with `--initrd` becoming its first module.
import type { GuestMemory } from '../../memory';
import { type BootEntryState, BootError } from './common';
import { loadLinuxKernel } from './linux';
import { loadMultibootKernel } from './multiboot';

export interface KernelBootInput {
  readonly kernel: Uint8Array;
  readonly kernelName: string;
  readonly initrd?: Uint8Array;
  readonly initrdName?: string;
  readonly cmdline?: string;
  /** Where the ACPI tables put the RSDP (Linux 2.14+ reads it from boot_params). */
  readonly acpiRsdp?: number;
}

export interface KernelBootResult {
  readonly protocol: BootEntryState['protocol'];
  readonly entry: BootEntryState;
}

export function isBzImage(kernel: Uint8Array): boolean {
  return kernel.length >= 0x206 && kernel[0x202] === 0x48 && kernel[0x203] === 0x64 && kernel[0x204] === 0x72 && kernel[0x205] === 0x53;
}

export function loadKernel(memory: GuestMemory, input: KernelBootInput): KernelBootResult {
  if (input.kernel.length === 0) throw new BootError(`${input.kernelName}: the kernel file is empty`);
  if (isBzImage(input.kernel)) {
    const r = loadLinuxKernel(memory, input);
    return { protocol: 'linux-32', entry: r.entry };
  }
  const modules = input.initrd ? [{ data: input.initrd, string: input.initrdName ?? 'initrd' }] : [];
  const r = loadMultibootKernel(memory, { kernel: input.kernel, kernelName: input.kernelName, cmdline: input.cmdline, modules });
  return { protocol: 'multiboot', entry: r.entry };
}
