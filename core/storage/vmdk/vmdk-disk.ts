// A VMDK virtual disk opened as a BlockBackend: its descriptor, its extents in order, and its
// parent when it is a delta (reads of unallocated grains fall through to the parent).
// Writes change the CID once per session (spec: "CID ... changes on first write"), so a delta
// whose parentCID no longer matches knows its parent was modified under it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lba } from '../../common';
import { type BlockBackend, checkRange } from '../block-backend';
import { StorageError, corrupt } from '../errors';
import { PositionalFile } from '../file-io';
import { COWD_MAGIC, openCowdExtent } from './cowd-extent';
import {
  CID_NOPARENT,
  MAX_DESCRIPTOR_BYTES,
  type VmdkDescriptor,
  formatDescriptor,
  isDescriptorText,
  newCid,
  parseDescriptor,
} from './descriptor';
import { type AllocationRun, type Extent, FlatExtent, type HoleReader, ZeroExtent } from './extent';
import { GrainExtent } from './grain-extent';
import { KDMV_MAGIC, type SparseHeader } from './sparse-header';
import { openSparseExtent } from './sparse-extent';

export interface VmdkOpenOptions {
  readOnly?: boolean;
  /** fdatasync between data and metadata writes (ordering across power loss, slower). */
  barriers?: boolean;
  /** Do not change the CID on first write (consolidate keeps the chain valid until done). */
  keepCid?: boolean;
  /** Open without the parent chain (inspection of a delta whose parent is missing). */
  noParent?: boolean;
  /** Internal: depth in a parent chain, to stop loops. */
  depth?: number;
}

interface PlacedExtent {
  start: number;
  extent: Extent;
  hole: HoleReader;
}

const MAX_CHAIN = 64;

export class VmdkDisk implements BlockBackend {
  readonly sectorCount: number;
  readonly sizeBytes: number;
  readonly readOnly: boolean;
  readonly parent: VmdkDisk | undefined;
  private readonly placed: PlacedExtent[];
  private cidUpdated: boolean;
  private last: PlacedExtent;
  private readonly run: { allocated: boolean; sectors: number } = { allocated: false, sectors: 0 };

  private constructor(
    /** Path of the descriptor (or of the monolithic file that embeds it). */
    readonly path: string,
    readonly descriptor: VmdkDescriptor,
    extents: { extent: Extent }[],
    parent: VmdkDisk | undefined,
    /** Where the descriptor lives inside a sparse file, if embedded. */
    private readonly embedded: { file: PositionalFile; offset: number; sectors: number } | undefined,
    /** KDMV header of the first sparse extent, for info. */
    readonly sparseHeader: SparseHeader | undefined,
    readOnly: boolean,
    keepCid: boolean,
    private readonly synthesized: boolean,
  ) {
    this.readOnly = readOnly;
    this.parent = parent;
    this.cidUpdated = keepCid;
    let start = 0;
    this.placed = extents.map(({ extent }) => {
      const at = start;
      start += extent.sectors;
      return { start: at, extent, hole: (s, n, buf, off) => this.readHole(at + s, n, buf, off) };
    });
    this.sectorCount = start;
    this.sizeBytes = start * 512;
    this.last = this.placed[0]!;
  }

