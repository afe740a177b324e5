// Opening and creating KDMV (hosted sparse) extent files: monolithicSparse, the pieces of
// twoGbMaxExtentSparse, and streamOptimized (whose directory may sit behind a footer).
import { alignUp } from '../../common';
import { corrupt } from '../errors';
import type { PositionalFile } from '../file-io';
import { GrainExtent } from './grain-extent';
import {
  COMPRESSION_NONE,
  FLAG_COMPRESSED,
  FLAG_MARKERS,
  FLAG_NL_DETECT,
  FLAG_REDUNDANT_GT,
  FLAG_ZEROED_GRAIN_GTE,
  GD_AT_END,
  type SparseHeader,
  SPARSE_HEADER_SIZE,
  decodeSparseHeader,
  encodeSparseHeader,
  sparseGeometry,
  validateSparseHeader,
} from './sparse-header';
import { MARKER_EOS, MARKER_FOOTER, decodeMarker } from './stream-markers';
import { UnsupportedImageError } from '../errors';

export interface OpenedSparse {
  header: SparseHeader;
  extent: GrainExtent;
  /** Embedded descriptor text, if the file has one. */
  descriptorText?: string;
}

/** Reads the header (and, for streamOptimized with GD_AT_END, the footer) of a KDMV file. */
export function readSparseHeader(file: PositionalFile): SparseHeader {
  const size = file.size();
  const fileSectors = Math.floor(size / 512);
  const buf = new Uint8Array(SPARSE_HEADER_SIZE);
  file.readExact(buf, 0, SPARSE_HEADER_SIZE, 0, 'header');
  let h = decodeSparseHeader(buf, file.path);
  validateSparseHeader(h, file.path, fileSectors);
  if (h.gdOffset === GD_AT_END) {
    // VMware's streamOptimized layout: ... footer marker, footer (a header copy), EOS marker.
    if (size < 3 * 512) throw corrupt(file.path, 'footer', 'file too short to hold the footer the header announces');
    const tail = new Uint8Array(3 * 512);
    file.readExact(tail, 0, tail.length, size - tail.length, 'footer');
    const fm = decodeMarker(tail.subarray(0, 512));
    if (fm.size !== 0 || fm.type !== MARKER_FOOTER) throw corrupt(file.path, 'footer marker', `type ${fm.type} is not a footer marker (${MARKER_FOOTER})`);
    const eos = decodeMarker(tail.subarray(1024, 1536));
    if (eos.size !== 0 || eos.type !== MARKER_EOS || eos.value !== 0) throw corrupt(file.path, 'end-of-stream marker', 'missing after the footer');
    h = decodeSparseHeader(tail.subarray(512, 1024), file.path, 'footer');
    validateSparseHeader(h, file.path, fileSectors, 'footer');
    if (h.gdOffset === GD_AT_END) throw corrupt(file.path, 'footer.gdOffset', 'the footer does not say where the grain directory is');
  }
  return h;
}

function readDirectory(file: PositionalFile, at: number, entries: number, field: string): Uint32Array {
  const bytes = new Uint8Array(alignUp(entries * 4, 512));
  file.readExact(bytes, 0, bytes.length, at * 512, field);
  return new Uint32Array(bytes.buffer, 0, entries);
}

export function openSparseExtent(file: PositionalFile, writable: boolean, barriers = false): OpenedSparse {
  const h = readSparseHeader(file);
  const compressed = (h.flags & FLAG_COMPRESSED) !== 0;
  if (compressed && !(h.flags & FLAG_MARKERS)) throw new UnsupportedImageError(file.path, 'compressed grains without markers are not supported');
  // Each compressed grain is inflated whole into memory: keep that bounded (VMware uses 128).
  if (compressed && h.grainSize > 65536) throw corrupt(file.path, 'header.grainSize', `${h.grainSize} sectors is too large for compressed grains (at most 65536)`);
  const geo = sparseGeometry(h);
  const gd = readDirectory(file, h.gdOffset, geo.gdEntries, 'grain directory');
  const useRgd = (h.flags & FLAG_REDUNDANT_GT) !== 0 && h.rgdOffset > 0 && !compressed;
  const rgd = useRgd ? readDirectory(file, h.rgdOffset, geo.gdEntries, 'redundant grain directory') : undefined;
  const firstDataSector = Math.max(1, h.descriptorOffset + h.descriptorSize);
  const extent = new GrainExtent({
    file,
    capacity: h.capacity,
    grainSize: h.grainSize,
    gtesPerGt: h.numGTEsPerGT,
    gd,
    gdOffset: h.gdOffset,
    ...(rgd ? { rgd, rgdOffset: h.rgdOffset } : {}),
    zeroedGrainGte: (h.flags & FLAG_ZEROED_GRAIN_GTE) !== 0,
    compressed,
    writable,
    firstDataSector,
    barriers,
  });
  const out: OpenedSparse = { header: h, extent };
  if (h.descriptorOffset > 0 && h.descriptorSize > 0) {
    const bytes = new Uint8Array(h.descriptorSize * 512);
    file.readExact(bytes, 0, bytes.length, h.descriptorOffset * 512, 'embedded descriptor');
    const end = bytes.indexOf(0);
    out.descriptorText = Buffer.from(bytes.buffer, 0, end < 0 ? bytes.length : end).toString('utf8');
  }
  return out;
}

