// The grain-directory / grain-table machinery shared by KDMV sparse extents (hosted sparse,
// streamOptimized) and COWD (vmfsSparse) extents. Owns lookups, allocation and the write
// order that keeps a file consistent when the process dies at any point:
//   1. grain data is written at the end of the file,
//   2. then the grain table entries that point at it (redundant table first, then primary),
//   3. then, only for a newly allocated grain table, the directory entries that point at it.
// A crash before step 2 leaks space but every entry always points at data that exists.
// writeAsync keeps that order with the data on the thread pool: new grains are reserved at
// once (in `inflight`, so other writes see them allocated) and enter the tables only when
// their data is in the file; the tables are then written in batches (when no async write is
// pending, or every TABLE_BATCH_GRAINS grains), so small table writes do not queue behind
// the data writes in the file's lock one by one.
import * as zlib from 'node:zlib';
import { corrupt, StorageError, UnsupportedImageError } from '../errors';
import { type PositionalFile, writeAsync } from '../file-io';
import type { AllocationRun, Extent, HoleReader } from './extent';

export interface GrainExtentLayout {
  readonly file: PositionalFile;
  /** Extent size in sectors. */
  readonly capacity: number;
  readonly grainSize: number;
  readonly gtesPerGt: number;
  /** Grain directory: sector of each grain table, 0 = not allocated. */
  readonly gd: Uint32Array;
  readonly gdOffset: number;
  /** Redundant directory (KDMV flag bit 1), or undefined. */
  readonly rgd?: Uint32Array;
  readonly rgdOffset?: number;
  /** GTE value 1 means a zeroed grain. */
  readonly zeroedGrainGte: boolean;
  /** Grains are deflate-compressed with markers (streamOptimized). */
  readonly compressed: boolean;
  readonly writable: boolean;
  /** Sectors before which no grain or table may lie (header and fixed metadata). */
  readonly firstDataSector: number;
  /** Called on flush and close when the file's end moved (COWD keeps a freeSector field). */
  readonly onEndOfFile?: (endSector: number) => void;
  /** fdatasync between data, tables and directory (power-loss ordering, slower). */
  readonly barriers?: boolean;
}

const GTE_ZERO = 1;
/** New grains whose table entries writeAsync may hold back before writing the tables. */
const TABLE_BATCH_GRAINS = 512;

/** Consecutive grains a pending writeAsync reserved at `start`; `entered` settles with its tables. */
interface ReservedRun {
  readonly firstGrain: number;
  readonly grains: number;
  readonly start: number;
  readonly entered: Promise<void>;
}

export class GrainExtent implements Extent {
  readonly sectors: number;
  readonly writable: boolean;
  readonly files: readonly PositionalFile[];
  readonly file: PositionalFile;
  readonly grainSize: number;
  readonly gtesPerGt: number;
  readonly gd: Uint32Array;
  readonly rgd: Uint32Array | undefined;
  readonly compressed: boolean;
  private readonly gts: (Uint32Array | null)[];
  private readonly gtBytes: number;
  /** First free sector at the end of the file. */
  private eof: number;
  private readonly grainBytes: number;
  private fillBuf: Uint8Array | undefined;
  // Decompressed-grain cache for streamOptimized reads.
  private cachedGrain = -1;
  private cacheBuf: Uint8Array | undefined;
  private readonly run: AllocationRun = { state: 'hole', sectors: 0 };
  // Per-write bookkeeping: which tables changed and which were newly made.
  private readonly dirtyGts = new Map<number, { lo: number; hi: number }>();
  private readonly newGts = new Set<number>();
  private eofDirty = false;
  /** Grains reserved by writeAsync whose data is not yet written: grain -> its run. */
  private readonly inflight = new Map<number, ReservedRun>();
  /** writeAsync calls whose data is not yet written. */
  private asyncWrites = 0;
  /** Grains written by writeAsync whose table entries are still held back, and their waiters. */
  private heldGrains = 0;
  private readonly heldWaiters: (() => void)[] = [];

