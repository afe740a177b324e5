// `disk check`: a consistency check stricter than qemu-img's. Errors make the disk unsafe to
// use; warnings are harmless leftovers of an interrupted write (leaked grains, a redundant
// table one entry behind).
import * as fs from 'node:fs';
import { errorMessage } from '../../common';
import { StorageError } from '../errors';
import { FlatExtent } from './extent';
import { GrainExtent } from './grain-extent';
import { VmdkDisk } from './vmdk-disk';

export interface CheckReport {
  file: string;
  errors: string[];
  warnings: string[];
  allocatedGrains: number;
  /** Sectors at the end of sparse files not referenced by any grain table. */
  leakedSectors: number;
}

export function checkVmdk(file: string): CheckReport {
  const report: CheckReport = { file, errors: [], warnings: [], allocatedGrains: 0, leakedSectors: 0 };
  let disk: VmdkDisk;
  try {
    disk = VmdkDisk.open(file, { readOnly: true });
  } catch (err) {
    if (err instanceof StorageError) {
      report.errors.push(errorMessage(err));
      return report;
    }
    throw err;
  }
  try {
    for (const [i, { extent }] of disk.extents.entries()) {
      try {
        if (extent instanceof GrainExtent) checkGrainExtent(extent, report);
        else if (extent instanceof FlatExtent) {
          const f = extent.files[0]!;
          const line = disk.descriptor.extents[i]!;
          const size = fs.statSync(f.path).size;
          if (size < (line.offset + line.sectors) * 512) report.errors.push(`${f.path}: is ${size} bytes, the descriptor needs ${(line.offset + line.sectors) * 512} (truncated?)`);
        }
      } catch (err) {
        if (err instanceof StorageError) report.errors.push(errorMessage(err));
        else throw err;
      }
    }
  } finally {
    disk.dispose();
  }
  return report;
}

function checkGrainExtent(e: GrainExtent, r: CheckReport): void {
  const name = e.path;
  const compressed = e.compressed;
  const starts: number[] = [];
  let maxEnd = 0;
  e.forEachEntry((g, entry) => {
    if (e.isZeroedGrainEntry(entry)) return;
    r.allocatedGrains++;
    starts.push(entry);
    maxEnd = Math.max(maxEnd, entry + (compressed ? 1 : e.grainSize));
    if (compressed) {
      // Decompress it: bad markers and damaged deflate data show up here.
      e.read(g * e.grainSize, 1, new Uint8Array(512), 0, () => {});
    }
  });
  if (!compressed) {
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) {
      if (starts[i]! < starts[i - 1]! + e.grainSize) r.errors.push(`${name}: grains at sectors ${starts[i - 1]} and ${starts[i]} overlap`);
      if (r.errors.length > 20) return;
    }
  }
  // Directory tables must not overlap grains either.
  const gtSectors = Math.ceil((e.gtesPerGt * 4) / 512);
  const tables = [...e.gd, ...(e.rgd ?? [])].filter((s) => s !== 0);
  for (const t of tables) {
    maxEnd = Math.max(maxEnd, t + gtSectors);
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < t + gtSectors) lo = mid + 1;
      else hi = mid;
    }
    const before = starts[lo - 1];
    if (!compressed && before !== undefined && before + e.grainSize > t) r.errors.push(`${name}: grain at sector ${before} overlaps the grain table at sector ${t}`);
  }
  if (e.rgd) {
    for (let i = 0; i < e.gd.length; i++) {
      const a = e.gt(i);
      const rs = e.rgd[i]!;
      if (rs === 0 || a === null) {
        if ((rs === 0) !== (a === null)) r.warnings.push(`${name}: grain directory entry ${i} and its redundant copy disagree`);
        continue;
      }
      const b = new Uint8Array(e.gtesPerGt * 4);
      e.file.readExact(b, 0, b.length, rs * 512, `redundant grain table ${i}`);
      const bt = new Uint32Array(b.buffer);
      for (let k = 0; k < bt.length; k++) {
        if (bt[k] !== a[k]) {
          r.warnings.push(`${name}: redundant grain table ${i} differs at entry ${k} (an interrupted write; the primary table is used)`);
          break;
        }
      }
    }
  }
  const end = Math.ceil(fs.statSync(name).size / 512);
  const used = Math.ceil(maxEnd / e.grainSize) * e.grainSize;
  if (!compressed && end > used) r.leakedSectors += end - used;
}
