// Converting one source disk into a VMDK inside the staging folder: unpack (foreign formats),
// then copy sparsely. Shared by the disk, .vmx, OVF and hot-clone sources.
import * as fs from 'node:fs';
import { VmdkDisk, detectFormat } from '../storage';
import { DeviceSource } from './disk/device-source';
import { openSourceDisk, unpackCost, type SourceDiskFormat } from './disk/source-disk';
import { type DiskType, writeVmdkFrom } from './disk/write-disk';
import type { ProgressTracker } from './progress';
import type { StagingFolder } from './staging';

export interface ConvertedDisk {
  readonly fileName: string;
  readonly sourceFormat: SourceDiskFormat;
  readonly sizeBytes: number;
}

/** Bytes of work a disk costs (unpack + copy of the virtual size), for progress weights. */
export function diskCost(file: string): number {
  const unpack = unpackCost(file);
  if (unpack) return unpack * 2;
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
  diskType: DiskType,
  tracker: ProgressTracker,
  label: string,
  signal?: AbortSignal,
): Promise<ConvertedDisk> {
  const unpack = unpackCost(source);
  const opened = await openSourceDisk(source, (n) => staging.scratch(n), unpack ? tracker.step(`unpack ${label}`, unpack) : undefined, signal);
  try {
    await writeVmdkFrom(opened.backend, staging.file(fileName), diskType, tracker.step(`copy ${label}`, opened.sizeBytes), signal);
    return { fileName, sourceFormat: opened.format, sizeBytes: opened.sizeBytes };
  } finally {
    opened.backend.dispose();
  }
}

/** Disk file names in a converted VM: NAME.vmdk, NAME_1.vmdk, … (VMware's scheme). */
export const diskFileName = (name: string, i: number): string => (i === 0 ? `${name}.vmdk` : `${name}_${i}.vmdk`);
