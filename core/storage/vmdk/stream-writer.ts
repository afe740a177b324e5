// Writes streamOptimized disks in VMware's layout (VMDK spec 5.0): header with
// gdOffset = GD_AT_END, embedded descriptor, deflated grains each behind a grain marker, each
// grain table behind a GT marker once its grains are out, then the GD, the footer (a header
// copy that says where the GD is) and the end-of-stream marker. Written strictly front to back.
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { alignUp, type Lba } from '../../common';
import { StorageError } from '../errors';
import { isZero } from '../file-io';
import { type VmdkDescriptor, formatDescriptor } from './descriptor';
import {
  COMPRESSION_DEFLATE,
  FLAG_COMPRESSED,
  FLAG_MARKERS,
  FLAG_NL_DETECT,
  GD_AT_END,
  type SparseHeader,
  encodeSparseHeader,
  sparseGeometry,
} from './sparse-header';
import { MARKER_FOOTER, MARKER_GD, MARKER_GT, metadataMarker } from './stream-markers';

/** What the writer reads: a BlockBackend fits; `readSectors` may be absent for an empty disk. */
export interface StreamSource {
  readonly sectorCount: number;
  readSectors?(lba: Lba, count: number, buf: Uint8Array, offset?: number): void;
  allocationRun?(lba: Lba, maxSectors: number): { allocated: boolean; sectors: number };
}

export interface StreamWriteOptions {
  overwrite?: boolean;
  grainSize?: number;
  /** zlib level 0..9 (default 6, as VMware and qemu). */
  level?: number;
  progress?: (doneSectors: number, totalSectors: number) => void;
  /** How to read a chunk of the source (async for raw files); default source.readSectors. */
  read?: (lba: number, n: number, buf: Uint8Array) => Promise<void> | void;
}

const SAMPLE = 2048;

/**
 * Cheap guess whether a grain is incompressible (encrypted, already-compressed data): two
 * 2 KiB samples that deflate at level 1 to more than 95 % of their size. Such grains are
 * stored (deflate level 0: still a valid zlib stream, the same size deflate would reach after
 * trying hard) instead of spending ~35 ms/MiB searching for matches that are not there.
 */
export function looksIncompressible(grain: Uint8Array): boolean {
  if (grain.length < 4 * SAMPLE) return false;
  for (const at of [0, grain.length >> 1]) {
    const out = zlib.deflateRawSync(grain.subarray(at, at + SAMPLE), { level: 1 });
    if (out.length < SAMPLE * 0.95) return false;
  }
  return true;
}

const deflateAsync = (data: Uint8Array, level: number): Promise<Buffer> =>
  new Promise((resolve, reject) => zlib.deflate(data, { level }, (err, out) => (err ? reject(err) : resolve(out))));

function streamLayout(capacity: number, grainSize: number, descriptor: VmdkDescriptor) {
  const geo = sparseGeometry({ capacity, grainSize, numGTEsPerGT: 512 });
  const descText = Buffer.from(formatDescriptor(descriptor), 'utf8');
  const descriptorSize = Math.max(1, Math.ceil((descText.length + 1) / 512));
  const header: SparseHeader = {
    version: 3,
    flags: FLAG_NL_DETECT | FLAG_COMPRESSED | FLAG_MARKERS,
    capacity,
    grainSize,
    descriptorOffset: 1,
    descriptorSize,
    numGTEsPerGT: 512,
    rgdOffset: 0,
    gdOffset: GD_AT_END,
    overhead: alignUp(1 + descriptorSize, grainSize),
    uncleanShutdown: false,
    compressAlgorithm: COMPRESSION_DEFLATE,
  };
  return { geo, descText, header };
}

/** The tail every stream ends with: GD marker and GD, footer marker and footer, EOS marker. */
function putTail(w: SequentialWriter, gd: Uint32Array, gdSectors: number, header: SparseHeader): void {
  w.put(metadataMarker(MARKER_GD, gdSectors));
  const gdAt = w.position / 512;
  const gdPadded = new Uint8Array(gdSectors * 512);
  gdPadded.set(new Uint8Array(gd.buffer, gd.byteOffset, gd.byteLength));
  w.put(gdPadded);
  w.put(metadataMarker(MARKER_FOOTER, 1));
  w.put(encodeSparseHeader({ ...header, gdOffset: gdAt }));
  w.put(new Uint8Array(512)); // end-of-stream marker
  w.drain();
}

function openStream(file: string, overwrite?: boolean): number {
  try {
    return fs.openSync(file, overwrite ? 'w' : 'wx');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StorageError(`${file}: ${code === 'EEXIST' ? 'already exists' : `cannot create: ${code}`}`, code === 'EEXIST' ? 'storage.exists' : 'storage.io');
  }
}

/** An empty streamOptimized disk (no grains), written synchronously. */
export function writeEmptyStreamOptimized(file: string, capacity: number, descriptor: VmdkDescriptor, overwrite?: boolean): void {
  const { geo, descText, header } = streamLayout(capacity, 128, descriptor);
  const fd = openStream(file, overwrite);
  try {
    const w = new SequentialWriter(fd);
    w.put(encodeSparseHeader(header));
    w.put(descText);
    w.put(new Uint8Array(header.overhead * 512 - w.position));
    putTail(w, new Uint32Array(geo.gdEntries), geo.gdSectors, header);
  } finally {
    fs.closeSync(fd);
  }
}

