// Creating VMDK disks in every subformat we write, with thin, lazily-zeroed thick or
// eager-zeroed thick provisioning, optionally as a delta over a parent (snapshots).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../common';
import { StorageError } from '../errors';
import { PositionalFile } from '../file-io';
import { writeCowdFile } from './cowd-extent';
import {
  CID_NOPARENT,
  type ExtentLine,
  type VmdkDescriptor,
  defaultGeometry,
  formatDescriptor,
  newCid,
  newUuid,
} from './descriptor';
import { type Preallocation, writeSparseFile } from './sparse-extent';
import { writeEmptyStreamOptimized } from './stream-writer';
import { writeFileAtomic } from './vmdk-disk';

export const SUBFORMATS = [
  'monolithicSparse',
  'twoGbMaxExtentSparse',
  'monolithicFlat',
  'twoGbMaxExtentFlat',
  'vmfs',
  'streamOptimized',
  'vmfsSparse',
] as const;
export type Subformat = (typeof SUBFORMATS)[number];

export const PROVISIONINGS = ['thin', 'thick', 'eagerzeroedthick'] as const;
export type Provisioning = (typeof PROVISIONINGS)[number];

export const ADAPTER_TYPES = ['ide', 'buslogic', 'lsilogic', 'legacyESX', 'pvscsi'] as const;
export type AdapterType = (typeof ADAPTER_TYPES)[number];

/** VMware's split size: 2047 MiB per extent file. */
export const SPLIT_SECTORS = 4192256;

export interface ParentRef {
  /** Path of the parent's descriptor. */
  path: string;
  cid: number;
}

export interface CreateOptions {
  sizeBytes: number;
  subformat?: Subformat;
  provisioning?: Provisioning;
  adapterType?: AdapterType;
  hwVersion?: number;
  grainSize?: number;
  /** Use GTE 1 for zeroed grains (sparse version 2): discard can mark grains zero. */
  zeroedGrain?: boolean;
  parent?: ParentRef;
  overwrite?: boolean;
  /** Progress of writing zeros (eagerzeroedthick), in bytes. */
  progress?: (doneBytes: number, totalBytes: number) => void;
}

export function subformatOf(value: string): Subformat {
  if (!(SUBFORMATS as readonly string[]).includes(value)) throw new UsageError(`disk: unknown subformat "${value}" (one of ${SUBFORMATS.join(', ')})`);
  return value as Subformat;
}

export function provisioningOf(value: string): Provisioning {
  if (!(PROVISIONINGS as readonly string[]).includes(value)) throw new UsageError(`disk: unknown provisioning "${value}" (thin, thick or eagerzeroedthick)`);
  return value as Provisioning;
}

/** Names of the extent files VMware uses for a descriptor `F.vmdk`. */
export function extentFileName(descriptor: string, subformat: Subformat, index: number): string {
  const base = path.basename(descriptor).replace(/\.vmdk$/i, '');
  switch (subformat) {
    case 'monolithicFlat':
    case 'vmfs':
      return `${base}-flat.vmdk`;
    case 'twoGbMaxExtentFlat':
      return `${base}-f${String(index + 1).padStart(3, '0')}.vmdk`;
    case 'twoGbMaxExtentSparse':
      return `${base}-s${String(index + 1).padStart(3, '0')}.vmdk`;
    case 'vmfsSparse':
      return `${base}-delta.vmdk`;
    default:
      return path.basename(descriptor);
  }
}

export function baseDescriptor(sectors: number, createType: VmdkDescriptor['createType'], o: CreateOptions, descriptorFile: string): VmdkDescriptor {
  const geo = defaultGeometry(sectors);
  const ddb = new Map<string, string>([
    ['ddb.adapterType', o.adapterType ?? 'ide'],
    ['ddb.geometry.cylinders', String(geo.cylinders)],
    ['ddb.geometry.heads', String(geo.heads)],
    ['ddb.geometry.sectors', String(geo.sectors)],
    ['ddb.longContentID', [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, '0')).join('')],
    ['ddb.uuid', newUuid()],
    ['ddb.virtualHWVersion', String(o.hwVersion ?? 4)],
  ]);
  if ((o.provisioning ?? 'thin') === 'thin' && !o.parent) ddb.set('ddb.thinProvisioned', '1');
  const d: VmdkDescriptor = {
    version: 1,
    encoding: 'UTF-8',
    cid: newCid(),
    parentCid: o.parent ? o.parent.cid : CID_NOPARENT,
    isNativeSnapshot: 'no',
    createType,
    extents: [],
    ddb,
    extra: new Map(),
  };
  if (o.parent) d.parentFileNameHint = path.relative(path.dirname(path.resolve(descriptorFile)), path.resolve(o.parent.path));
  return d;
}

function preallocationOf(p: Provisioning): Preallocation {
  return p === 'thin' ? 'none' : p === 'thick' ? 'lazy' : 'eager';
}

/**
 * Reserves host space for `bytes` at the start of a file. Lazily zeroed: fallocate(1) gives
 * unwritten extents that read as zero (where the file system cannot, the file stays sparse);
 * eager: zeros are written.
 */
