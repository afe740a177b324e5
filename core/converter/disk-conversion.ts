// Converting one source disk into a VMDK inside the staging folder: copied sparsely by our own
// reader, or (foreign formats) read by qemu-img straight into our VMDK writer. Shared by the
// disk, .vmx and OVF sources.
import * as fs from 'node:fs';
import { VmdkDisk, detectFormat } from '../storage';
import { DeviceSource } from './disk/device-source';
import { foreignImage, openSourceDisk, type SourceDiskFormat } from './disk/source-disk';
import { type DiskTarget, writeVmdkFrom, writeVmdkWithQemu } from './disk/write-disk';
import type { ProgressTracker } from './progress';
import type { StagingFolder } from './staging';

export interface ConvertedDisk {
  readonly fileName: string;
  readonly sourceFormat: SourceDiskFormat;
  readonly sizeBytes: number;
}

/** Bytes of work a disk costs (its virtual size), for progress weights. */
export function diskCost(file: string): number {
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
  const foreign = foreignImage(source);
  if (foreign) {
    await writeVmdkWithQemu(source, foreign, staging.file(fileName), target, tracker.step(`copy ${label}`, foreign.virtualSize), signal);
    return { fileName, sourceFormat: foreign.format, sizeBytes: foreign.virtualSize };
  }
  const opened = openSourceDisk(source);
  try {
    await writeVmdkFrom(opened.backend, staging.file(fileName), target, tracker.step(`copy ${label}`, opened.sizeBytes), signal);
    return { fileName, sourceFormat: opened.format, sizeBytes: opened.sizeBytes };
  } finally {
    opened.backend.dispose();
  }
}

/** Disk file names in a converted VM: NAME.vmdk, NAME_1.vmdk, … (VMware's scheme). */
export const diskFileName = (name: string, i: number): string => (i === 0 ? `${name}.vmdk` : `${name}_${i}.vmdk`);
