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

export function writeStreamOptimized(file: string, source: StreamSource, descriptor: VmdkDescriptor, o: StreamWriteOptions = {}): void {
  const grainSize = o.grainSize ?? 128;
  const capacity = source.sectorCount;
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
  let fd: number;
  try {
    fd = fs.openSync(file, o.overwrite ? 'w' : 'wx');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StorageError(`${file}: ${code === 'EEXIST' ? 'already exists' : `cannot create: ${code}`}`, code === 'EEXIST' ? 'storage.exists' : 'storage.io');
  }
  try {
    const w = new SequentialWriter(fd);
    w.put(encodeSparseHeader(header));
    w.put(descText);
    w.put(new Uint8Array(header.overhead * 512 - w.position));

    const gd = new Uint32Array(geo.gdEntries);
    const gt = new Uint32Array(512);
    const gtBytes = new Uint8Array(gt.buffer);
    const grainBytes = grainSize * 512;
    const chunkGrains = Math.max(1, Math.floor((1 << 20) / grainBytes));
    const chunk = new Uint8Array(chunkGrains * grainBytes);
    const markerHead = new Uint8Array(12);
    const mdv = new DataView(markerHead.buffer);
    const level = o.level ?? 6;

    for (let t = 0; t < geo.gdEntries; t++) {
      gt.fill(0);
      let any = false;
      const firstGrain = t * 512;
      const lastGrain = Math.min(geo.grains, firstGrain + 512);
      for (let g0 = firstGrain; g0 < lastGrain; g0 += chunkGrains) {
        const gEnd = Math.min(lastGrain, g0 + chunkGrains);
        const lba = g0 * grainSize;
        const sectors = Math.min(capacity, gEnd * grainSize) - lba;
        if (!source.readSectors) break;
        // Skip whole unallocated runs without reading them.
        if (source.allocationRun) {
          const r = source.allocationRun(lba as Lba, sectors);
          if (!r.allocated && r.sectors >= sectors) continue;
        }
        source.readSectors(lba as Lba, sectors, chunk, 0);
        if (sectors * 512 < chunk.length) chunk.fill(0, sectors * 512);
        for (let g = g0; g < gEnd; g++) {
          const off = (g - g0) * grainBytes;
          if (isZero(chunk, off, grainBytes)) continue;
          const data = zlib.deflateSync(chunk.subarray(off, off + grainBytes), { level });
          gt[g - firstGrain] = w.position / 512;
          mdv.setUint32(0, (g * grainSize) % 0x100000000, true);
          mdv.setUint32(4, Math.floor((g * grainSize) / 0x100000000), true);
          mdv.setUint32(8, data.length, true);
          w.put(markerHead);
          w.put(data);
          w.padSector();
          any = true;
        }
        o.progress?.(lba + sectors, capacity);
      }
      if (any) {
        w.put(metadataMarker(MARKER_GT, geo.gtSectors));
        gd[t] = w.position / 512;
        w.put(gtBytes);
      }
    }
    w.put(metadataMarker(MARKER_GD, geo.gdSectors));
    const gdAt = w.position / 512;
    const gdPadded = new Uint8Array(geo.gdSectors * 512);
    gdPadded.set(new Uint8Array(gd.buffer));
    w.put(gdPadded);
    w.put(metadataMarker(MARKER_FOOTER, 1));
    w.put(encodeSparseHeader({ ...header, gdOffset: gdAt }));
    w.put(new Uint8Array(512)); // end-of-stream marker
    w.drain();
    o.progress?.(capacity, capacity);
  } finally {
    fs.closeSync(fd);
  }
}