class SequentialWriter {
  private buf = new Uint8Array(8 << 20);
  private used = 0;
  /** File position (bytes) of buf[0]. */
  private base = 0;

  constructor(private readonly fd: number) {}

  get position(): number {
    return this.base + this.used;
  }

  put(data: Uint8Array): void {
    if (this.used + data.length > this.buf.length) this.drain();
    if (data.length > this.buf.length) {
      fs.writeSync(this.fd, data, 0, data.length, this.base);
      this.base += data.length;
      return;
    }
    this.buf.set(data, this.used);
    this.used += data.length;
  }

  /** Zero bytes up to the next sector boundary. */
  padSector(): void {
    const pad = alignUp(this.position, 512) - this.position;
    if (pad > 0) this.put(new Uint8Array(pad));
  }

  drain(): void {
    let done = 0;
    while (done < this.used) done += fs.writeSync(this.fd, this.buf, done, this.used - done, this.base + done);
    this.base += this.used;
    this.used = 0;
  }
}

/**
 * Grains are deflated on the libuv thread pool, a chunk at a time, while the next chunk is
 * read; they are written in order, so the file is still produced front to back.
 */
export async function writeStreamOptimized(file: string, source: StreamSource, descriptor: VmdkDescriptor, o: StreamWriteOptions = {}): Promise<void> {
  const grainSize = o.grainSize ?? 128;
  const capacity = source.sectorCount;
  const { geo, descText, header } = streamLayout(capacity, grainSize, descriptor);
  const fd = openStream(file, o.overwrite);
  try {
    const w = new SequentialWriter(fd);
    w.put(encodeSparseHeader(header));
    w.put(descText);
    w.put(new Uint8Array(header.overhead * 512 - w.position));

    const gd = new Uint32Array(geo.gdEntries);
    const gt = new Uint32Array(512);
    const gtBytes = new Uint8Array(gt.buffer);
    const grainBytes = grainSize * 512;
    const chunkGrains = Math.max(1, Math.floor((4 << 20) / grainBytes));
    const bufs = [new Uint8Array(chunkGrains * grainBytes), new Uint8Array(chunkGrains * grainBytes)];
    const markerHead = new Uint8Array(12);
    const mdv = new DataView(markerHead.buffer);
    const level = o.level ?? 6;
    const read = o.read ?? (source.readSectors ? (lba: number, n: number, buf: Uint8Array) => source.readSectors!(lba as Lba, n, buf, 0) : undefined);

    // Chunks of grains, within one grain table each, that may hold data.
    const chunks: { g0: number; gEnd: number }[] = [];
    if (read) {
      for (let t = 0; t < geo.gdEntries; t++) {
        const lastGrain = Math.min(geo.grains, t * 512 + 512);
        for (let g0 = t * 512; g0 < lastGrain; g0 += chunkGrains) {
          const gEnd = Math.min(lastGrain, g0 + chunkGrains);
          const lba = g0 * grainSize;
          const sectors = Math.min(capacity, gEnd * grainSize) - lba;
          if (source.allocationRun) {
            const r = source.allocationRun(lba as Lba, sectors);
            if (!r.allocated && r.sectors >= sectors) continue;
          }
          chunks.push({ g0, gEnd });
        }
      }
    }
    const startRead = (i: number): Promise<void> | void => {
      const c = chunks[i]!;
      const lba = c.g0 * grainSize;
      const sectors = Math.min(capacity, c.gEnd * grainSize) - lba;
      const buf = bufs[i % 2]!;
      if (sectors * 512 < buf.length) buf.fill(0, sectors * 512);
      return read!(lba, sectors, buf);
    };
    let currentTable = -1;
    let any = false;
    const closeTable = (): void => {
      if (currentTable >= 0 && any) {
        w.put(metadataMarker(MARKER_GT, geo.gtSectors));
        gd[currentTable] = w.position / 512;
        w.put(gtBytes);
      }
      gt.fill(0);
      any = false;
    };
    let pendingRead = chunks.length ? startRead(0) : undefined;
    for (let i = 0; i < chunks.length; i++) {
      await pendingRead;
      const c = chunks[i]!;
      const buf = bufs[i % 2]!;
      const table = Math.floor(c.g0 / 512);
      if (table !== currentTable) {
        closeTable();
        currentTable = table;
      }
      const jobs: { g: number; data: Promise<Buffer> }[] = [];
      for (let g = c.g0; g < c.gEnd; g++) {
        const off = (g - c.g0) * grainBytes;
        if (isZero(buf, off, grainBytes)) continue;
        const grain = buf.subarray(off, off + grainBytes);
        jobs.push({ g, data: deflateAsync(grain, level > 0 && looksIncompressible(grain) ? 0 : level) });
      }
      // Compression of this chunk and the read of the next one overlap.
      pendingRead = i + 1 < chunks.length ? startRead(i + 1) : undefined;
      for (const job of jobs) {
        const data = await job.data;
        const g = job.g;
        gt[g - table * 512] = w.position / 512;
        mdv.setUint32(0, (g * grainSize) % 0x100000000, true);
        mdv.setUint32(4, Math.floor((g * grainSize) / 0x100000000), true);
        mdv.setUint32(8, data.length, true);
        w.put(markerHead);
        w.put(data);
        w.padSector();
        any = true;
      }
      o.progress?.(Math.min(capacity, c.gEnd * grainSize), capacity);
    }
    closeTable();
    putTail(w, gd, geo.gdSectors, header);
    o.progress?.(capacity, capacity);
  } finally {
    fs.closeSync(fd);
  }
}
