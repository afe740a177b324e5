// Damaged and hostile qcow2 images (the header and table cases of qemu-iotests 060 and 080,
// and more): each ends in one line naming the file and the field — at open for the header,
// on the read that reaches a bad table entry otherwise — never a crash, a hang or a read
// outside the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lba } from '../../core/common';
import { CorruptImageError, Qcow2Image, UnsupportedImageError } from '../../core/storage';
import { makeRawImage, qemuImg, tempDir } from './helpers';

let dir: string;
let plain: string; // v3, 64 KiB clusters
let compressed: string; // v3, -c
let v2: string;
let n = 0;

beforeAll(() => {
  dir = tempDir('qcow2-corrupt');
  const raw = makeRawImage(path.join(dir, 'src.raw'), 8 << 20, 5).file;
  plain = path.join(dir, 'plain.qcow2');
  qemuImg('convert', '-O', 'qcow2', raw, plain);
  compressed = path.join(dir, 'compressed.qcow2');
  qemuImg('convert', '-c', '-O', 'qcow2', raw, compressed);
  v2 = path.join(dir, 'v2.qcow2');
  qemuImg('convert', '-O', 'qcow2', '-o', 'compat=0.10', raw, v2);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function copyOf(file: string): string {
  const f = path.join(dir, `c${n++}.qcow2`);
  fs.copyFileSync(file, f);
  return f;
}

function readBytes(file: string, off: number, len: number): Buffer {
  const fd = fs.openSync(file, 'r');
  const b = Buffer.alloc(len);
  fs.readSync(fd, b, 0, len, off);
  fs.closeSync(fd);
  return b;
}

function writeBytes(file: string, off: number, b: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, b, 0, b.length, off);
  fs.closeSync(fd);
}

const be32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
const be64 = (v: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, v));
  return b;
};
const u64 = (file: string, off: number): bigint => readBytes(file, off, 8).readBigUInt64BE();

/** Offsets of the first L1 entry and of the L2 entry of guest cluster `c` (under L1[0]). */
function tables(file: string, c = 0): { l1: number; l2Entry: number; entry: bigint } {
  const l1 = Number(u64(file, 40));
  const l2 = Number(u64(file, l1) & 0x00fffffffffffe00n);
  return { l1, l2Entry: l2 + c * 8, entry: u64(file, l2 + c * 8) };
}

