// Snapshot chains: a snapshot freezes a disk by putting an empty delta over it (the VM then
// writes to the delta); consolidate merges a delta into its parent; revert throws its
// changes away. Named as VMware names them: base.vmdk -> base-000001.vmdk -> base-000002.vmdk.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lba } from '../../common';
import { StorageError } from '../errors';
import { createVmdk, type Subformat } from './create';
import { newCid } from './descriptor';
import { VmdkDisk } from './vmdk-disk';

/** The next free "NAME-00000N.vmdk" beside `disk`. */
export function nextDeltaName(disk: string): string {
  const dir = path.dirname(disk);
  const stem = path.basename(disk).replace(/\.vmdk$/i, '').replace(/-\d{6}$/, '');
  for (let n = 1; n < 1_000_000; n++) {
    const p = path.join(dir, `${stem}-${String(n).padStart(6, '0')}.vmdk`);
    if (!fs.existsSync(p)) return p;
  }
  throw new StorageError(`${disk}: no free snapshot name left`);
}

/** The delta subformat VMware uses over a parent of this type. */
function deltaSubformatFor(createType: string): Subformat {
  return createType === 'vmfs' || createType === 'vmfsSparse' ? 'vmfsSparse' : 'monolithicSparse';
}

export interface SnapshotOptions {
  /** Where to put the delta (default: next NAME-00000N.vmdk). */
  delta?: string;
  subformat?: 'monolithicSparse' | 'vmfsSparse';
}

/** Creates an empty delta over `disk` and returns its path. */
export function createSnapshot(disk: string, o: SnapshotOptions = {}): string {
  const parent = VmdkDisk.open(disk, { readOnly: true });
  try {
    const delta = o.delta ?? nextDeltaName(disk);
    const subformat = o.subformat ?? deltaSubformatFor(parent.createType);
    createVmdk(delta, {
      sizeBytes: parent.sizeBytes,
      subformat,
      parent: { path: disk, cid: parent.descriptor.cid },
      adapterType: (parent.descriptor.ddb.get('ddb.adapterType') as 'ide' | undefined) ?? 'ide',
      zeroedGrain: subformat === 'monolithicSparse',
    });
    return delta;
  } finally {
    parent.dispose();
  }
}

/**
 * Merges `delta` into its parent and deletes the delta's files; returns the parent's path.
 * Crash-safe: the parent keeps its CID until every grain is copied (so delta-over-parent
 * still reads the same data if interrupted), the delta is removed, and only then the parent's
 * CID changes.
 */
export function consolidate(delta: string, progress?: (done: number, total: number) => void): string {
  const d = VmdkDisk.open(delta, { readOnly: true });
  let parentPath: string;
  let files: string[];
  try {
    if (!d.parent) throw new StorageError(`${delta}: has no parent to consolidate into`, 'storage.chain');
    parentPath = d.parent.path;
    const p = VmdkDisk.open(parentPath, { keepCid: true });
    try {
      const total = d.sectorCount;
      const buf = new Uint8Array(4096 * 512);
      let lba = 0;
      while (lba < total) {
        const r = d.ownAllocationRun(lba as Lba, Math.min(4096, total - lba));
        const n = r.sectors;
        const upTo = Math.min(n, p.sectorCount - lba);
        if (upTo > 0 && r.state === 'data') {
          d.readSectors(lba as Lba, upTo, buf, 0);
          p.writeSectors(lba as Lba, upTo, buf, 0);
        } else if (upTo > 0 && r.state === 'zero') {
          p.discard(lba as Lba, upTo);
        }
        lba += n;
        progress?.(lba, total);
      }
      p.flush();
    } finally {
      p.dispose();
    }
    files = d.files();
  } finally {
    d.dispose();
  }
  for (const f of files) fs.rmSync(f, { force: true });
  const p = VmdkDisk.open(parentPath, { keepCid: true });
  try {
    p.descriptor.cid = newCid();
    p.writeDescriptor();
  } finally {
    p.dispose();
  }
  return parentPath;
}

/**
 * Throws away what was written to `delta` since its snapshot: the delta is replaced by an
 * empty one over the same parent (the VM keeps pointing at the same file), or deleted when
 * `remove` is set. Returns the disk the VM should now use.
 */
export function revert(delta: string, remove = false): string {
  const d = VmdkDisk.open(delta, { readOnly: true });
  let parentPath: string;
  let files: string[];
  let subformat: Subformat;
  try {
    if (!d.parent) throw new StorageError(`${delta}: is not a delta disk; nothing to revert to`, 'storage.chain');
    parentPath = d.parent.path;
    files = d.files();
    subformat = d.createType === 'vmfsSparse' ? 'vmfsSparse' : 'monolithicSparse';
  } finally {
    d.dispose();
  }
  // Make the replacement first, then swap it in with renames (a crash leaves either one).
  const tmp = path.join(path.dirname(delta), `.revert-${process.pid}-${path.basename(delta)}`);
  if (remove) {
    for (const f of files) fs.rmSync(f, { force: true });
    return parentPath;
  }
  createSnapshot(parentPath, { delta: tmp, subformat });
  if (subformat === 'vmfsSparse') {
    // The descriptor names its -delta file; rename the data file first, then the descriptor.
    const oldData = files[1]!;
    const newData = path.join(path.dirname(delta), `${path.basename(tmp).replace(/\.vmdk$/, '')}-delta.vmdk`);
    fs.renameSync(newData, oldData);
    const text = fs.readFileSync(tmp, 'utf8').replace(`"${path.basename(newData)}"`, `"${path.basename(oldData)}"`);
    fs.writeFileSync(tmp, text);
  } else {
    // The embedded descriptor names the file itself; rewrite it under the final name.
    const t = VmdkDisk.open(tmp, { keepCid: true, noParent: true });
    t.descriptor.extents[0]!.file = path.basename(delta);
    t.writeDescriptor();
    t.dispose();
  }
  fs.renameSync(tmp, delta);
  return delta;
}
