// Checks what a client asks for (a new VM, a change of settings) and turns it into the
// VmConfig written to the .vmx; turns a VmConfig back into the VmHardware clients see.
// Every refusal is one line naming the field.
import fs from 'node:fs';
import path from 'node:path';
import { VM_LIMITS, type BootDevice, type DiskProvisioning, type KernelBoot, type VmCreateSpec, type VmHardware, type VmReconfigureSpec } from '../../api';
import { UsageError } from '../../common';
import { diskInfo } from '../../storage';
import type { VmConfig } from '../vmx';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,79}$/;
const GUEST_OS = /^[A-Za-z0-9_-]{1,40}$/;
export const DEFAULT_SHARES_PER_CPU = 1000;

export function checkVmName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name) || name.endsWith(' ') || name.endsWith('.')) {
    throw new UsageError(`vm: name ${JSON.stringify(name)} must be 1-80 letters, digits, space, dot, dash, underscore or parentheses, starting with a letter or digit`);
  }
  return name;
}

function checkInt(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`vm: ${field} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function checkString(field: string, value: unknown, max = 4096): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || value.includes('\0')) {
    throw new UsageError(`vm: ${field} must be a non-empty string`);
  }
  return value;
}

function checkBoot(value: unknown): BootDevice {
  if (value !== 'disk' && value !== 'cdrom' && value !== 'kernel') throw new UsageError(`vm: boot must be "disk", "cdrom" or "kernel", not ${JSON.stringify(value)}`);
  return value;
}

export function checkProvisioning(value: unknown): DiskProvisioning {
  if (value === undefined) return 'thin';
  if (value !== 'thin' && value !== 'thick' && value !== 'eagerzeroedthick') {
    throw new UsageError(`vm: disk provisioning must be thin, thick or eagerzeroedthick, not ${JSON.stringify(value)}`);
  }
  return value;
}

function checkKernel(k: unknown): KernelBoot {
  if (typeof k !== 'object' || k === null) throw new UsageError('vm: kernel must be { kernel, initrd?, append? }');
  const { kernel, initrd, append } = k as Record<string, unknown>;
  return {
    kernel: checkString('kernel.kernel', kernel),
    ...(initrd !== undefined && initrd !== '' ? { initrd: checkString('kernel.initrd', initrd) } : {}),
    ...(append !== undefined ? { append: typeof append === 'string' ? append : checkString('kernel.append', append) } : {}),
  };
}

export function checkDiskSize(sizeGB: unknown): number {
  if (typeof sizeGB !== 'number' || !Number.isFinite(sizeGB) || sizeGB < VM_LIMITS.diskGB.min || sizeGB > VM_LIMITS.diskGB.max) {
    throw new UsageError(`vm: disk sizeGB must be from ${VM_LIMITS.diskGB.min} to ${VM_LIMITS.diskGB.max}, not ${JSON.stringify(sizeGB)}`);
  }
  // Whole sectors: a disk is a number of 512-byte sectors.
  return Math.ceil((sizeGB * 2 ** 30) / 512) * 512;
}

function bootOrderFor(boot: BootDevice): VmConfig['bootOrder'] {
  return boot === 'kernel' ? undefined : boot;
}

/** The VmConfig of a new VM, without its disk (the registry adds a new or existing one once it is there). */
export function configFromCreateSpec(spec: VmCreateSpec): VmConfig {
  const name = checkVmName(spec.name);
  const memoryMB = checkInt('memoryMB', spec.memoryMB, VM_LIMITS.memoryMB.min, VM_LIMITS.memoryMB.max);
  const cpus = checkInt('cpus', spec.cpus ?? 1, VM_LIMITS.cpus.min, VM_LIMITS.cpus.max);
  const guestOS = spec.guestOS ?? 'other26xlinux';
  if (!GUEST_OS.test(guestOS)) throw new UsageError(`vm: guestOS ${JSON.stringify(guestOS)} is not a VMware guest identifier (e.g. debian12, other26xlinux)`);
  const kernel = spec.kernel !== undefined ? checkKernel(spec.kernel) : undefined;
  const cdrom = spec.cdrom !== undefined && spec.cdrom !== '' ? checkString('cdrom', spec.cdrom) : undefined;
  const boot = spec.boot !== undefined ? checkBoot(spec.boot) : kernel ? 'kernel' : cdrom ? 'cdrom' : 'disk';
  if (boot === 'kernel' && !kernel) throw new UsageError('vm: boot "kernel" needs a kernel');
  if (boot === 'cdrom' && !cdrom) throw new UsageError('vm: boot "cdrom" needs a CD-ROM image');
  const existing = spec.existingDisk !== undefined && spec.existingDisk !== '' ? checkString('existingDisk', spec.existingDisk) : undefined;
  if (existing && spec.disk) throw new UsageError('vm: give either a new disk (disk.sizeGB) or an existing one (existingDisk), not both');
  if (boot === 'disk' && !spec.disk && !existing) throw new UsageError('vm: boot "disk" needs a disk (give disk.sizeGB or existingDisk, or boot from a CD-ROM or a kernel)');
  const networkName = spec.networkName ?? 'VM Network';
  return {
    displayName: name,
    memoryMB,
    cpus,
    guestOS,
    ide: cdrom ? [{ slot: 'ide1:0', type: 'cdrom', fileName: cdrom }] : [],
    serial: [{ index: 0, fileType: 'console' }],
    ethernet: [{ index: 0, virtualDev: 'e1000', networkName }],
    kernelBoot: boot === 'kernel' ? kernel : undefined,
    cpuShares: DEFAULT_SHARES_PER_CPU * cpus,
    bootOrder: bootOrderFor(boot),
  };
}

export function reconfigured(config: VmConfig, spec: VmReconfigureSpec): VmConfig {
  let next: VmConfig = { ...config };
  if (spec.memoryMB !== undefined) next = { ...next, memoryMB: checkInt('memoryMB', spec.memoryMB, VM_LIMITS.memoryMB.min, VM_LIMITS.memoryMB.max) };
  if (spec.cpus !== undefined) next = { ...next, cpus: checkInt('cpus', spec.cpus, VM_LIMITS.cpus.min, VM_LIMITS.cpus.max) };
  if (spec.guestOS !== undefined) {
    if (typeof spec.guestOS !== 'string' || !GUEST_OS.test(spec.guestOS)) throw new UsageError(`vm: guestOS ${JSON.stringify(spec.guestOS)} is not a VMware guest identifier`);
    next = { ...next, guestOS: spec.guestOS };
  }
  if (spec.cpuShares !== undefined) next = { ...next, cpuShares: checkInt('cpuShares', spec.cpuShares, 1, 1_000_000) };
  if (spec.cdrom !== undefined) {
    const others = next.ide.filter((d) => d.type !== 'cdrom');
    if (spec.cdrom === null || spec.cdrom === '') next = { ...next, ide: others };
    else {
      const fileName = checkString('cdrom', spec.cdrom);
      const used = new Set(others.map((d) => d.slot));
      const slot = config.ide.find((d) => d.type === 'cdrom')?.slot ?? ['ide1:0', 'ide1:1', 'ide0:1'].find((s) => !used.has(s));
      if (!slot) throw new UsageError('vm: no free IDE slot for a CD-ROM drive');
      next = { ...next, ide: [...others, { slot, type: 'cdrom', fileName }] };
    }
  }
  let kernel = next.kernelBoot;
  if (spec.kernel !== undefined) kernel = spec.kernel === null ? undefined : checkKernel(spec.kernel);
  const boot = spec.boot !== undefined ? checkBoot(spec.boot) : spec.kernel !== undefined ? (kernel ? 'kernel' : next.bootOrder ?? 'disk') : bootOf(next);
  if (boot === 'kernel' && !kernel) throw new UsageError('vm: boot "kernel" needs a kernel');
  if (boot === 'cdrom' && !next.ide.some((d) => d.type === 'cdrom')) throw new UsageError('vm: boot "cdrom" needs a CD-ROM image');
  // The kernel keys stay in the .vmx only while the VM boots from them.
  return { ...next, kernelBoot: boot === 'kernel' ? kernel : undefined, bootOrder: bootOrderFor(boot) ?? (boot === 'kernel' ? undefined : next.bootOrder) };
}

function bootOf(config: VmConfig): BootDevice {
  return config.kernelBoot ? 'kernel' : config.bootOrder ?? (config.ide.some((d) => d.type === 'disk') ? 'disk' : config.ide.some((d) => d.type === 'cdrom') ? 'cdrom' : 'disk');
}

/** The virtual size of a disk file (raw: its length; VMDK: its capacity), if readable. */
function diskSizeOf(file: string): number | undefined {
  if (file.toLowerCase().endsWith('.raw')) return fs.statSync(file, { throwIfNoEntry: false })?.size;
  try {
    return diskInfo(file).virtualSize;
  } catch {
    return undefined;
  }
}

export function hardwareOf(config: VmConfig, folder: string): VmHardware {
  const cdrom = config.ide.find((d) => d.type === 'cdrom');
  return {
    memoryMB: config.memoryMB,
    cpus: config.cpus,
    guestOS: config.guestOS,
    disks: config.ide
      .filter((d) => d.type === 'disk')
      .map((d) => {
        const size = diskSizeOf(path.resolve(folder, d.fileName));
        return { slot: d.slot, fileName: d.fileName, ...(size !== undefined ? { sizeBytes: size } : {}) };
      }),
    ...(cdrom ? { cdrom: cdrom.fileName } : {}),
    boot: bootOf(config),
    ...(config.kernelBoot ? { kernel: { ...config.kernelBoot } } : {}),
    cpuShares: config.cpuShares ?? DEFAULT_SHARES_PER_CPU * config.cpus,
    ...(config.ethernet[0] ? { networkName: config.ethernet[0].networkName } : {}),
  };
}