  constructor(private readonly layout: GrainExtentLayout) {
    this.file = layout.file;
    this.files = [layout.file];
    this.sectors = layout.capacity;
    this.writable = layout.writable && !layout.compressed;
    this.grainSize = layout.grainSize;
    this.gtesPerGt = layout.gtesPerGt;
    this.gd = layout.gd;
    this.rgd = layout.rgd;
    this.compressed = layout.compressed;
    this.gts = new Array<Uint32Array | null>(layout.gd.length).fill(null);
    this.gtBytes = layout.gtesPerGt * 4;
    this.grainBytes = layout.grainSize * 512;
    this.eof = Math.ceil(layout.file.size() / 512);
    const fileSectors = this.eof;
    const gtSectors = Math.ceil(this.gtBytes / 512);
    const checkDir = (dir: Uint32Array, name: string): void => {
      for (let i = 0; i < dir.length; i++) {
        const s = dir[i]!;
        if (s === 0) continue;
        if (s < layout.firstDataSector) throw corrupt(this.file.path, `${name}[${i}]`, `grain table at sector ${s} overlaps the header or descriptor`);
        if (s + gtSectors > fileSectors) {
          throw corrupt(this.file.path, `${name}[${i}]`, `grain table at sector ${s} lies past the end of the file (${fileSectors} sectors)`);
        }
      }
    };
    checkDir(layout.gd, 'grainDirectory');
    if (layout.rgd) checkDir(layout.rgd, 'redundantGrainDirectory');
  }

  get path(): string {
    return this.file.path;
  }

  /** End of the used part of the file, in sectors. */
  get endSector(): number {
    return this.eof;
  }

  /** The grain table for directory entry `gdi`, loaded and range-checked on first use. */
  gt(gdi: number): Uint32Array | null {
    const cached = this.gts[gdi];
    if (cached !== null && cached !== undefined) return cached;
    const at = this.gd[gdi]!;
    if (at === 0) return null;
    const bytes = new Uint8Array(this.gtBytes);
    this.file.readExact(bytes, 0, this.gtBytes, at * 512, `grain table ${gdi}`);
    const gt = new Uint32Array(bytes.buffer);
    const grainSectors = this.layout.compressed ? 1 : this.grainSize;
    for (let i = 0; i < gt.length; i++) {
      const e = gt[i]!;
      if (e === 0 || (e === GTE_ZERO && this.layout.zeroedGrainGte)) continue;
      if (e < this.layout.firstDataSector) {
        throw corrupt(this.file.path, `grain table ${gdi} entry ${i}`, `sector ${e} points into the file's metadata`);
      }
      if (e + grainSectors > this.eof) {
        throw corrupt(this.file.path, `grain table ${gdi} entry ${i}`, `grain at sector ${e} lies past the end of the file (${this.eof} sectors)`);
      }
    }
    this.gts[gdi] = gt;
    return gt;
  }

  /** Grain table entry of grain `g` (0 hole, 1 zeroed when enabled, else a sector). */
  entry(g: number): number {
    if (this.inflight.size !== 0) {
      const run = this.inflight.get(g);
      if (run !== undefined) return run.start + (g - run.firstGrain) * this.grainSize;
    }
    const gdi = Math.floor(g / this.gtesPerGt);
    const gt = this.gt(gdi);
    return gt === null ? 0 : gt[g - gdi * this.gtesPerGt]!;
  }

