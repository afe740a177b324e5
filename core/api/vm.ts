// vm.* — virtual machines: what they are (a .vmx on a datastore), how to make, change and
// power them, and what they report (stats, serial console).
import type { VmPowerState } from './inventory';

export type BootDevice = 'disk' | 'cdrom' | 'kernel';
export type DiskProvisioning = 'thin' | 'thick' | 'eagerzeroedthick';

export const VM_LIMITS = { memoryMB: { min: 4, max: 3584 }, cpus: { min: 1, max: 1 }, diskGB: { min: 0.001, max: 2048 } } as const;

export interface VmDisk {
  /** IDE slot, "ide0:0". */
  readonly slot: string;
  /** File name relative to the VM folder, as the .vmx holds it. */
  readonly fileName: string;
  readonly sizeBytes?: number;
}

export interface KernelBoot {
  /** Host paths (or datastore paths "[ds] dir/file"). */
  readonly kernel: string;
  readonly initrd?: string;
  readonly append?: string;
}

/** A VM's settings as the UI shows them (Edit Settings). */
export interface VmHardware {
  readonly memoryMB: number;
  readonly cpus: number;
  readonly guestOS: string;
  readonly disks: readonly VmDisk[];
  /** ISO image of the CD-ROM drive, relative to the VM folder or absolute. */
  readonly cdrom?: string;
  readonly boot: BootDevice;
  readonly kernel?: KernelBoot;
  /** sched.cpu.shares (VMware: 1000 per vCPU is "normal"). */
  readonly cpuShares: number;
  readonly networkName?: string;
}

export interface VmInfo {
  readonly id: string;
  readonly name: string;
  readonly powerState: VmPowerState;
  readonly datastore: string;
  /** Datastore path of the .vmx, VMware style: "[datastore1] web01/web01.vmx". */
  readonly vmxPath: string;
  /** Null when the .vmx cannot be read; `problem` says why (vCenter's "invalid" VM). */
  readonly hardware: VmHardware | null;
  readonly problem?: string;
  /** ms since the epoch of the last power-on of this host session. */
  readonly poweredOnAt?: number;
}

export interface VmCreateSpec {
  readonly name: string;
  readonly datastore: string;
  readonly memoryMB: number;
  readonly cpus?: number;
  readonly guestOS?: string;
  /** A new virtual disk; omitted: no disk. */
  readonly disk?: { readonly sizeGB: number; readonly provisioning?: DiskProvisioning };
  /** Instead of a new disk, an existing image on a datastore ("[ds] dir/disk.vmdk" or a host path on one). */
  readonly existingDisk?: string;
  readonly cdrom?: string;
  readonly kernel?: KernelBoot;
  /** Default: kernel when `kernel` is given, else cdrom when `cdrom`, else disk. */
  readonly boot?: BootDevice;
  readonly networkName?: string;
}

/** Only the fields given change; null removes an optional device. */
export interface VmReconfigureSpec {
  readonly id: string;
  readonly memoryMB?: number;
  readonly cpus?: number;
  readonly guestOS?: string;
  readonly cdrom?: string | null;
  readonly kernel?: KernelBoot | null;
  readonly boot?: BootDevice;
  readonly cpuShares?: number;
}

export interface VmStats {
  readonly time: number;
  /** Share of one host CPU the VM's worker used over the last interval, 0..100 per vCPU. */
  readonly cpuPercent: number;
  readonly memoryUsedBytes: number;
  readonly memoryBytes: number;
  /** Bytes and requests the VM's disks and CD-ROM served since power-on (cumulative). */
  readonly diskReadBytes: number;
  readonly diskWriteBytes: number;
  readonly diskReads: number;
  readonly diskWrites: number;
  /** Disk throughput over the last interval, bytes per second. */
  readonly diskReadRate: number;
  readonly diskWriteRate: number;
  readonly consoleBytes: number;
}

/** Serial console output; `data` is base64 (bytes, not text). */
export interface ConsoleChunk {
  readonly id: string;
  readonly data: string;
  /** Offset of the first byte of `data` in the VM's output since power-on. */
  readonly offset: number;
}

export interface ConsoleHistory extends ConsoleChunk {
  /** Offset just past the last byte kept (the next live chunk starts here). */
  readonly end: number;
  readonly powerState: VmPowerState;
}

/** converter.convert: a source on the host becomes VM `name` on `datastore`. */
export interface VmConvertSpec {
  /** Host path of the source: a disk image or block device, a qcow2/VDI/VHD/VHDX image, a VMware .vmx (or its folder), an .ovf or .ova; or agent://HOST:PORT (hot clone). */
  readonly source: string;
  /** The agent's token, for an agent:// source. */
  readonly token?: string;
  readonly datastore: string;
  readonly name: string;
  readonly memoryMB?: number;
  readonly cpus?: number;
  /** thin (default) or thick. */
  readonly diskType?: 'thin' | 'thick';
}
