// Copying a disk into another format: reads allocated data only, skips all-zero 64 KiB units
// so the destination keeps its holes, and writes in large runs (sparse writes coalesce into
// one pwrite per run of new grains). Reads of the next chunk run on the libuv thread pool
// while the current one is written (raw and qcow2 sources), or writes run there while the next
// chunk is read, so the two overlap on a machine with more than one core; the writes of one
// chunk wait for the previous chunk's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lba } from '../common';
import type { BlockBackend } from './block-backend';
import { StorageError } from './errors';
import { isZero } from './file-io';
import { openImage } from './image';
import { QCOW2_MAGIC } from './qcow2/qcow2-header';
import { Qcow2Image } from './qcow2/qcow2-image';
import { RawBackend } from './raw-backend';
import { type Provisioning, type Subformat, baseDescriptor, createVmdk } from './vmdk/create';
import { writeStreamOptimized } from './vmdk/stream-writer';
import { VmdkDisk } from './vmdk/vmdk-disk';

export interface ConvertOptions {
  format: 'vmdk' | 'raw';
  subformat?: Subformat;
  provisioning?: Provisioning;
  overwrite?: boolean;
  /** fdatasync the result before returning (default off, as cp and qemu-img). */
  sync?: boolean;
  progress?: (doneSectors: number, totalSectors: number) => void;
}

const CHUNK_SECTORS = 8192; // 4 MiB
const ZERO_UNIT = 128; // skip detection granularity: 64 KiB, one default grain
const BUFFERS = 4;

/** Reads a chunk of the source: on the thread pool for raw and qcow2 images, else synchronously. */
export function chunkReader(src: BlockBackend): (lba: number, n: number, buf: Uint8Array) => Promise<void> | void {
  if (src instanceof RawBackend || src instanceof Qcow2Image) return (lba, n, buf) => src.readSectorsAsync(lba as Lba, n, buf, 0);
  return (lba, n, buf) => src.readSectors(lba as Lba, n, buf, 0);
}

interface Chunk {
  lba: number;
  n: number;
}

/** Copies every non-zero 64 KiB unit of `src` to `dst` (which reads as zeros beforehand). */
export async function copyData(src: BlockBackend, dst: BlockBackend, onProgress?: (done: number, total: number) => void): Promise<void> {
  const total = src.sectorCount;
  // The scan for the next chunk runs ahead of the chunk being written: report only advances.
  let reported = -1;
  const progress = onProgress
    ? (done: number, all: number): void => {
        if (done > reported) onProgress((reported = done), all);
      }
    : undefined;
  const read = chunkReader(src);
  const write: (lba: number, n: number, buf: Uint8Array, off: number) => Promise<void> | void =
    dst instanceof RawBackend
      ? (lba, n, buf, off) => dst.writeSectorsAsync(lba as Lba, n, buf, off)
      : dst instanceof VmdkDisk
        ? (lba, n, buf, off) => dst.writeSectorsAsync(lba as Lba, n, buf, off)
        : (lba, n, buf, off) => dst.writeSectors(lba as Lba, n, buf, off);
  const bufs = Array.from({ length: BUFFERS }, () => new Uint8Array(CHUNK_SECTORS * 512));
  const busy: (Promise<unknown> | undefined)[] = new Array(BUFFERS).fill(undefined);
  let scan = 0;
  // The next allocated chunk of the source; holes are skipped without reading.
  const nextChunk = (): Chunk | undefined => {
    while (scan < total) {
      const max = Math.min(CHUNK_SECTORS, total - scan);
      const run = src.allocationRun(scan as Lba, max);
      const n = Math.min(max, run.sectors);
      const lba = scan;
      scan += n;
      if (run.allocated) return { lba, n };
      progress?.(scan, total);
    }
    return undefined;
  };
  const writeNonZero = (c: Chunk, buf: Uint8Array): Promise<unknown> | undefined => {
    const pending: Promise<void>[] = [];
    let i = 0;
    while (i < c.n) {
      const unit = Math.min(ZERO_UNIT - ((c.lba + i) % ZERO_UNIT), c.n - i);
      if (isZero(buf, i * 512, unit * 512)) {
        i += unit;
        continue;
      }
      let j = i + unit;
      while (j < c.n) {
        const u = Math.min(ZERO_UNIT, c.n - j);
        if (isZero(buf, j * 512, u * 512)) break;
        j += u;
      }
      const p = write(c.lba + i, j - i, buf, i * 512);
      if (p) pending.push(p);
      i = j;
    }
    return pending.length ? Promise.all(pending) : undefined;
  };

  let cur = nextChunk();
  let curRead = cur ? read(cur.lba, cur.n, bufs[0]!) : undefined;
  try {
    for (let i = 0; cur; i++) {
      await curRead;
      const next = nextChunk();
      let nextRead: Promise<void> | void = undefined;
      if (next) {
        const b = (i + 1) % BUFFERS;
        await busy[b];
        nextRead = read(next.lba, next.n, bufs[b]!);
      }
      // One chunk's writes at a time: parallel buffered writes to one file only contend for its
      // inode lock (measured: the kernel spun on it), while a read still overlaps each write.
      await busy[(i + BUFFERS - 1) % BUFFERS];
      busy[i % BUFFERS] = writeNonZero(cur, bufs[i % BUFFERS]!);
      progress?.(cur.lba + cur.n, total);
      cur = next;
      curRead = nextRead;
    }
  } finally {
    // No read or write may outlive this call: the caller closes the files next.
    await Promise.allSettled([...busy, curRead]);
  }
  await Promise.all(busy);
  progress?.(total, total);
}

/** A conversion's source: any image openImage reads, or a qcow2 (read-only, own reader). */
function openSource(file: string): BlockBackend {
  const head = new Uint8Array(4);
  try {
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, head, 0, 4, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // openImage says why the file cannot be read.
  }
  if (new DataView(head.buffer).getUint32(0) === QCOW2_MAGIC) return Qcow2Image.open(file);
  return openImage(file, { readOnly: true });
}

export async function convertImage(srcPath: string, dstPath: string, o: ConvertOptions): Promise<void> {
  if (!o.overwrite && fs.existsSync(dstPath)) throw new StorageError(`${dstPath}: already exists`, 'storage.exists');
  const src = openSource(srcPath);
  try {
    if (o.format === 'raw') {
      const dst = RawBackend.create(dstPath, src.sizeBytes, o.overwrite);
      try {
        await copyData(src, dst, o.progress);
        if (o.sync) dst.flush();
      } finally {
        dst.dispose();
      }
      return;
    }
    const subformat = o.subformat ?? 'monolithicSparse';
    if (subformat === 'streamOptimized') {
      const d = baseDescriptor(src.sectorCount, 'streamOptimized', { sizeBytes: src.sizeBytes }, dstPath);
      d.extents = [{ access: 'RW', sectors: src.sectorCount, type: 'SPARSE', file: path.basename(dstPath), offset: 0 }];
      await writeStreamOptimized(dstPath, src, d, { overwrite: o.overwrite, progress: o.progress, read: chunkReader(src) });
      return;
    }
    if (subformat === 'vmfsSparse') throw new StorageError(`${dstPath}: vmfsSparse is a delta format; convert to a base subformat`, 'storage.unsupported');
    createVmdk(dstPath, { sizeBytes: src.sizeBytes, subformat, provisioning: o.provisioning ?? 'thin', overwrite: o.overwrite });
    const dst = VmdkDisk.open(dstPath);
    try {
      await copyData(src, dst, o.progress);
      if (o.sync) dst.flush();
    } finally {
      dst.dispose();
    }
  } finally {
    src.dispose();
  }
}