  static open(file: string, options: VmdkOpenOptions = {}): VmdkDisk {
    const readOnly = options.readOnly ?? false;
    const depth = options.depth ?? 0;
    if (depth > MAX_CHAIN) throw new StorageError(`${file}: parent chain deeper than ${MAX_CHAIN} disks (a loop in parentFileNameHint?)`, 'storage.chain');
    const opened: PositionalFile[] = [];
    const openFile = (p: string, writable: boolean): PositionalFile => {
      const f = PositionalFile.open(p, writable);
      opened.push(f);
      return f;
    };
    try {
      const main = openFile(file, !readOnly);
      const head = new Uint8Array(512);
      const n = main.read(head, 0, 512, 0);
      const magic = n >= 4 ? new DataView(head.buffer).getUint32(0, true) : 0;
      const dir = path.dirname(file);
      let descriptor: VmdkDescriptor;
      let embedded: { file: PositionalFile; offset: number; sectors: number } | undefined;
      let firstSparse: SparseHeader | undefined;
      let isSynth = false;
      const extents: { extent: Extent }[] = [];

      if (magic === KDMV_MAGIC) {
        const s = openSparseExtent(main, !readOnly, options.barriers);
        firstSparse = s.header;
        if (s.descriptorText !== undefined) {
          descriptor = parseDescriptor(s.descriptorText, file);
          embedded = { file: main, offset: s.header.descriptorOffset, sectors: s.header.descriptorSize };
        } else {
          descriptor = synthesized(file, s.header.capacity, 'monolithicSparse', 'SPARSE');
          isSynth = true;
        }
        const e = descriptor.extents[0]!;
        if (descriptor.extents.length !== 1 || e.type !== 'SPARSE') throw corrupt(file, 'embedded descriptor', 'a monolithic sparse file describes exactly one SPARSE extent');
        if (e.sectors !== s.header.capacity) throw corrupt(file, 'embedded descriptor extent', `says ${e.sectors} sectors, header.capacity says ${s.header.capacity}`);
        extents.push({ extent: s.extent });
      } else if (magic === COWD_MAGIC) {
        const c = openCowdExtent(main, !readOnly, options.barriers);
        descriptor = synthesized(file, c.header.numSectors, 'vmfsSparse', 'VMFSSPARSE');
        isSynth = true;
        extents.push({ extent: c.extent });
      } else if (n > 0 && isDescriptorText(head)) {
        const size = main.size();
        if (size > MAX_DESCRIPTOR_BYTES) throw corrupt(file, 'descriptor', `is ${size} bytes, more than ${MAX_DESCRIPTOR_BYTES}`);
        const text = new Uint8Array(size);
        main.readExact(text, 0, size, 0, 'descriptor');
        descriptor = parseDescriptor(Buffer.from(text).toString('utf8'), file);
        main.close();
        opened.shift();
        for (const [i, line] of descriptor.extents.entries()) {
          const writable = !readOnly && line.access === 'RW';
          const where = `descriptor extent ${i + 1}`;
          if (line.type === 'ZERO' || line.access === 'NOACCESS') {
            extents.push({ extent: new ZeroExtent(line.sectors, file) });
            continue;
          }
          const p = path.resolve(dir, line.file!);
          if (path.resolve(p) === path.resolve(file)) throw corrupt(file, where, 'names the descriptor itself as its data file');
          if (!fs.existsSync(p)) throw new StorageError(`${file}: ${where}: extent file ${line.file} is missing (ENOENT)`, 'storage.io');
          const f = openFile(p, writable);
          if (line.type === 'SPARSE') {
            const s = openSparseExtent(f, writable, options.barriers);
            firstSparse ??= s.header;
            if (s.header.capacity !== line.sectors) throw corrupt(p, 'header.capacity', `${s.header.capacity} sectors, but ${path.basename(file)} says ${line.sectors}`);
            extents.push({ extent: s.extent });
          } else if (line.type === 'VMFSSPARSE') {
            const c = openCowdExtent(f, writable, options.barriers);
            if (c.header.numSectors !== line.sectors) throw corrupt(p, 'header.numSectors', `${c.header.numSectors} sectors, but ${path.basename(file)} says ${line.sectors}`);
            extents.push({ extent: c.extent });
          } else {
            extents.push({ extent: new FlatExtent(f, line.sectors, line.offset, writable) });
          }
        }
      } else {
        throw corrupt(file, 'magic', 'not a VMDK file (no KDMV or COWD header and no text descriptor)');
      }

      let parent: VmdkDisk | undefined;
      if (descriptor.parentCid !== CID_NOPARENT && !options.noParent) {
        const hint = descriptor.parentFileNameHint!;
        const parentPath = path.resolve(dir, hint);
        if (!fs.existsSync(parentPath)) throw new StorageError(`${file}: parent disk ${hint} (parentFileNameHint) not found`, 'storage.chain');
        parent = VmdkDisk.open(parentPath, { readOnly: true, depth: depth + 1 });
        if (parent.descriptor.cid !== descriptor.parentCid) {
          const cid = parent.descriptor.cid.toString(16).padStart(8, '0');
          parent.dispose();
          throw new StorageError(
            `${file}: parentCID ${descriptor.parentCid.toString(16).padStart(8, '0')} does not match CID ${cid} of parent ${hint}: the parent was modified after this snapshot was taken`,
            'storage.chain',
          );
        }
      }
      const disk = new VmdkDisk(file, descriptor, extents, parent, embedded, firstSparse, readOnly, options.keepCid ?? false, isSynth);
      return disk;
    } catch (err) {
      for (const f of opened) f.close();
      throw err;
    }
  }

