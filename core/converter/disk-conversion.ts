// Converting one source disk into a VMDK inside the staging folder: copied sparsely by our own
// readers (raw, VMDK, qcow2), or (other foreign formats, and qcow2 features our reader lacks)
// read by qemu-img straight into our VMDK writer. Shared by the disk, .vmx and OVF sources.
import * as fs from 'node:fs';
import { type Qcow2Image, VmdkDisk, detectFormat } from '../storage';
import { DeviceSource } from './disk/device-source';
import { foreignImage, openOwnQcow2, openSourceDisk, sniffForeign, type SourceDiskFormat } from './disk/source-disk';
import { type DiskTarget, writeVmdkFrom, writeVmdkWithQemu } from './disk/write-disk';
import type { ProgressTracker } from './progress';
import type { StagingFolder } from './staging';

export interface ConvertedDisk {
  readonly fileName: string;
  readonly sourceFormat: SourceDiskFormat;
  readonly sizeBytes: number;
  /** Which reader copied it ("vmdesk", or "qemu-img" and why). */
  readonly note: string;
}

/** A qcow2 source our reader opens, or undefined (with the reason) when qemu-img must read it. */
function ownQcow2(file: string): { disk?: Qcow2Image; fallback?: string } {
  if (!fs.statSync(file).isFile() || sniffForeign(file) !== 'qcow2') return {};
  return openOwnQcow2(file);
}

/** Bytes of work a disk costs (its virtual size), for progress weights. */
export function diskCost(file: string): number {
  const own = ownQcow2(file).disk;
  if (own) {
    own.dispose();
    return own.sizeBytes;
  }
  const foreign = foreignImage(file);
  if (foreign) return foreign.virtualSize;
  if (!fs.statSync(file).isFile() || detectFormat(file) === 'vmdk') {
    const b = fs.statSync(file).isFile() ? VmdkDisk.open(file, { readOnly: true }) : DeviceSource.open(file);
    try {
      return b.sizeBytes;
    } finally {
      b.dispose();
    }
  }
  return fs.statSync(file).size;
}

export async function convertDisk(
  source: string,
  fileName: string,
  staging: StagingFolder,
  target: DiskTarget,
  tracker: ProgressTracker,
  label: string,
  signal?: AbortSignal,
): Promise<ConvertedDisk> {
  const own = ownQcow2(source);
  const foreign = own.disk ? undefined : foreignImage(source);
  if (foreign) {
    await writeVmdkWithQemu(source, foreign, staging.file(fileName), target, tracker.step(`copy ${label}`, foreign.virtualSize), signal);
    const why = own.fallback ? ` (${own.fallback})` : '';
    return { fileName, sourceFormat: foreign.format, sizeBytes: foreign.virtualSize, note: `read by qemu-img${why}` };
  }
  const opened = own.disk ? { backend: own.disk, format: 'qcow2', sizeBytes: own.disk.sizeBytes } : openSourceDisk(source);
  try {
    await writeVmdkFrom(opened.backend, staging.file(fileName), target, tracker.step(`copy ${label}`, opened.sizeBytes), signal);
    return { fileName, sourceFormat: opened.format, sizeBytes: opened.sizeBytes, note: 'read by vmdesk' };
  } finally {
    opened.backend.dispose();
  }
}

/** Disk file names in a converted VM: NAME.vmdk, NAME_1.vmdk, … (VMware's scheme). */
export const diskFileName = (name: string, i: number): string => (i === 0 ? `${name}.vmdk` : `${name}_${i}.vmdk`);