  /**
   * How many grains after `g` (up to `max`) continue it: data grains that follow each other
   * in the file, or (when `e` is not data) grains in the same state. Walks the table array
   * directly instead of looking each entry up.
   */
  private runAfter(g: number, e: number, max: number): number {
    const per = this.gtesPerGt;
    const data = this.isData(e);
    const step = data ? this.grainSize : 0;
    let n = 0;
    let want = e + step;
    while (n < max) {
      const next = g + 1 + n;
      const gdi = Math.floor(next / per);
      const gt = this.gt(gdi);
      let idx = next - gdi * per;
      if (gt === null) {
        if (data || e !== 0) return n;
        // A missing table is a run of holes.
        const k = Math.min(max - n, per - idx);
        n += k;
        continue;
      }
      while (n < max && idx < per) {
        const v = gt[idx]!;
        if (data ? v !== want : v !== e) return n;
        want += step;
        n++;
        idx++;
      }
    }
    return n;
  }

  private isData(e: number): boolean {
    return e > GTE_ZERO || (e === GTE_ZERO && !this.layout.zeroedGrainGte);
  }

  allocationRun(sector: number, maxSectors: number): AllocationRun {
    const gs = this.grainSize;
    let g = Math.floor(sector / gs);
    const e = this.entry(g);
    const state = this.isData(e) ? 'data' : e === GTE_ZERO ? 'zero' : 'hole';
    let n = Math.min(maxSectors, (g + 1) * gs - sector, this.sectors - sector);
    while (n < maxSectors && sector + n < this.sectors) {
      g++;
      const e2 = this.entry(g);
      const s2 = this.isData(e2) ? 'data' : e2 === GTE_ZERO ? 'zero' : 'hole';
      if (s2 !== state) break;
      n = Math.min(maxSectors, this.sectors - sector, n + gs);
    }
    this.run.state = state;
    this.run.sectors = n;
    return this.run;
  }

  read(sector: number, count: number, buf: Uint8Array, off: number, hole: HoleReader): void {
    const gs = this.grainSize;
    while (count > 0) {
      const g = Math.floor(sector / gs);
      const within = sector - g * gs;
      let n = Math.min(count, gs - within);
      const e = this.entry(g);
      if (this.layout.compressed && this.isData(e)) {
        this.readCompressed(g, e, within, n, buf, off);
      } else {
        // Coalesce grains that continue this one (contiguous data, or the same hole state).
        if (n < count) n = Math.min(count, n + this.runAfter(g, e, Math.ceil((count - n) / gs)) * gs);
        if (this.isData(e)) this.file.readPadded(buf, off, n * 512, (e + within) * 512);
        else if (e === GTE_ZERO) buf.fill(0, off, off + n * 512);
        else hole(sector, n, buf, off);
      }
      sector += n;
      count -= n;
      off += n * 512;
    }
  }

  private readCompressed(g: number, e: number, within: number, n: number, buf: Uint8Array, off: number): void {
    if (this.cachedGrain !== g) {
      const name = this.file.path;
      const head = new Uint8Array(12);
      this.file.readExact(head, 0, 12, e * 512, `grain ${g} marker`);
      const dv = new DataView(head.buffer);
      const lba = dv.getUint32(0, true) + dv.getUint32(4, true) * 0x100000000;
      const size = dv.getUint32(8, true);
      if (lba !== g * this.grainSize) throw corrupt(name, `grain ${g} marker`, `says LBA ${lba}, the grain table says ${g * this.grainSize}`);
      // deflate never grows data by more than ~0.1% + a few bytes; anything bigger is hostile.
      if (size === 0 || size > this.grainBytes + (this.grainBytes >> 6) + 1024) {
        throw corrupt(name, `grain ${g} marker.size`, `${size} bytes is not a compressed grain of ${this.grainBytes} bytes`);
      }
      const data = new Uint8Array(size);
      this.file.readExact(data, 0, size, e * 512 + 12, `grain ${g} data`);
      let out: Buffer;
      try {
        out = zlib.inflateSync(data, { maxOutputLength: this.grainBytes });
      } catch (err) {
        throw corrupt(name, `grain ${g} data`, `deflate stream is damaged (${(err as Error).message})`);
      }
      this.cacheBuf ??= new Uint8Array(this.grainBytes);
      this.cacheBuf.set(out);
      if (out.length < this.grainBytes) this.cacheBuf.fill(0, out.length);
      this.cachedGrain = g;
    }
    buf.set(this.cacheBuf!.subarray(within * 512, (within + n) * 512), off);
  }