export type Preallocation = 'none' | 'lazy' | 'eager';

export interface SparseLayoutOptions {
  capacity: number;
  grainSize?: number;
  /** Embedded descriptor (monolithicSparse); omit for split extents. */
  descriptorText?: string;
  zeroedGrain?: boolean;
}

/** Where everything goes in a freshly made KDMV file. */
export function planSparse(o: SparseLayoutOptions): SparseHeader & { rgtStart: number; gtStart: number; gdEntries: number; gtSectors: number } {
  const grainSize = o.grainSize ?? 128;
  const numGTEsPerGT = 512;
  const geo = sparseGeometry({ capacity: o.capacity, grainSize, numGTEsPerGT });
  const descriptorSize = o.descriptorText !== undefined ? Math.max(20, Math.ceil((Buffer.byteLength(o.descriptorText) + 1) / 512)) : 0;
  const descriptorOffset = o.descriptorText !== undefined ? 1 : 0;
  const rgdOffset = 1 + descriptorSize;
  const rgtStart = rgdOffset + geo.gdSectors;
  const gdOffset = rgtStart + geo.gdEntries * geo.gtSectors;
  const gtStart = gdOffset + geo.gdSectors;
  const overhead = alignUp(gtStart + geo.gdEntries * geo.gtSectors, grainSize);
  return {
    version: o.zeroedGrain ? 2 : 1,
    flags: FLAG_NL_DETECT | FLAG_REDUNDANT_GT | (o.zeroedGrain ? FLAG_ZEROED_GRAIN_GTE : 0),
    capacity: o.capacity,
    grainSize,
    descriptorOffset,
    descriptorSize,
    numGTEsPerGT,
    rgdOffset,
    gdOffset,
    overhead,
    uncleanShutdown: false,
    compressAlgorithm: COMPRESSION_NONE,
    rgtStart,
    gtStart,
    gdEntries: geo.gdEntries,
    gtSectors: geo.gtSectors,
  };
}

/**
 * Writes a new KDMV file: header, descriptor, redundant and primary directories with all
 * grain tables allocated (as VMware and qemu do). With preallocation every grain is allocated
 * in order after the metadata; the caller then fills or reserves the host space.
 */
export function writeSparseFile(file: PositionalFile, o: SparseLayoutOptions, preallocate: Preallocation): { header: SparseHeader; endSector: number } {
  const p = planSparse(o);
  const meta = new Uint8Array(p.overhead * 512);
  meta.set(encodeSparseHeader(p), 0);
  if (o.descriptorText !== undefined) meta.set(Buffer.from(o.descriptorText, 'utf8'), 512);
  const dv = new DataView(meta.buffer);
  const grains = Math.ceil(p.capacity / p.grainSize);
  for (let i = 0; i < p.gdEntries; i++) {
    dv.setUint32(p.rgdOffset * 512 + i * 4, p.rgtStart + i * p.gtSectors, true);
    dv.setUint32(p.gdOffset * 512 + i * 4, p.gtStart + i * p.gtSectors, true);
  }
  if (preallocate !== 'none') {
    for (let g = 0; g < grains; g++) {
      const gdi = Math.floor(g / 512);
      const at = p.overhead + g * p.grainSize;
      dv.setUint32((p.rgtStart + gdi * p.gtSectors) * 512 + (g % 512) * 4, at, true);
      dv.setUint32((p.gtStart + gdi * p.gtSectors) * 512 + (g % 512) * 4, at, true);
    }
  }
  file.write(meta, 0, meta.length, 0);
  const endSector = p.overhead + (preallocate !== 'none' ? grains * p.grainSize : 0);
  file.truncate(endSector * 512);
  const { rgtStart: _r, gtStart: _g, gdEntries: _e, gtSectors: _s, ...header } = p;
  return { header, endSector };
}

export { FLAG_MARKERS, FLAG_COMPRESSED };
