// A VM's settings as vmdesk uses them, read from and written to its .vmx. Keys are
// VMware's (displayName, memsize, numvcpus, guestOS, ide0:0.*, serial0.*, ethernet0.*);
// direct kernel boot, which VMware has no keys for, uses vmdesk.kernel/.initrd/.append.
import { VmxError, VmxFile } from './vmx-file';

export type DiskDeviceType = 'disk' | 'cdrom';

export interface IdeDevice {
  /** "ide0:0" … "ide1:1". */
  readonly slot: string;
  readonly type: DiskDeviceType;
  /** Relative to the VM's folder, as VMware writes it. */
  readonly fileName: string;
}

export interface SerialPort {
  readonly index: number;
  /** VMware's serialN.fileType: "file", "pipe", "network", or our "console" (the host's console buffer). */
  readonly fileType: string;
  readonly fileName?: string;
}

export interface NetworkAdapter {
  readonly index: number;
  readonly virtualDev: string;
  readonly networkName: string;
  readonly macAddress?: string;
}

export interface DirectKernelBoot {
  readonly kernel: string;
  readonly initrd?: string;
  readonly append?: string;
}

export interface VmConfig {
  readonly displayName: string;
  readonly memoryMB: number;
  readonly cpus: number;
  readonly guestOS: string;
  readonly ide: readonly IdeDevice[];
  readonly serial: readonly SerialPort[];
  readonly ethernet: readonly NetworkAdapter[];
  readonly kernelBoot?: DirectKernelBoot;
  /** sched.cpu.shares, VMware's "normal" = 1000 per vCPU ("low", "normal", "high" are read as 500/1000/2000 per vCPU). */
  readonly cpuShares?: number;
  /** sched.cpu.min: the CPU reservation, "MHz" or "N%" of one core (scheduler/cpu-entitlement.ts). */
  readonly cpuReservation?: string;
  /** sched.cpu.max: the CPU limit, same units. */
  readonly cpuLimit?: string;
  /** bios.bootOrder's first device ("hdd" → disk, "cdrom" → cdrom). */
  readonly bootOrder?: 'disk' | 'cdrom';
}

export const MEMORY_MB = { min: 4, max: 3584 } as const;
export const MAX_CPUS = 1;
const IDE_SLOTS = ['ide0:0', 'ide0:1', 'ide1:0', 'ide1:1'];

const isTrue = (v: string | undefined): boolean => v !== undefined && /^(true|yes|1)$/i.test(v);

