// The hosted sparse extent header, magic "KDMV" (VMDK spec 1.1, "Hosted Sparse Extent
// Header"; 5.0 adds streamOptimized's markers). 512 bytes, little-endian, packed.
// Parsing range-checks every field against the file so a hostile header cannot make a later
// read go out of bounds or allocate without limit (qemu-iotests 059 lists the classic cases).
import { corrupt } from '../errors';

export const KDMV_MAGIC = 0x564d444b;
export const SPARSE_HEADER_SIZE = 512;

export const FLAG_NL_DETECT = 1 << 0;
export const FLAG_REDUNDANT_GT = 1 << 1;
/** GTE value 1 means "zeroed grain" (spec 5.0: hosted sparse version 2+). */
export const FLAG_ZEROED_GRAIN_GTE = 1 << 2;
export const FLAG_COMPRESSED = 1 << 16;
export const FLAG_MARKERS = 1 << 17;

export const COMPRESSION_NONE = 0;
export const COMPRESSION_DEFLATE = 1;

/** gdOffset value meaning "the grain directory is found through the footer" (streamOptimized). */
export const GD_AT_END = -1;

export interface SparseHeader {
  version: number;
  flags: number;
  /** Virtual size of this extent in sectors. */
  capacity: number;
  /** Sectors per grain. */
  grainSize: number;
  descriptorOffset: number;
  descriptorSize: number;
  numGTEsPerGT: number;
  rgdOffset: number;
  /** Sector of the grain directory, or GD_AT_END. */
  gdOffset: number;
  overhead: number;
  uncleanShutdown: boolean;
  compressAlgorithm: number;
}

/** Limits beyond which a header is treated as hostile. */
export const MAX_GRAIN_SECTORS = 1 << 21; // 1 GiB, qemu's limit too
export const MAX_GD_ENTRIES = 1 << 24; // 64 MiB of directory
export const MAX_DESCRIPTOR_SECTORS = 2048; // 1 MiB

function readU64(dv: DataView, off: number): number {
  const lo = dv.getUint32(off, true);
  const hi = dv.getUint32(off + 4, true);
  if (hi === 0xffffffff && lo === 0xffffffff) return -1;
  if (hi > 0x1fffff) return Number.POSITIVE_INFINITY;
  return hi * 0x100000000 + lo;
}

function writeU64(dv: DataView, off: number, v: number): void {
  if (v < 0) {
    dv.setUint32(off, 0xffffffff, true);
    dv.setUint32(off + 4, 0xffffffff, true);
    return;
  }
  dv.setUint32(off, v % 0x100000000, true);
  dv.setUint32(off + 4, Math.floor(v / 0x100000000), true);
}

/** Decodes a header without checking it against a file (the footer of streamOptimized uses this too). */
export function decodeSparseHeader(buf: Uint8Array, file: string, where = 'header'): SparseHeader {
  if (buf.length < SPARSE_HEADER_SIZE) throw corrupt(file, where, `is ${buf.length} bytes, needs ${SPARSE_HEADER_SIZE}`);
  const dv = new DataView(buf.buffer, buf.byteOffset, SPARSE_HEADER_SIZE);
  const magic = dv.getUint32(0, true);
  if (magic !== KDMV_MAGIC) throw corrupt(file, `${where}.magic`, `0x${magic.toString(16)} is not "KDMV"`);
  const h: SparseHeader = {
    version: dv.getUint32(4, true),
    flags: dv.getUint32(8, true),
    capacity: readU64(dv, 12),
    grainSize: readU64(dv, 20),
    descriptorOffset: readU64(dv, 28),
    descriptorSize: readU64(dv, 36),
    numGTEsPerGT: dv.getUint32(44, true),
    rgdOffset: readU64(dv, 48),
    gdOffset: readU64(dv, 56),
    overhead: readU64(dv, 64),
    uncleanShutdown: dv.getUint8(72) !== 0,
    compressAlgorithm: dv.getUint16(77, true),
  };
  if (h.flags & FLAG_NL_DETECT) {
    // Spec: the four bytes "\n \r\n" detect a file mangled by an ASCII-mode transfer.
    if (dv.getUint8(73) !== 0x0a || dv.getUint8(74) !== 0x20 || dv.getUint8(75) !== 0x0d || dv.getUint8(76) !== 0x0a) {
      throw corrupt(file, `${where}.newlineCheck`, 'bytes 73..76 are not "\\n \\r\\n": the file was damaged by a text-mode copy');
    }
  }
  return h;
}

const isPow2 = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0 && n <= 2 ** 30;