  private markDirty(g: number, value: number): void {
    const gdi = Math.floor(g / this.gtesPerGt);
    const idx = g - gdi * this.gtesPerGt;
    let gt = this.gt(gdi);
    if (gt === null) {
      gt = new Uint32Array(this.gtesPerGt);
      this.gts[gdi] = gt;
      this.newGts.add(gdi);
    }
    gt[idx] = value;
    const d = this.dirtyGts.get(gdi);
    if (d) {
      d.lo = Math.min(d.lo, idx);
      d.hi = Math.max(d.hi, idx);
    } else this.dirtyGts.set(gdi, { lo: idx, hi: idx });
  }

  private requireWritable(): void {
    if (this.layout.compressed) throw new UnsupportedImageError(this.file.path, 'streamOptimized extents are read-only; convert the disk to write it');
    if (!this.writable) throw new StorageError(`${this.file.path}: opened read-only`, 'storage.readonly');
  }

  private filler(sectors: number): Uint8Array {
    if (!this.fillBuf || this.fillBuf.length < sectors * 512) this.fillBuf = new Uint8Array(Math.max(sectors, this.grainSize) * 512);
    return this.fillBuf;
  }

  write(sector: number, count: number, buf: Uint8Array, off: number, hole: HoleReader, hasParent: boolean): void {
    this.requireWritable();
    const gs = this.grainSize;
    const endBefore = this.eof;
    while (count > 0) {
      let g = Math.floor(sector / gs);
      const within = sector - g * gs;
      let n = Math.min(count, gs - within);
      const e = this.entry(g);
      if (this.isData(e)) {
        if (n < count) n = Math.min(count, n + this.runAfter(g, e, Math.ceil((count - n) / gs)) * gs);
        this.file.write(buf, off, n * 512, (e + within) * 512);
      } else {
        // Allocate a run of consecutive unallocated grains at the end of the file.
        const firstG = g;
        const firstState = e;
        while (n < count && !this.isData(this.entry(g + 1))) {
          g++;
          n = Math.min(count, n + gs);
        }
        const grains = g - firstG + 1;
        const start = this.eof;
        this.eof += grains * gs;
        const tail = grains * gs - within - n; // sectors after the data in the last grain
        // A grain that was a hole over a parent takes the parent's sectors around the write;
        // otherwise the rest reads as zero, which the file's new (sparse) end already is.
        const copyHead = within > 0 && firstState === 0 && hasParent;
        const lastState = this.entry(g);
        const copyTail = tail > 0 && lastState === 0 && hasParent;
        if (copyHead) {
          const f = this.filler(within);
          hole(firstG * gs, within, f, 0);
          this.file.write(f, 0, within * 512, start * 512);
        }
        this.file.write(buf, off, n * 512, (start + within) * 512);
        if (copyTail) {
          const f = this.filler(tail);
          hole(sector + n, tail, f, 0);
          this.file.write(f, 0, tail * 512, (start + within + n) * 512);
        } else if (tail > 0) {
          this.file.truncate(this.eof * 512);
        }
        for (let i = 0; i < grains; i++) this.markDirty(firstG + i, start + i * gs);
      }
      sector += n;
      count -= n;
      off += n * 512;
    }
    this.commitTables(endBefore);
  }