function openError(file: string): Error {
  try {
    Qcow2Image.open(file).dispose();
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${file} opened`);
}

/** Opens the image, reads it whole (sync and async) and walks its map; returns the errors. */
async function readErrors(file: string): Promise<Error[]> {
  const img = Qcow2Image.open(file);
  const errors: Error[] = [];
  try {
    const buf = new Uint8Array(img.sizeBytes);
    try {
      img.readSectors(0 as Lba, img.sectorCount, buf, 0);
    } catch (err) {
      errors.push(err as Error);
    }
    await img.readSectorsAsync(0 as Lba, img.sectorCount, buf, 0).catch((err: Error) => errors.push(err));
  } finally {
    img.dispose();
  }
  return errors;
}

function expectOneLine(err: Error, file: string, field: string, detail: RegExp, type: typeof CorruptImageError | typeof UnsupportedImageError = CorruptImageError): void {
  expect(err).toBeInstanceOf(type);
  expect(err.message.startsWith(`${file}: ${field}`)).toBe(true);
  expect(err.message).toMatch(detail);
  expect(err.message).not.toContain('\n');
}

describe('header fields out of range are refused at open', () => {
  const cases: [string, (f: string) => void, string, RegExp, (typeof CorruptImageError | typeof UnsupportedImageError)?][] = [
    ['a file shorter than a header', (f) => fs.truncateSync(f, 40), 'header', /the file has 40 bytes, fewer than the 72/],
    ['a v3 header cut short', (f) => fs.truncateSync(f, 90), 'header', /a version 3 header needs 104 bytes, the file has 90/],
    ['a wrong magic', (f) => writeBytes(f, 0, Buffer.from('QFI\0')), 'header.magic', /is not "QFI\\xfb"/],
    ['version 4', (f) => writeBytes(f, 4, be32(4)), 'header.version = 4', /knows versions 2 and 3/, UnsupportedImageError],
    ['cluster_bits 8', (f) => writeBytes(f, 20, be32(8)), 'header.cluster_bits', /8 is outside 9\.\.21/],
    ['cluster_bits 0xffffffff', (f) => writeBytes(f, 20, be32(0xffffffff)), 'header.cluster_bits', /4294967295 is outside/],
    ['header_length 100', (f) => writeBytes(f, 100, be32(100)), 'header.header_length', /100: must be a multiple of 8/],
    ['header_length beyond the cluster', (f) => writeBytes(f, 100, be32(0x10000000)), 'header.header_length', /must be a multiple of 8 from 104 to the cluster size 65536/],
    ['size 2^63', (f) => writeBytes(f, 24, be64(1n << 63n)), 'header.size', /exceeds 2\^53 bytes/],
    ['size larger than the L1 table maps (080: L1 too small)', (f) => writeBytes(f, 24, be64(1n << 40n)), 'header.l1_size', /1 entries map 536870912 bytes, fewer than the disk's 1099511627776/],
    ['l1_size over 32 MiB of entries', (f) => writeBytes(f, 36, be32(0x7fffffff)), 'header.l1_size', /more than qemu's 32 MiB limit/],
    ['l1_table_offset unaligned (080)', (f) => writeBytes(f, 40, be64(0x12345n)), 'header.l1_table_offset', /74565: must be a cluster-aligned offset past the header/],
    ['l1_table_offset 0', (f) => writeBytes(f, 40, be64(0n)), 'header.l1_table_offset', /0: must be a cluster-aligned offset/],
    ['l1_table_offset past the end of the file', (f) => writeBytes(f, 40, be64(1n << 40n)), 'header.l1_table_offset', /ends past the end of the file/],
    ['refcount_table_offset unaligned (080)', (f) => writeBytes(f, 48, be64(0x12345n)), 'header.refcount_table_offset', /must be a cluster-aligned offset/],
    ['refcount table past the end of the file', (f) => writeBytes(f, 56, be32(0x100000)), 'header.refcount_table_offset', /ends past the end of the file/],
    ['snapshot table past the end of the file (080)', (f) => (writeBytes(f, 60, be32(1000)), writeBytes(f, 64, be64(1n << 30n))), 'header.snapshots_offset', /ends past the end of the file/],
    ['refcount_order 7', (f) => writeBytes(f, 96, be32(7)), 'header.refcount_order', /7: at most 6/],
    ['crypt_method 5', (f) => writeBytes(f, 32, be32(5)), 'header.crypt_method', /5: 0 \(none\), 1 \(AES\) or 2 \(LUKS\)/],
    ['a backing file name of 5000 bytes', (f) => (writeBytes(f, 8, be64(512n)), writeBytes(f, 16, be32(5000))), 'header.backing_file_size', /5000: at most 1023 bytes/],
    ['an unknown incompatible feature', (f) => writeBytes(f, 76, be32(1 << 20)), 'uses qcow2 features', /the reader does not implement: bit 20$/, UnsupportedImageError],
    ['the corrupt bit', (f) => writeBytes(f, 76, be32(1 << 1)), 'uses qcow2 features', /does not implement: corrupt bit$/, UnsupportedImageError],
    [
      'a header extension running past the first cluster',
      (f) => {
        const at = readBytes(f, 100, 4).readUInt32BE();
        writeBytes(f, at, Buffer.concat([be32(0x12345678), be32(0xffff0000)]));
      },
      'header extension 0x12345678 at 112',
      /4294901760 bytes run past the first cluster \(65536\)/,
    ],
  ];
  for (const [what, mutate, field, detail, type] of cases) {
    it(what, () => {
      const f = copyOf(plain);
      mutate(f);
      expectOneLine(openError(f), f, field, detail, type);
    });
  }
});

describe('bad table entries fail the read that reaches them', () => {
  const cases: [string, string, (f: string) => void, string, RegExp][] = [
    ['an L1 entry with reserved bits', 'plain', (f) => writeBytes(f, tables(f).l1, be64(u64(f, tables(f).l1) | 1n)), 'L1[0]', /has reserved bits set/],
    ['an L1 entry pointing at an unaligned L2 table', 'plain', (f) => writeBytes(f, tables(f).l1, be64(u64(f, tables(f).l1) + 512n)), 'L1[0]', /L2 table offset \d+ is not a cluster-aligned offset past the header/],
    ['an L1 entry pointing past the end of the file', 'plain', (f) => writeBytes(f, tables(f).l1, be64((1n << 63n) | (1n << 40n))), 'L1[0]', /L2 table at 1099511627776 ends past the end of the file/],
    ['an L2 entry with an unaligned data offset (060)', 'plain', (f) => writeBytes(f, tables(f).l2Entry, be64(tables(f).entry + 512n)), 'L2 entry of guest cluster 0', /data offset \d+ is not a cluster-aligned offset past the header/],
    ['an L2 entry with reserved bits', 'plain', (f) => writeBytes(f, tables(f).l2Entry, be64(tables(f).entry | (1n << 56n))), 'L2 entry of guest cluster 0', /has reserved bits set/],
    ['an L2 entry pointing past the end of the file', 'plain', (f) => writeBytes(f, tables(f).l2Entry, be64((1n << 63n) | (1n << 44n))), 'L2 entry of guest cluster 0', /data at 17592186044416 starts past the end of the file/],
    ['host offset 0 with the copied bit', 'plain', (f) => writeBytes(f, tables(f).l2Entry, be64(1n << 63n)), 'L2 entry of guest cluster 0', /only valid with an external data file/],
    ['a file cut in the middle of its data', 'plain', (f) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2)), 'L2 entry of guest cluster', /starts past the end of the file at \d+ \(truncated\?\)/],
    ['the zero flag in a version 2 image', 'v2', (f) => writeBytes(f, tables(f).l2Entry, be64(tables(f).entry | 1n)), 'L2 entry of guest cluster 0', /the zero flag is set in a version 2 image/],
    ['compressed data that does not inflate', 'compressed', (f) => writeBytes(f, Number(tables(f).entry & ((1n << 54n) - 1n)), Buffer.alloc(64, 0xff)), 'compressed guest cluster 0', /does not inflate to one cluster/],
    ['compressed data past the end of the file', 'compressed', (f) => writeBytes(f, tables(f).l2Entry, be64((1n << 62n) | (1n << 45n))), 'L2 entry of guest cluster 0', /compressed data at 35184372088832 lies outside the file's data/],
    ['a compressed entry with the copied bit', 'compressed', (f) => writeBytes(f, tables(f).l2Entry, be64(tables(f).entry | (1n << 63n))), 'L2 entry of guest cluster 0', /a compressed cluster has the "copied" bit set/],
  ];
  const sources = (): Record<string, string> => ({ plain, compressed, v2 });
  for (const [what, source, mutate, field, detail] of cases) {
    it(what, async () => {
      const f = copyOf(sources()[source]!);
      mutate(f);
      const errors = await readErrors(f);
      expect(errors).toHaveLength(2); // the sync read and the thread-pool read
      for (const e of errors) expectOneLine(e, f, field, detail);
    });
  }

  it('a table entry error also stops the allocation map (a converter finds it before copying)', () => {
    const f = copyOf(plain);
    writeBytes(f, tables(f).l2Entry, be64(tables(f).entry + 512n));
    const img = Qcow2Image.open(f);
    try {
      expect(() => img.allocationRun(0 as Lba, 128)).toThrow(CorruptImageError);
    } finally {
      img.dispose();
    }
  });
});
