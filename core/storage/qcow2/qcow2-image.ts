// A qcow2 image (versions 2 and 3) as a read-only BlockBackend: the disk a converter copies
// from. Unallocated and zero-flagged clusters read as zeros and show as holes in
// allocationRun, so a copy skips them without reading; runs of standard clusters that are
// contiguous in the file are read with one pread; compressed clusters are inflated with
// node:zlib (raw deflate, as qemu writes them). Refcounts and snapshots are not needed to
// read the active L1 table and are left alone. What the reader does not implement (backing
// files, encryption, external data files, extended L2 entries, zstd) is refused at open with
// an UnsupportedImageError; damaged or hostile structures with a CorruptImageError.
import * as zlib from 'node:zlib';
import type { Lba } from '../../common';
import { type BlockBackend, SECTOR_SIZE, checkRange } from '../block-backend';
import { StorageError, corrupt } from '../errors';
import { PositionalFile, readAsync } from '../file-io';
import { MAX_CLUSTER_BITS, type Qcow2Header, parseQcow2Header } from './qcow2-header';
import { CLUSTER_COMPRESSED, CLUSTER_DATA, Qcow2Map } from './qcow2-map';

/** Bytes read first at open; the rest of the first cluster (header extensions) only if larger. */
const HEAD_BYTES = 4096;

/** Compressed clusters at most this far apart in the file are fetched with one pread … */
const GROUP_GAP = 4096;
/** … of at most this many bytes. */
const GROUP_BYTES = 4 << 20;

interface CompressedPiece {
  cluster: number;
  host: number;
  bytes: number;
  inCluster: number;
  off: number;
  len: number;
}

interface ReadPlan {
  /** Bytes [bufOff, bufOff+len) come from the file at `host`. */
  data(host: number, bufOff: number, len: number): void;
  /** Bytes [bufOff, bufOff+len) are bytes [inCluster, inCluster+len) of a compressed cluster. */
  compressed(cluster: number, host: number, bytes: number, inCluster: number, bufOff: number, len: number): void;
  /** Bytes [bufOff, bufOff+len) read as zeros. */
  zero(bufOff: number, len: number): void;
}

export class Qcow2Image implements BlockBackend {
  readonly sectorCount: number;
  readonly sizeBytes: number;
  readonly readOnly = true;
  private readonly map: Qcow2Map;
  private readonly fileSize: number;
  /** The last inflated cluster, for reads smaller than a cluster (sync path). */
  private inflated: { cluster: number; data: Buffer } | undefined;

  private constructor(
    private readonly file: PositionalFile,
    readonly header: Qcow2Header,
  ) {
    this.fileSize = file.size();
    this.sizeBytes = header.size;
    this.sectorCount = header.size / SECTOR_SIZE;
    this.map = new Qcow2Map(file, header, this.fileSize);
  }