  get extents(): readonly { start: number; extent: Extent }[] {
    return this.placed;
  }

  get createType(): string {
    return this.descriptor.createType;
  }

  private find(lba: number): PlacedExtent {
    const l = this.last;
    if (lba >= l.start && lba < l.start + l.extent.sectors) return l;
    // Few extents (≤ ~1000 for 2 TB split disks): binary search.
    let lo = 0;
    let hi = this.placed.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.placed[mid]!.start <= lba) lo = mid;
      else hi = mid - 1;
    }
    this.last = this.placed[lo]!;
    return this.last;
  }

  private readHole(lba: number, count: number, buf: Uint8Array, off: number): void {
    const p = this.parent;
    if (!p) {
      buf.fill(0, off, off + count * 512);
      return;
    }
    const inParent = Math.max(0, Math.min(count, p.sectorCount - lba));
    if (inParent > 0) p.readSectors(lba as Lba, inParent, buf, off);
    if (inParent < count) buf.fill(0, off + inParent * 512, off + count * 512);
  }

  readSectors(lba: Lba, count: number, buf: Uint8Array, offset = 0): void {
    checkRange(this.path, this.sectorCount, lba, count, buf, offset);
    let at: number = lba;
    while (count > 0) {
      const p = this.find(at);
      const n = Math.min(count, p.start + p.extent.sectors - at);
      p.extent.read(at - p.start, n, buf, offset, p.hole);
      at += n;
      count -= n;
      offset += n * 512;
    }
  }

  writeSectors(lba: Lba, count: number, buf: Uint8Array, offset = 0): void {
    if (this.readOnly) throw new StorageError(`${this.path}: opened read-only`, 'storage.readonly');
    checkRange(this.path, this.sectorCount, lba, count, buf, offset);
    if (!this.cidUpdated) this.checkWritable(lba, count);
    this.beforeFirstWrite();
    let at: number = lba;
    const hasParent = this.parent !== undefined;
    while (count > 0) {
      const p = this.find(at);
      const n = Math.min(count, p.start + p.extent.sectors - at);
      if (!p.extent.writable) this.checkWritable(at, n);
      p.extent.write(at - p.start, n, buf, offset, p.hole, hasParent);
      at += n;
      count -= n;
      offset += n * 512;
    }
  }

  /**
   * writeSectors for bulk copies: flat extents, and sparse extents of a disk without a parent,
   * are written on the thread pool (the promise resolves when the data, and for new grains
   * then their table entries, are in the file); delta disks are written synchronously.
   * Sectors of a pending write must not be read or written until it settles.
   */
  writeSectorsAsync(lba: Lba, count: number, buf: Uint8Array, offset = 0): Promise<void> | undefined {
    if (this.readOnly) throw new StorageError(`${this.path}: opened read-only`, 'storage.readonly');
    checkRange(this.path, this.sectorCount, lba, count, buf, offset);
    if (!this.cidUpdated) this.checkWritable(lba, count);
    this.beforeFirstWrite();
    const pending: Promise<void>[] = [];
    let at: number = lba;
    while (count > 0) {
      const p = this.find(at);
      const n = Math.min(count, p.start + p.extent.sectors - at);
      if (!p.extent.writable) this.checkWritable(at, n);
      if (p.extent instanceof FlatExtent) pending.push(p.extent.writeAsync(at - p.start, n, buf, offset));
      else if (p.extent instanceof GrainExtent && this.parent === undefined && p.extent.writable) pending.push(p.extent.writeAsync(at - p.start, n, buf, offset));
      else p.extent.write(at - p.start, n, buf, offset, p.hole, this.parent !== undefined);
      at += n;
      count -= n;
      offset += n * 512;
    }
    return pending.length === 0 ? undefined : pending.length === 1 ? pending[0] : Promise.all(pending).then(() => undefined);
  }

  discard(lba: Lba, count: number): void {
    if (this.readOnly) throw new StorageError(`${this.path}: opened read-only`, 'storage.readonly');
    checkRange(this.path, this.sectorCount, lba, count);
    if (!this.cidUpdated) this.checkWritable(lba, count);
    this.beforeFirstWrite();
    let at: number = lba;
    const hasParent = this.parent !== undefined;
    while (count > 0) {
      const p = this.find(at);
      const n = Math.min(count, p.start + p.extent.sectors - at);
      p.extent.discard(at - p.start, n, p.hole, hasParent);
      at += n;
      count -= n;
    }
  }

  allocationRun(lba: Lba, maxSectors: number): { allocated: boolean; sectors: number } {
    const p = this.find(lba);
    const r: AllocationRun = p.extent.allocationRun(lba - p.start, Math.min(maxSectors, p.start + p.extent.sectors - lba));
    let allocated = r.state === 'data';
    let sectors = r.sectors;
    if (r.state === 'hole' && this.parent && lba < this.parent.sectorCount) {
      const pr = this.parent.allocationRun(lba, Math.min(sectors, this.parent.sectorCount - lba));
      allocated = pr.allocated;
      sectors = pr.sectors;
    }
    this.run.allocated = allocated;
    this.run.sectors = Math.max(1, sectors);
    return this.run;
  }

  /** Only this file's own allocation (not the parent's): for consolidate. */
  ownAllocationRun(lba: Lba, maxSectors: number): AllocationRun {
    const p = this.find(lba);
    return p.extent.allocationRun(lba - p.start, Math.min(maxSectors, p.start + p.extent.sectors - lba));
  }

  /** Throws (before anything is changed) if a sector in the range lies in a read-only extent. */
  private checkWritable(lba: number, count: number): void {
    for (let at = lba; at < lba + count; ) {
      const p = this.find(at);
      if (!p.extent.writable) {
        const hint = this.createType === 'streamOptimized' ? ': streamOptimized disks are read-only; convert the disk to write it' : ' (RDONLY, NOACCESS or ZERO extent)';
        throw new StorageError(`${this.path}: extent at sector ${p.start} is read-only${hint}`, 'storage.readonly');
      }
      at = p.start + p.extent.sectors;
    }
  }

  private beforeFirstWrite(): void {
    if (this.cidUpdated) return;
    this.cidUpdated = true;
    this.descriptor.cid = newCid();
    this.writeDescriptor();
  }

  /** Writes the descriptor back (embedded: in place, one write; separate: temp file + rename). */
  writeDescriptor(): void {
    const text = formatDescriptor(this.descriptor);
    const bytes = Buffer.from(text, 'utf8');
    if (this.embedded) {
      const room = this.embedded.sectors * 512;
      if (bytes.length >= room) throw new StorageError(`${this.path}: descriptor of ${bytes.length} bytes no longer fits the ${room} reserved in the file`);
      const padded = new Uint8Array(room);
      padded.set(bytes);
      this.embedded.file.write(padded, 0, room, this.embedded.offset * 512);
      return;
    }
    // A bare KDMV or COWD file without a descriptor has nowhere to keep one.
    if (this.synthesized) return;
    writeFileAtomic(this.path, bytes);
  }

  flush(): void {
    if (this.readOnly) return;
    for (const p of this.placed) p.extent.syncMetadata?.();
    for (const p of this.placed) for (const f of p.extent.files) if (f.writable) f.sync();
    if (!this.embedded && !this.synthesized) {
      try {
        const fd = fs.openSync(this.path, 'r');
        fs.fsyncSync(fd);
        fs.closeSync(fd);
      } catch {
        // a synthesized descriptor has no file of its own
      }
    }
  }

  /** Every file that makes up this disk (descriptor first), without the parent's. */
  files(): string[] {
    const out = [this.path];
    for (const p of this.placed) for (const f of p.extent.files) if (!out.includes(f.path)) out.push(f.path);
    return out;
  }

  dispose(): void {
    for (const p of this.placed) p.extent.close();
    this.parent?.dispose();
  }
}

function synthesized(file: string, sectors: number, createType: 'monolithicSparse' | 'vmfsSparse', type: 'SPARSE' | 'VMFSSPARSE'): VmdkDescriptor {
  return {
    version: 1,
    cid: 0xfffffffe,
    parentCid: CID_NOPARENT,
    createType,
    extents: [{ access: 'RW', sectors, type, file: path.basename(file), offset: 0 }],
    ddb: new Map(),
    extra: new Map(),
  };
}

/** Replaces a small file in one step: write a sibling, fsync, rename over. */
export function writeFileAtomic(file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
