// The target of every conversion: a VM folder holding NAME.vmx and its disks. Hardware comes
// from the user's choices, else from the source, clamped to what our virtual hardware has
// (VM_LIMITS: one vCPU, at most 3584 MiB, four IDE slots).
import * as fs from 'node:fs';
import { VM_LIMITS } from '../api';
import { VmxFile, writeVmConfig, type NetworkAdapter, type VmConfig } from '../vmkernel/vmx';
import { ConverterError } from './errors';

export interface TargetNic {
  readonly networkName: string;
  readonly virtualDev?: string;
  readonly macAddress?: string;
}

export interface TargetHardware {
  readonly memoryMB: number;
  readonly cpus: number;
  readonly guestOS: string;
  readonly nics: readonly TargetNic[];
}

export interface HardwareChoice {
  readonly memoryMB?: number;
  readonly cpus?: number;
}

/** Disk slots in the order disks are attached (ide1:0 stays free for a CD-ROM when it can). */
export const DISK_SLOTS = ['ide0:0', 'ide0:1', 'ide1:1', 'ide1:0'] as const;

/** Checks the user's choice, then fills the rest from what the source says; notes clamps. */
export function chooseHardware(source: Partial<TargetHardware>, choice: HardwareChoice, notes: string[]): TargetHardware {
  const { memoryMB: mem, cpus } = VM_LIMITS;
  if (choice.memoryMB !== undefined && (!Number.isInteger(choice.memoryMB) || choice.memoryMB < mem.min || choice.memoryMB > mem.max)) {
    throw new ConverterError(`convert: --memory ${choice.memoryMB}: must be a whole number of MiB from ${mem.min} to ${mem.max}`, 'usage');
  }
  if (choice.cpus !== undefined && (!Number.isInteger(choice.cpus) || choice.cpus < cpus.min || choice.cpus > cpus.max)) {
    throw new ConverterError(`convert: --cpus ${choice.cpus}: vmdesk VMs have ${cpus.min}${cpus.max > cpus.min ? ` to ${cpus.max}` : ''} virtual CPU(s)`, 'usage');
  }
  let memoryMB = choice.memoryMB ?? source.memoryMB ?? 256;
  if (memoryMB > mem.max || memoryMB < mem.min) {
    notes.push(`memory: the source has ${memoryMB} MiB; the VM gets ${Math.min(mem.max, Math.max(mem.min, memoryMB))} MiB (vmdesk's limit)`);
    memoryMB = Math.min(mem.max, Math.max(mem.min, memoryMB));
  }
  let n = choice.cpus ?? source.cpus ?? 1;
  if (n > cpus.max) {
    notes.push(`cpus: the source has ${n}; the VM gets ${cpus.max} (vmdesk's limit)`);
    n = cpus.max;
  }
  return { memoryMB, cpus: n, guestOS: source.guestOS ?? 'other26xlinux', nics: source.nics ?? [{ networkName: 'VM Network' }] };
}

/** Writes NAME.vmx into `folder`; `base` keeps unknown keys of a source .vmx. */
export function writeVmx(file: string, name: string, hw: TargetHardware, disks: readonly string[], base?: VmxFile): void {
  if (disks.length > DISK_SLOTS.length) throw new ConverterError(`${name}: ${disks.length} disks, but vmdesk VMs have ${DISK_SLOTS.length} IDE slots`, 'converter.unsupported');
  const vmx = base ?? VmxFile.empty(file);
  const ethernet: NetworkAdapter[] = hw.nics.slice(0, 4).map((n, index) => ({
    index,
    virtualDev: n.virtualDev ?? 'e1000',
    networkName: n.networkName,
    ...(n.macAddress ? { macAddress: n.macAddress } : {}),
  }));
  const config: VmConfig = {
    displayName: name,
    memoryMB: hw.memoryMB,
    cpus: hw.cpus,
    guestOS: hw.guestOS,
    ide: disks.map((fileName, i) => ({ slot: DISK_SLOTS[i]!, type: 'disk' as const, fileName })),
    serial: [{ index: 0, fileType: 'console' }],
    ethernet,
    bootOrder: 'disk',
  };
  writeVmConfig(vmx, config);
  fs.writeFileSync(file, vmx.toString());
}
