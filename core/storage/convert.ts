// Copying a disk into another format: reads allocated data only, skips all-zero grains so the
// destination keeps its holes, and writes in large runs (sparse writes coalesce into one
// pwrite per run of new grains).
import * as fs from 'node:fs';
import type { Lba } from '../common';
import type { BlockBackend } from './block-backend';
import { StorageError } from './errors';
import { isZero } from './file-io';
import { openImage } from './image';
import { RawBackend } from './raw-backend';
import { type Provisioning, type Subformat, baseDescriptor, createVmdk } from './vmdk/create';
import { writeStreamOptimized } from './vmdk/stream-writer';
import { VmdkDisk } from './vmdk/vmdk-disk';

export interface ConvertOptions {
  format: 'vmdk' | 'raw';
  subformat?: Subformat;
  provisioning?: Provisioning;
  overwrite?: boolean;
  progress?: (doneSectors: number, totalSectors: number) => void;
}

const CHUNK_SECTORS = 4096; // 2 MiB
const ZERO_UNIT = 128; // skip detection granularity: 64 KiB, one default grain

/** Copies every non-zero 64 KiB unit of `src` to `dst` (which reads as zeros beforehand). */
export function copyData(src: BlockBackend, dst: BlockBackend, progress?: (done: number, total: number) => void): void {
  const total = src.sectorCount;
  const buf = new Uint8Array(CHUNK_SECTORS * 512);
  let lba = 0;
  while (lba < total) {
    const max = Math.min(CHUNK_SECTORS, total - lba);
    const run = src.allocationRun(lba as Lba, max);
    const n = Math.min(max, run.sectors);
    if (run.allocated) {
      src.readSectors(lba as Lba, n, buf, 0);
      // Write runs of non-zero units; zero units stay holes in the destination.
      let i = 0;
      while (i < n) {
        const unit = Math.min(ZERO_UNIT - ((lba + i) % ZERO_UNIT), n - i);
        if (isZero(buf, i * 512, unit * 512)) {
          i += unit;
          continue;
        }
        let j = i + unit;
        while (j < n) {
          const u = Math.min(ZERO_UNIT, n - j);
          if (isZero(buf, j * 512, u * 512)) break;
          j += u;
        }
        dst.writeSectors((lba + i) as Lba, j - i, buf, i * 512);
        i = j;
      }
    }
    lba += n;
    progress?.(lba, total);
  }
}

export function convertImage(srcPath: string, dstPath: string, o: ConvertOptions): void {
  if (!o.overwrite && fs.existsSync(dstPath)) throw new StorageError(`${dstPath}: already exists`, 'storage.exists');
  const src = openImage(srcPath, { readOnly: true });
  try {
    if (o.format === 'raw') {
      const dst = RawBackend.create(dstPath, src.sizeBytes, o.overwrite);
      try {
        copyData(src, dst, o.progress);
      } finally {
        dst.dispose();
      }
      return;
    }
    const subformat = o.subformat ?? 'monolithicSparse';
    if (subformat === 'streamOptimized') {
      const d = baseDescriptor(src.sectorCount, 'streamOptimized', { sizeBytes: src.sizeBytes }, dstPath);
      d.extents = [{ access: 'RW', sectors: src.sectorCount, type: 'SPARSE', file: dstPath.split('/').pop()!, offset: 0 }];
      writeStreamOptimized(dstPath, src, d, { overwrite: o.overwrite, progress: o.progress });
      return;
    }
    if (subformat === 'vmfsSparse') throw new StorageError(`${dstPath}: vmfsSparse is a delta format; convert to a base subformat`, 'storage.unsupported');
    createVmdk(dstPath, { sizeBytes: src.sizeBytes, subformat, provisioning: o.provisioning ?? 'thin', overwrite: o.overwrite });
    const dst = VmdkDisk.open(dstPath);
    try {
      copyData(src, dst, o.progress);
      dst.flush();
    } finally {
      dst.dispose();
    }
  } finally {
    src.dispose();
  }
}