  /** Opens `path` read-only; throws CorruptImageError or UnsupportedImageError (see header). */
  static open(path: string): Qcow2Image {
    const file = PositionalFile.open(path, false);
    try {
      const size = file.size();
      let head = new Uint8Array(Math.min(HEAD_BYTES, size));
      file.readExact(head, 0, head.length, 0, 'header');
      const bits = head.length >= 24 ? new DataView(head.buffer).getUint32(20) : 0;
      if (bits <= MAX_CLUSTER_BITS && 2 ** bits > head.length && size > head.length) {
        head = new Uint8Array(Math.min(2 ** bits, size));
        file.readExact(head, 0, head.length, 0, 'header');
      }
      const header = parseQcow2Header(path, head, size);
      return new Qcow2Image(file, header);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  get path(): string {
    return this.file.path;
  }

  /** Walks the guest bytes of sectors lba..lba+count, cluster by cluster, merging file-contiguous data. */
  private plan(lba: number, count: number, offset: number, p: ReadPlan): void {
    const cs = this.header.clusterSize;
    const map = this.map;
    let runHost = -1;
    let runOff = 0;
    let runLen = 0;
    let g = lba * SECTOR_SIZE;
    const end = g + count * SECTOR_SIZE;
    let bufOff = offset;
    while (g < end) {
      const c = Math.floor(g / cs);
      const inCluster = g - c * cs;
      const len = Math.min(cs - inCluster, end - g);
      map.resolve(c);
      if (map.kind === CLUSTER_DATA && runLen > 0 && runHost + runLen === map.host + inCluster) {
        runLen += len;
      } else {
        if (runLen > 0) p.data(runHost, runOff, runLen);
        runLen = 0;
        if (map.kind === CLUSTER_DATA) {
          runHost = map.host + inCluster;
          runOff = bufOff;
          runLen = len;
        } else if (map.kind === CLUSTER_COMPRESSED) {
          p.compressed(c, map.host, map.compressedBytes, inCluster, bufOff, len);
        } else {
          p.zero(bufOff, len);
        }
      }
      g += len;
      bufOff += len;
    }
    if (runLen > 0) p.data(runHost, runOff, runLen);
  }

  private inflate(cluster: number, compressed: Uint8Array): Buffer {
    const cs = this.header.clusterSize;
    let out: Buffer;
    try {
      // One output chunk of a cluster: no concatenation of 16 KiB pieces.
      out = zlib.inflateRawSync(compressed, { maxOutputLength: cs, chunkSize: cs });
    } catch (err) {
      throw corrupt(this.file.path, `compressed guest cluster ${cluster}`, `does not inflate to one cluster: ${(err as Error).message}`);
    }
    if (out.length !== cs) throw corrupt(this.file.path, `compressed guest cluster ${cluster}`, `inflates to ${out.length} bytes, not the cluster size ${cs}`);
    return out;
  }

  readSectors(lba: Lba, count: number, buf: Uint8Array, offset = 0): void {
    checkRange(this.file.path, this.sectorCount, lba, count, buf, offset);
    this.plan(lba, count, offset, {
      data: (host, off, len) => this.file.readPadded(buf, off, len, host),
      zero: (off, len) => buf.fill(0, off, off + len),
      compressed: (cluster, host, bytes, inCluster, off, len) => {
        if (this.inflated?.cluster !== cluster) {
          const raw = new Uint8Array(bytes);
          this.file.readExact(raw, 0, bytes, host, `compressed guest cluster ${cluster}`);
          this.inflated = { cluster, data: this.inflate(cluster, raw) };
        }
        buf.set(this.inflated.data.subarray(inCluster, inCluster + len), off);
      },
    });
  }

  /** The same read with the preads (and inflates) on the libuv thread pool. */
  readSectorsAsync(lba: Lba, count: number, buf: Uint8Array, offset = 0): Promise<void> {
    try {
      return this.startReads(lba, count, buf, offset);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  private startReads(lba: Lba, count: number, buf: Uint8Array, offset: number): Promise<void> {
    checkRange(this.file.path, this.sectorCount, lba, count, buf, offset);
    const pending: Promise<void>[] = [];
    // Compressed clusters lie back to back in the file (qemu appends them): one pread fetches a
    // group of them; each is then inflated here, on the JS thread — node:zlib's async path
    // cost 4x the CPU per cluster (a handle and two thread hops each), measured.
    let group: { start: number; end: number; items: CompressedPiece[] } | undefined;
    const flushGroup = (): void => {
      if (!group) return;
      const g = group;
      group = undefined;
      const raw = Buffer.allocUnsafe(g.end - g.start);
      pending.push(
        readAsync(this.file.fd, raw, 0, raw.length, g.start).then(() => {
          for (const it of g.items) {
            const out = this.inflate(it.cluster, raw.subarray(it.host - g.start, it.host - g.start + it.bytes));
            buf.set(out.subarray(it.inCluster, it.inCluster + it.len), it.off);
          }
        }),
      );
    };
    this.plan(lba, count, offset, {
      data: (host, off, len) => pending.push(readAsync(this.file.fd, buf, off, len, host)),
      zero: (off, len) => buf.fill(0, off, off + len),
      compressed: (cluster, host, bytes, inCluster, off, len) => {
        const end = host + bytes;
        if (group && host >= group.start && host <= group.end + GROUP_GAP && end - group.start <= GROUP_BYTES) {
          group.end = Math.max(group.end, end);
        } else {
          flushGroup();
          group = { start: host, end, items: [] };
        }
        group.items.push({ cluster, host, bytes, inCluster, off, len });
      },
    });
    flushGroup();
    if (pending.length <= 1) return pending[0] ?? Promise.resolve();
    // Settles only when every read has: none may outlive the file descriptor it uses.
    return Promise.allSettled(pending).then((rs) => {
      for (const r of rs) if (r.status === 'rejected') throw r.reason;
    });
  }

  writeSectors(): void {
    throw new StorageError(`${this.file.path}: qcow2 images are opened read-only`, 'storage.readonly');
  }

  flush(): void {}

  discard(): void {
    throw new StorageError(`${this.file.path}: qcow2 images are opened read-only`, 'storage.readonly');
  }

  allocationRun(lba: Lba, maxSectors: number): { allocated: boolean; sectors: number } {
    const cs = this.header.clusterSize;
    const perL2 = this.map.clustersPerL2;
    const start = lba * SECTOR_SIZE;
    const end = Math.min(start + Math.max(1, maxSectors) * SECTOR_SIZE, this.sizeBytes);
    let allocated: boolean | undefined;
    let g = start;
    while (g < end) {
      const c = Math.floor(g / cs);
      const l1i = Math.floor(c / perL2);
      let here: boolean;
      let next: number;
      if (this.map.l2Table(l1i) === null) {
        here = false;
        next = (l1i + 1) * perL2 * cs;
      } else {
        this.map.resolve(c);
        here = this.map.kind === CLUSTER_DATA || this.map.kind === CLUSTER_COMPRESSED;
        next = (c + 1) * cs;
      }
      if (allocated === undefined) allocated = here;
      else if (here !== allocated) break;
      g = next;
    }
    const sectors = Math.max(1, Math.floor((Math.min(g, end) - start) / SECTOR_SIZE));
    return { allocated: allocated ?? false, sectors };
  }

  dispose(): void {
    this.file.close();
  }
}
