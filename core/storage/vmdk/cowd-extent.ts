// vmfsSparse delta extents, magic "COWD" (ESX's copy-on-write disk). A 2048-byte header, a
// grain directory at sector 4, grain tables of 4096 entries allocated on first write, grains
// of `grainSize` sectors (ESX uses 1). freeSector in the header tracks the end of the file.
import { alignUp } from '../../common';
import { corrupt } from '../errors';
import type { PositionalFile } from '../file-io';
import { GrainExtent } from './grain-extent';

export const COWD_MAGIC = 0x44574f43;
export const COWD_HEADER_SECTORS = 4;
export const COWD_GTES_PER_GT = 4096;
const MAX_COWD_GD_ENTRIES = 1 << 20;

export interface CowdHeader {
  version: number;
  flags: number;
  numSectors: number;
  grainSize: number;
  gdOffset: number;
  numGDEntries: number;
  freeSector: number;
  parentFileName: string;
  parentGeneration: number;
  generation: number;
}

export function decodeCowdHeader(buf: Uint8Array, file: string): CowdHeader {
  const dv = new DataView(buf.buffer, buf.byteOffset, 2048);
  if (dv.getUint32(0, true) !== COWD_MAGIC) throw corrupt(file, 'header.magic', 'is not "COWD"');
  const nameBytes = buf.subarray(32, 32 + 1024);
  const nul = nameBytes.indexOf(0);
  return {
    version: dv.getUint32(4, true),
    flags: dv.getUint32(8, true),
    numSectors: dv.getUint32(12, true),
    grainSize: dv.getUint32(16, true),
    gdOffset: dv.getUint32(20, true),
    numGDEntries: dv.getUint32(24, true),
    freeSector: dv.getUint32(28, true),
    parentFileName: Buffer.from(nameBytes.subarray(0, nul < 0 ? 1024 : nul)).toString('utf8'),
    parentGeneration: dv.getUint32(32 + 1024, true),
    generation: dv.getUint32(1060, true),
  };
}

export function encodeCowdHeader(h: CowdHeader): Uint8Array {
  const buf = new Uint8Array(COWD_HEADER_SECTORS * 512);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, COWD_MAGIC, true);
  dv.setUint32(4, h.version, true);
  dv.setUint32(8, h.flags, true);
  dv.setUint32(12, h.numSectors, true);
  dv.setUint32(16, h.grainSize, true);
  dv.setUint32(20, h.gdOffset, true);
  dv.setUint32(24, h.numGDEntries, true);
  dv.setUint32(28, h.freeSector, true);
  buf.set(Buffer.from(h.parentFileName, 'utf8').subarray(0, 1023), 32);
  dv.setUint32(32 + 1024, h.parentGeneration, true);
  dv.setUint32(1060, h.generation, true);
  return buf;
}

function validate(h: CowdHeader, file: string, fileSectors: number): void {
  if (h.version !== 1) throw corrupt(file, 'header.version', `${h.version} is not 1`);
  if (h.grainSize < 1 || h.grainSize > 1 << 16 || (h.grainSize & (h.grainSize - 1)) !== 0) {
    throw corrupt(file, 'header.grainSize', `${h.grainSize} sectors is not a power of two up to 65536`);
  }
  const need = Math.ceil(h.numSectors / (h.grainSize * COWD_GTES_PER_GT));
  if (h.numGDEntries < need || h.numGDEntries > MAX_COWD_GD_ENTRIES) {
    throw corrupt(file, 'header.numGDEntries', `${h.numGDEntries} does not cover ${h.numSectors} sectors (needs ${need}, at most ${MAX_COWD_GD_ENTRIES})`);
  }
  const gdSectors = Math.ceil((h.numGDEntries * 4) / 512);
  if (h.gdOffset < COWD_HEADER_SECTORS || h.gdOffset + gdSectors > fileSectors) {
    throw corrupt(file, 'header.gdOffset', `sectors ${h.gdOffset}+${gdSectors} lie outside the file (${fileSectors} sectors; truncated?)`);
  }
}

export function openCowdExtent(file: PositionalFile, writable: boolean, barriers = false): { header: CowdHeader; extent: GrainExtent } {
  const fileSectors = Math.floor(file.size() / 512);
  const buf = new Uint8Array(COWD_HEADER_SECTORS * 512);
  file.readExact(buf, 0, buf.length, 0, 'header');
  const h = decodeCowdHeader(buf, file.path);
  validate(h, file.path, fileSectors);
  const gdBytes = new Uint8Array(alignUp(h.numGDEntries * 4, 512));
  file.readExact(gdBytes, 0, gdBytes.length, h.gdOffset * 512, 'grain directory');
  const gd = new Uint32Array(gdBytes.buffer, 0, h.numGDEntries);
  const freeField = new Uint32Array(1);
  const extent = new GrainExtent({
    file,
    capacity: h.numSectors,
    grainSize: h.grainSize,
    gtesPerGt: COWD_GTES_PER_GT,
    gd,
    gdOffset: h.gdOffset,
    zeroedGrainGte: false,
    compressed: false,
    writable,
    firstDataSector: h.gdOffset + Math.ceil(gdBytes.length / 512),
    barriers,
    onEndOfFile: (end) => {
      // freeSector is advisory (a hint for the next allocation); it is written last.
      freeField[0] = end;
      file.write(new Uint8Array(freeField.buffer), 0, 4, 28);
    },
  });
  return { header: h, extent };
}

/** Writes an empty COWD delta of `sectors` sectors. */
export function writeCowdFile(file: PositionalFile, sectors: number, parentFileName: string, grainSize = 1): CowdHeader {
  if (sectors > 0xffffffff) throw new RangeError(`vmfsSparse: ${sectors} sectors is more than a COWD header can hold (2 TiB)`);
  const numGDEntries = Math.max(1, Math.ceil(sectors / (grainSize * COWD_GTES_PER_GT)));
  const gdSectors = Math.ceil((numGDEntries * 4) / 512);
  const h: CowdHeader = {
    version: 1,
    flags: 3,
    numSectors: sectors,
    grainSize,
    gdOffset: COWD_HEADER_SECTORS,
    numGDEntries,
    freeSector: COWD_HEADER_SECTORS + gdSectors,
    parentFileName,
    parentGeneration: 0,
    generation: 0,
  };
  file.write(encodeCowdHeader(h), 0, COWD_HEADER_SECTORS * 512, 0);
  file.truncate(h.freeSector * 512);
  return h;
}