/** Sectors one grain table covers and how many tables the directory holds. */
export function sparseGeometry(h: Pick<SparseHeader, 'capacity' | 'grainSize' | 'numGTEsPerGT'>): { grains: number; gdEntries: number; gtSectors: number; gdSectors: number } {
  const grains = Math.ceil(h.capacity / h.grainSize);
  const gdEntries = Math.ceil(grains / h.numGTEsPerGT);
  return { grains, gdEntries, gtSectors: Math.ceil((h.numGTEsPerGT * 4) / 512), gdSectors: Math.ceil((gdEntries * 4) / 512) };
}

/**
 * Checks a decoded header against the file it came from. `fileSectors` is the file size in
 * sectors; `gdInFile` is false for streamOptimized headers whose directory lives at the end.
 */
export function validateSparseHeader(h: SparseHeader, file: string, fileSectors: number, where = 'header'): void {
  const f = (name: string) => `${where}.${name}`;
  if (h.version < 1 || h.version > 3) throw corrupt(file, f('version'), `${h.version} is not 1, 2 or 3`);
  if (!Number.isFinite(h.capacity) || h.capacity < 0) throw corrupt(file, f('capacity'), `${h.capacity} sectors is out of range`);
  if (!isPow2(h.grainSize) || h.grainSize > MAX_GRAIN_SECTORS) {
    throw corrupt(file, f('grainSize'), `${h.grainSize} sectors is not a power of two between 1 and ${MAX_GRAIN_SECTORS}`);
  }
  if (h.numGTEsPerGT < 1 || h.numGTEsPerGT > 512 || !isPow2(h.numGTEsPerGT)) {
    throw corrupt(file, f('numGTEsPerGT'), `${h.numGTEsPerGT} is not a power of two up to 512`);
  }
  const g = sparseGeometry(h);
  if (g.gdEntries > MAX_GD_ENTRIES) throw corrupt(file, f('capacity'), `${h.capacity} sectors needs ${g.gdEntries} grain tables, more than ${MAX_GD_ENTRIES}`);
  if (h.compressAlgorithm !== COMPRESSION_NONE && h.compressAlgorithm !== COMPRESSION_DEFLATE) {
    throw corrupt(file, f('compressAlgorithm'), `${h.compressAlgorithm} is not 0 (none) or 1 (deflate)`);
  }
  if (h.flags & FLAG_COMPRESSED && h.compressAlgorithm !== COMPRESSION_DEFLATE) {
    throw corrupt(file, f('compressAlgorithm'), 'grains are flagged compressed but the algorithm is not deflate');
  }
  if (h.descriptorOffset !== 0 || h.descriptorSize !== 0) {
    if (h.descriptorSize > MAX_DESCRIPTOR_SECTORS) throw corrupt(file, f('descriptorSize'), `${h.descriptorSize} sectors is more than ${MAX_DESCRIPTOR_SECTORS}`);
    if (h.descriptorOffset < 1 || h.descriptorOffset + h.descriptorSize > fileSectors) {
      throw corrupt(file, f('descriptorOffset'), `sectors ${h.descriptorOffset}+${h.descriptorSize} lie outside the file (${fileSectors} sectors)`);
    }
  }
  const inFile = (name: string, at: number, sectors: number): void => {
    if (!Number.isFinite(at) || at < 1 || at + sectors > fileSectors) {
      throw corrupt(file, f(name), `sectors ${at}+${sectors} lie outside the file (${fileSectors} sectors; truncated?)`);
    }
  };
  if (h.gdOffset !== GD_AT_END) inFile('gdOffset', h.gdOffset, g.gdSectors);
  if (h.flags & FLAG_REDUNDANT_GT && h.gdOffset !== GD_AT_END) inFile('rgdOffset', h.rgdOffset, g.gdSectors);
  if (!Number.isFinite(h.overhead) || h.overhead < 0) throw corrupt(file, f('overhead'), `${h.overhead} is out of range`);
}

export function encodeSparseHeader(h: SparseHeader): Uint8Array {
  const buf = new Uint8Array(SPARSE_HEADER_SIZE);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, KDMV_MAGIC, true);
  dv.setUint32(4, h.version, true);
  dv.setUint32(8, h.flags >>> 0, true);
  writeU64(dv, 12, h.capacity);
  writeU64(dv, 20, h.grainSize);
  writeU64(dv, 28, h.descriptorOffset);
  writeU64(dv, 36, h.descriptorSize);
  dv.setUint32(44, h.numGTEsPerGT, true);
  writeU64(dv, 48, h.rgdOffset);
  writeU64(dv, 56, h.gdOffset);
  writeU64(dv, 64, h.overhead);
  dv.setUint8(72, h.uncleanShutdown ? 1 : 0);
  dv.setUint8(73, 0x0a);
  dv.setUint8(74, 0x20);
  dv.setUint8(75, 0x0d);
  dv.setUint8(76, 0x0a);
  dv.setUint16(77, h.compressAlgorithm, true);
  return buf;
}