export function reserveSpace(file: string, bytes: number, mode: Preallocation, from = 0, progress?: (done: number, total: number) => void): void {
  if (mode === 'none' || bytes <= from) return;
  if (mode === 'lazy') {
    const r = spawnSync('fallocate', ['-o', String(from), '-l', String(bytes - from), file], { stdio: 'ignore' });
    if (r.status !== 0) {
      const fd = fs.openSync(file, 'r+');
      if (fs.fstatSync(fd).size < bytes) fs.ftruncateSync(fd, bytes);
      fs.closeSync(fd);
    }
    return;
  }
  const fd = fs.openSync(file, 'r+');
  try {
    const chunk = new Uint8Array(4 << 20);
    for (let at = from; at < bytes; at += chunk.length) {
      fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - at), at);
      progress?.(Math.min(bytes, at + chunk.length) - from, bytes - from);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates a disk; returns the files written, descriptor first. */
export function createVmdk(file: string, o: CreateOptions): string[] {
  const subformat = o.subformat ?? ((o.provisioning ?? 'thin') === 'thin' ? 'monolithicSparse' : 'monolithicFlat');
  const provisioning = o.provisioning ?? 'thin';
  if (!Number.isSafeInteger(o.sizeBytes) || o.sizeBytes <= 0) throw new UsageError(`disk create: size ${o.sizeBytes} is not a positive number of bytes`);
  const sectors = Math.ceil(o.sizeBytes / 512);
  if (subformat === 'streamOptimized' && provisioning !== 'thin') throw new UsageError('disk create: streamOptimized disks are always thin');
  if (subformat === 'vmfsSparse' && provisioning !== 'thin') throw new UsageError('disk create: vmfsSparse deltas are always thin');
  if (!o.overwrite && fs.existsSync(file)) throw new StorageError(`${file}: already exists`, 'storage.exists');
  const dir = path.dirname(file);
  const d = baseDescriptor(sectors, subformat, o, file);
  const prealloc = preallocationOf(provisioning);
  const written: string[] = [file];

  const sparseFile = (p: string, capacity: number, embedded: string | undefined): void => {
    const f = PositionalFile.create(p, o.overwrite);
    try {
      const { endSector, header } = writeSparseFile(f, { capacity, grainSize: o.grainSize, descriptorText: embedded, zeroedGrain: o.zeroedGrain }, prealloc);
      f.close();
      reserveSpace(p, endSector * 512, prealloc, header.overhead * 512, o.progress);
    } finally {
      f.close();
    }
  };
  const flatFile = (p: string, capacity: number): void => {
    const f = PositionalFile.create(p, o.overwrite);
    f.truncate(capacity * 512);
    f.close();
    reserveSpace(p, capacity * 512, prealloc, 0, o.progress);
  };
  const split = (): number[] => {
    const out: number[] = [];
    for (let left = sectors; left > 0; left -= SPLIT_SECTORS) out.push(Math.min(SPLIT_SECTORS, left));
    return out;
  };

  switch (subformat) {
    case 'monolithicSparse': {
      d.extents = [{ access: 'RW', sectors, type: 'SPARSE', file: path.basename(file), offset: 0 }];
      sparseFile(file, sectors, formatDescriptor(d));
      return written;
    }
    case 'streamOptimized': {
      d.extents = [{ access: 'RW', sectors, type: 'SPARSE', file: path.basename(file), offset: 0 }];
      writeEmptyStreamOptimized(file, sectors, d, o.overwrite);
      return written;
    }
    case 'monolithicFlat':
    case 'vmfs': {
      const name = extentFileName(file, subformat, 0);
      d.extents = [{ access: 'RW', sectors, type: subformat === 'vmfs' ? 'VMFS' : 'FLAT', file: name, offset: 0 }];
      flatFile(path.join(dir, name), sectors);
      written.push(path.join(dir, name));
      break;
    }
    case 'twoGbMaxExtentFlat':
    case 'twoGbMaxExtentSparse': {
      const sizes = split();
      d.extents = sizes.map((n, i): ExtentLine => ({
        access: 'RW',
        sectors: n,
        type: subformat === 'twoGbMaxExtentFlat' ? 'FLAT' : 'SPARSE',
        file: extentFileName(file, subformat, i),
        offset: 0,
      }));
      for (const [i, n] of sizes.entries()) {
        const p = path.join(dir, extentFileName(file, subformat, i));
        if (subformat === 'twoGbMaxExtentFlat') flatFile(p, n);
        else sparseFile(p, n, undefined);
        written.push(p);
      }
      break;
    }
    case 'vmfsSparse': {
      const name = extentFileName(file, subformat, 0);
      d.extents = [{ access: 'RW', sectors, type: 'VMFSSPARSE', file: name, offset: 0 }];
      const f = PositionalFile.create(path.join(dir, name), o.overwrite);
      try {
        writeCowdFile(f, sectors, d.parentFileNameHint ?? '', o.grainSize ?? 1);
      } finally {
        f.close();
      }
      written.push(path.join(dir, name));
      break;
    }
  }
  writeFileAtomic(file, Buffer.from(formatDescriptor(d), 'utf8'));
  return written;
}