  /**
   * write() with the data on the libuv thread pool, for bulk copies into a disk without a
   * parent: resolves when the data and then its table entries are in the file. Callers keep
   * the sectors of a pending write untouched until it settles (as with any async I/O).
   */
  writeAsync(sector: number, count: number, buf: Uint8Array, off: number): Promise<void> {
    this.requireWritable();
    const gs = this.grainSize;
    const fd = this.file.fd;
    // Settles when data reaches the file, then (after `entered`) when the tables point at it.
    const io: Promise<void>[] = [];
    /** Table entries of other pending writes this one's data needs (grains they reserved). */
    let deps: Promise<void>[] | undefined;
    const mine: ReservedRun[] = [];
    let enter!: () => void;
    let fail!: (err: unknown) => void;
    const entered = new Promise<void>((resolve, reject) => {
      enter = resolve;
      fail = reject;
    });
    entered.catch(() => {});
    let grow = false;
    while (count > 0) {
      let g = Math.floor(sector / gs);
      const within = sector - g * gs;
      let n = Math.min(count, gs - within);
      const e = this.entry(g);
      if (this.isData(e)) {
        const other = this.inflight.size === 0 ? undefined : this.inflight.get(g);
        // A grain another pending write reserved: done only once its table entry is written.
        if (other !== undefined) (deps ??= []).push(other.entered);
        else if (n < count) n = Math.min(count, n + this.runAfter(g, e, Math.ceil((count - n) / gs)) * gs);
        io.push(writeAsync(fd, buf, off, n * 512, (e + within) * 512));
      } else {
        const firstG = g;
        while (n < count && !this.isData(this.entry(g + 1))) {
          g++;
          n = Math.min(count, n + gs);
        }
        const run: ReservedRun = { firstGrain: firstG, grains: g - firstG + 1, start: this.eof, entered };
        this.eof += run.grains * gs;
        if (run.grains * gs - within - n > 0) grow = true;
        io.push(writeAsync(fd, buf, off, n * 512, (run.start + within) * 512));
        for (let i = 0; i < run.grains; i++) this.inflight.set(firstG + i, run);
        mine.push(run);
      }
      sector += n;
      count -= n;
      off += n * 512;
    }
    // The file ends after the last reserved grain even where its tail is never written.
    if (grow) this.file.truncate(this.eof * 512);
    this.asyncWrites++;
    return Promise.all(io).then(
      () => {
        this.asyncWrites--;
        if (mine.length === 0) enter();
        else {
          this.enterTables(mine);
          this.heldWaiters.push(enter);
        }
        this.commitHeld(false);
        return deps ? Promise.all([entered, ...deps]).then(() => undefined) : entered;
      },
      (err: unknown) => {
        this.asyncWrites--;
        // The reserved grains stay holes (their space is leaked, as after a crash).
        for (const run of mine) for (let i = 0; i < run.grains; i++) this.inflight.delete(run.firstGrain + i);
        fail(err);
        this.commitHeld(false);
        throw err;
      },
    );
  }

  /** Moves reserved runs into the in-memory tables, now that their data is written. */
  private enterTables(runs: readonly ReservedRun[]): void {
    for (const run of runs) {
      for (let i = 0; i < run.grains; i++) {
        this.inflight.delete(run.firstGrain + i);
        this.markDirty(run.firstGrain + i, run.start + i * this.grainSize);
      }
      this.heldGrains += run.grains;
    }
  }

  /** Writes the held-back table entries when no async write is pending, a batch is full, or `now`. */
  private commitHeld(now: boolean): void {
    if (this.heldGrains === 0 && this.heldWaiters.length === 0) return;
    if (!now && this.asyncWrites !== 0 && this.heldGrains < TABLE_BATCH_GRAINS) return;
    this.heldGrains = 0;
    this.commitTables(-1);
    for (const wake of this.heldWaiters.splice(0)) wake();
  }