function intField(vmx: VmxFile, key: string, fallback: number, min: number, max: number): number {
  const raw = vmx.get(key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new VmxError(`${vmx.fileName}: ${key} = "${raw}" must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function bootOrderOf(value: string | undefined): 'disk' | 'cdrom' | undefined {
  const first = value?.split(',')[0]?.trim().toLowerCase();
  return first === 'hdd' ? 'disk' : first === 'cdrom' ? 'cdrom' : undefined;
}

/** VMware's share levels per vCPU (Resource Management guide: low 500, normal 1000, high 2000). */
export const SHARE_LEVELS = { low: 500, normal: 1000, high: 2000 } as const;

function sharesField(vmx: VmxFile, cpus: number): number | undefined {
  const raw = vmx.get('sched.cpu.shares')?.trim();
  if (raw === undefined || raw === '') return undefined;
  const level = SHARE_LEVELS[raw.toLowerCase() as keyof typeof SHARE_LEVELS];
  if (level !== undefined) return level * cpus;
  if (/^\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 1_000_000) return Number(raw);
  throw new VmxError(`${vmx.fileName}: sched.cpu.shares = "${raw}" must be low, normal, high or a whole number from 1 to 1000000`);
}

export function readVmConfig(vmx: VmxFile): VmConfig {
  const displayName = vmx.get('displayName')?.trim();
  if (!displayName) throw new VmxError(`${vmx.fileName}: displayName is missing`);
  const ide: IdeDevice[] = [];
  for (const slot of IDE_SLOTS) {
    if (!isTrue(vmx.get(`${slot}.present`))) continue;
    const fileName = vmx.get(`${slot}.fileName`);
    const deviceType = (vmx.get(`${slot}.deviceType`) ?? 'disk').toLowerCase();
    const type: DiskDeviceType = deviceType.startsWith('cdrom') ? 'cdrom' : 'disk';
    if (!fileName && type === 'disk') throw new VmxError(`${vmx.fileName}: ${slot}.fileName is missing for a present disk`);
    if (fileName) ide.push({ slot, type, fileName });
  }
  const serial: SerialPort[] = [];
  const ethernet: NetworkAdapter[] = [];
  for (let i = 0; i < 4; i++) {
    if (isTrue(vmx.get(`serial${i}.present`))) {
      serial.push({ index: i, fileType: vmx.get(`serial${i}.fileType`) ?? 'console', fileName: vmx.get(`serial${i}.fileName`) });
    }
    if (isTrue(vmx.get(`ethernet${i}.present`))) {
      ethernet.push({
        index: i,
        virtualDev: vmx.get(`ethernet${i}.virtualDev`) ?? 'e1000',
        networkName: vmx.get(`ethernet${i}.networkName`) ?? 'VM Network',
        macAddress: vmx.get(`ethernet${i}.address`) ?? vmx.get(`ethernet${i}.generatedAddress`),
      });
    }
  }
  const kernel = vmx.get('vmdesk.kernel');
  const config: VmConfig = {
    displayName,
    memoryMB: intField(vmx, 'memsize', 256, MEMORY_MB.min, MEMORY_MB.max),
    cpus: intField(vmx, 'numvcpus', 1, 1, MAX_CPUS),
    guestOS: vmx.get('guestOS') ?? 'other',
    ide,
    serial,
    ethernet,
    kernelBoot: kernel ? { kernel, initrd: vmx.get('vmdesk.initrd'), append: vmx.get('vmdesk.append') } : undefined,
    bootOrder: bootOrderOf(vmx.get('bios.bootOrder')),
    cpuShares: sharesField(vmx, intField(vmx, 'numvcpus', 1, 1, MAX_CPUS)),
    cpuReservation: vmx.get('sched.cpu.min')?.trim() || undefined,
    cpuLimit: vmx.get('sched.cpu.max')?.trim() || undefined,
  };
  return config;
}

/** Write `config` into `vmx`, keeping keys it does not own. */
export function writeVmConfig(vmx: VmxFile, config: VmConfig): void {
  if (!vmx.has('.encoding')) vmx.set('.encoding', 'UTF-8');
  vmx.set('config.version', '8');
  vmx.set('virtualHW.version', '4');
  vmx.set('displayName', config.displayName);
  vmx.set('memsize', config.memoryMB);
  vmx.set('numvcpus', config.cpus);
  vmx.set('guestOS', config.guestOS);
  for (const slot of IDE_SLOTS) for (const [k] of vmx.entries(`${slot}.`)) vmx.delete(k);
  for (const d of config.ide) {
    vmx.set(`${d.slot}.present`, true);
    vmx.set(`${d.slot}.fileName`, d.fileName);
    vmx.set(`${d.slot}.deviceType`, d.type === 'cdrom' ? 'cdrom-image' : 'disk');
  }
  for (let i = 0; i < 4; i++) {
    for (const [k] of vmx.entries(`serial${i}.`)) vmx.delete(k);
  }
  for (const s of config.serial) {
    vmx.set(`serial${s.index}.present`, true);
    vmx.set(`serial${s.index}.fileType`, s.fileType);
    if (s.fileName) vmx.set(`serial${s.index}.fileName`, s.fileName);
  }
  for (let i = 0; i < 4; i++) for (const [k] of vmx.entries(`ethernet${i}.`)) vmx.delete(k);
  for (const e of config.ethernet) {
    vmx.set(`ethernet${e.index}.present`, true);
    vmx.set(`ethernet${e.index}.virtualDev`, e.virtualDev);
    vmx.set(`ethernet${e.index}.networkName`, e.networkName);
    if (e.macAddress) {
      vmx.set(`ethernet${e.index}.addressType`, 'static');
      vmx.set(`ethernet${e.index}.address`, e.macAddress);
    }
  }
  for (const k of ['vmdesk.kernel', 'vmdesk.initrd', 'vmdesk.append']) vmx.delete(k);
  if (config.kernelBoot) {
    vmx.set('vmdesk.kernel', config.kernelBoot.kernel);
    if (config.kernelBoot.initrd) vmx.set('vmdesk.initrd', config.kernelBoot.initrd);
    if (config.kernelBoot.append !== undefined) vmx.set('vmdesk.append', config.kernelBoot.append);
  }
  if (config.bootOrder) vmx.set('bios.bootOrder', config.bootOrder === 'disk' ? 'hdd,cdrom' : 'cdrom,hdd');
  else vmx.delete('bios.bootOrder');
  if (config.cpuShares !== undefined) vmx.set('sched.cpu.shares', config.cpuShares);
  else vmx.delete('sched.cpu.shares');
  if (config.cpuReservation !== undefined) vmx.set('sched.cpu.min', config.cpuReservation);
  else vmx.delete('sched.cpu.min');
  if (config.cpuLimit !== undefined) vmx.set('sched.cpu.max', config.cpuLimit);
  else vmx.delete('sched.cpu.max');
}