  /** Persists table entries changed by this call: tables before the directory. */
  private commitTables(endBefore: number): void {
    if (this.dirtyGts.size === 0) return;
    if (this.layout.barriers) this.file.sync();
    const gtSectors = Math.ceil(this.gtBytes / 512);
    const newDirEntries: number[] = [];
    for (const [gdi, d] of this.dirtyGts) {
      const gt = this.gts[gdi]!;
      const bytes = new Uint8Array(gt.buffer, gt.byteOffset, gt.byteLength);
      if (this.newGts.has(gdi)) {
        // A new table (and its redundant copy) goes to the end of the file, whole.
        const at = this.eof;
        this.eof += gtSectors;
        this.file.write(bytes, 0, this.gtBytes, at * 512);
        let rat = 0;
        if (this.rgd) {
          rat = this.eof;
          this.eof += gtSectors;
          this.file.write(bytes, 0, this.gtBytes, rat * 512);
        }
        newDirEntries.push(gdi, at, rat);
      } else {
        const lo = d.lo * 4;
        const len = (d.hi - d.lo + 1) * 4;
        const rat = this.rgd?.[gdi] ?? 0;
        if (rat !== 0) this.file.write(bytes, lo, len, rat * 512 + lo);
        this.file.write(bytes, lo, len, this.gd[gdi]! * 512 + lo);
      }
    }
    this.dirtyGts.clear();
    this.newGts.clear();
    if (newDirEntries.length > 0) {
      if (this.layout.barriers) this.file.sync();
      const one = new Uint32Array(1);
      const oneBytes = new Uint8Array(one.buffer);
      for (let i = 0; i < newDirEntries.length; i += 3) {
        const gdi = newDirEntries[i]!;
        if (this.rgd && this.layout.rgdOffset) {
          this.rgd[gdi] = newDirEntries[i + 2]!;
          one[0] = this.rgd[gdi]!;
          this.file.write(oneBytes, 0, 4, this.layout.rgdOffset * 512 + gdi * 4);
        }
        this.gd[gdi] = newDirEntries[i + 1]!;
        one[0] = this.gd[gdi]!;
        this.file.write(oneBytes, 0, 4, this.layout.gdOffset * 512 + gdi * 4);
      }
    }
    if (this.eof !== endBefore) this.eofDirty = true;
  }

  /** Writes advisory metadata deferred from the write path (COWD freeSector). */
  syncMetadata(): void {
    this.commitHeld(false);
    if (!this.eofDirty) return;
    this.eofDirty = false;
    this.layout.onEndOfFile?.(this.eof);
  }

  discard(sector: number, count: number, hole: HoleReader, hasParent: boolean): void {
    this.requireWritable();
    const gs = this.grainSize;
    const endBefore = this.eof;
    while (count > 0) {
      const g = Math.floor(sector / gs);
      const within = sector - g * gs;
      const n = Math.min(count, gs - within);
      const e = this.entry(g);
      if (n === gs) {
        // Whole grain: mark zeroed if the format can say so, a hole if nothing shows through.
        if (this.layout.zeroedGrainGte) {
          if (e !== GTE_ZERO) this.markDirty(g, GTE_ZERO);
        } else if (!hasParent) {
          if (e !== 0) this.markDirty(g, 0);
        } else {
          this.writeZeros(sector, n, hole, hasParent);
        }
      } else if (this.isData(e) || (e === 0 && hasParent)) {
        this.writeZeros(sector, n, hole, hasParent);
      }
      sector += n;
      count -= n;
    }
    this.commitTables(endBefore);
  }

  private writeZeros(sector: number, n: number, hole: HoleReader, hasParent: boolean): void {
    const z = new Uint8Array(n * 512);
    this.commitTables(this.eof);
    this.write(sector, n, z, 0, hole, hasParent);
  }

  /** Visits every grain table entry that is not a hole (for check and info). */
  forEachEntry(visit: (grain: number, entry: number) => void): void {
    for (let gdi = 0; gdi < this.gd.length; gdi++) {
      const gt = this.gt(gdi);
      if (gt === null) continue;
      for (let i = 0; i < gt.length; i++) if (gt[i] !== 0) visit(gdi * this.gtesPerGt + i, gt[i]!);
    }
  }

  isZeroedGrainEntry(e: number): boolean {
    return e === GTE_ZERO && this.layout.zeroedGrainGte;
  }

  close(): void {
    if (this.writable) this.syncMetadata();
    this.file.close();
  }
}
