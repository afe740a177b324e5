// Hostile and damaged inputs (the classic cases of qemu-iotests 059 and more): every one must
// end in one clear line naming the file and the field — never a crash, hang or wild read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lba } from '../../core/common';
import { checkVmdk, convertImage, createSnapshot, createVmdk, StorageError, VmdkDisk } from '../../core/storage';
import { makeRawImage, pattern, qemuImg, tempDir } from './helpers';

let dir: string;
let n = 0;
let streamSrc: string;
beforeAll(async () => {
  dir = tempDir('corrupt');
  const raw = makeRawImage(path.join(dir, 'src.raw'), 8 << 20, 2);
  streamSrc = path.join(dir, 'stream.vmdk');
  await convertImage(raw.file, streamSrc, { format: 'vmdk', subformat: 'streamOptimized' });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A fresh 8 MiB monolithicSparse disk with some data. */
function sparse(): string {
  const f = path.join(dir, `s${n++}.vmdk`);
  createVmdk(f, { sizeBytes: 8 << 20 });
  const d = VmdkDisk.open(f);
  d.writeSectors(0 as Lba, 256, pattern(256 * 512, 1), 0);
  d.writeSectors(8000 as Lba, 16, pattern(16 * 512, 2), 0);
  d.dispose();
  return f;
}

function copyOf(file: string): string {
  const f = path.join(dir, `c${n++}.vmdk`);
  fs.copyFileSync(file, f);
  return f;
}

function patch(file: string, offset: number, bytes: number[] | Uint8Array): void {
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Uint8Array.from(bytes), 0, bytes.length, offset);
  fs.closeSync(fd);
}
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const u64 = (v: number) => [...u32(v % 2 ** 32), ...u32(Math.floor(v / 2 ** 32))];

/** Opens and reads the whole disk; returns the error message, which must be one line. */
function failure(file: string): string {
  let message = '';
  try {
    const d = VmdkDisk.open(file, { readOnly: true });
    try {
      const buf = new Uint8Array(d.sizeBytes);
      d.readSectors(0 as Lba, d.sectorCount, buf, 0);
    } finally {
      d.dispose();
    }
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    message = (err as Error).message;
  }
  expect(message).not.toBe('');
  expect(message).not.toContain('\n');
  expect(message.startsWith(file)).toBe(true);
  return message;
}

function descriptorFile(text: string): string {
  const f = path.join(dir, `d${n++}.vmdk`);
  fs.writeFileSync(path.join(dir, 'flat.bin'), new Uint8Array(1 << 20));
  fs.writeFileSync(f, text);
  return f;
}
const goodDescriptor = (extent = 'RW 2048 FLAT "flat.bin" 0', extra = '') =>
  `# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType="monolithicFlat"\n${extra}\n${extent}\n\nddb.adapterType = "ide"\n`;

describe('hostile sparse headers', () => {
  it('truncated file: grain tables or grains past the end', async () => {
    const f = sparse();
    fs.truncateSync(f, 40 * 512);
    expect(failure(f)).toMatch(/(grainDirectory|grain table|gdOffset|rgdOffset).*(past the end|outside the file|truncated)/);
    const g = sparse();
    fs.truncateSync(g, fs.statSync(g).size - 4096);
    expect(failure(g)).toMatch(/grain table \d+ entry \d+: grain at sector \d+ lies past the end/);
  });

  it('truncated header', async () => {
    const f = path.join(dir, 'short.vmdk');
    fs.writeFileSync(f, Buffer.from('KDMV\x01\0\0\0'));
    expect(failure(f)).toMatch(/header: needs bytes 0\.\.512 but the file ends at 8/);
  });

  it.each([
    [0, /header\.grainSize: 0 sectors is not a power of two/],
    [3, /header\.grainSize: 3 sectors/],
    [2 ** 22, /header\.grainSize: 4194304 sectors/],
    [2 ** 40, /header\.grainSize/],
  ])('absurd grain size %d', (gs, re) => {
    const f = copyOf(sparse());
    patch(f, 20, u64(gs));
    expect(failure(f)).toMatch(re);
  });

  it('oversized tables: numGTEsPerGT and a capacity that needs a huge directory', async () => {
    const f = copyOf(sparse());
    patch(f, 44, u32(0x10000));
    expect(failure(f)).toMatch(/header\.numGTEsPerGT: 65536 is not a power of two up to 512/);
    const g = copyOf(sparse());
    patch(g, 12, u64(2 ** 50));
    expect(failure(g)).toMatch(/header\.capacity: .* grain tables, more than/);
    const h = copyOf(sparse());
    patch(h, 12, u64(2 ** 62));
    expect(failure(h)).toMatch(/header\.capacity/);
  });

  it('directory and table entries that point outside the file or into its header', async () => {
    const f = sparse();
    const header = fs.readFileSync(f).subarray(0, 512);
    const gdOffset = header.readUInt32LE(56);
    const rgdOffset = header.readUInt32LE(48);
    const a = copyOf(f);
    patch(a, gdOffset * 512, u32(0x7fffffff));
    expect(failure(a)).toMatch(/grainDirectory\[0\]: grain table at sector 2147483647 lies past the end/);
    const b = copyOf(f);
    const gt0 = fs.readFileSync(f).readUInt32LE(gdOffset * 512);
    patch(b, gt0 * 512, u32(1)); // GTE 1 without the zeroed-grain flag points into the header
    expect(failure(b)).toMatch(/grain table 0 entry 0: sector 1 points into the file's metadata/);
    const d = copyOf(f);
    patch(d, gdOffset * 512, u32(1)); // a grain table on top of the descriptor
    expect(failure(d)).toMatch(/grainDirectory\[0\]: grain table at sector 1 overlaps the header or descriptor/);
    const c = copyOf(f);
    patch(c, 56, u64(2 ** 60));
    expect(failure(c)).toMatch(/header\.gdOffset/);
    expect(rgdOffset).toBeGreaterThan(0);
  });

  it('bad magic, version, newline check bytes and compression algorithm', async () => {
    const f = sparse();
    const a = copyOf(f);
    patch(a, 0, [0x4b, 0x44, 0x4d, 0x57]);
    expect(failure(a)).toMatch(/magic: not a VMDK file/);
    const b = copyOf(f);
    patch(b, 4, u32(99));
    expect(failure(b)).toMatch(/header\.version: 99 is not 1, 2 or 3/);
    const c = copyOf(f);
    patch(c, 75, [0x0a]); // "\r\n" became "\n\n": a text-mode transfer
    expect(failure(c)).toMatch(/header\.newlineCheck: .*text-mode copy/);
    const d = copyOf(f);
    patch(d, 77, [7, 0]);
    expect(failure(d)).toMatch(/header\.compressAlgorithm: 7/);
  });

  it('random damage to the header never crashes', async () => {
    const f = sparse();
    const good = fs.readFileSync(f);
    let rejected = 0;
    for (let i = 0; i < 200; i++) {
      const bad = Buffer.from(good);
      const r = pattern(8, i + 1);
      for (let k = 0; k < 4; k++) bad[(r[k]! * 7 + r[k + 4]!) % 80] = r[(k + 3) % 8]!;
      const g = path.join(dir, 'fuzz.vmdk');
      fs.writeFileSync(g, bad);
      try {
        const d = VmdkDisk.open(g, { readOnly: true });
        const buf = new Uint8Array(Math.min(d.sizeBytes, 16 << 20));
        d.readSectors(0 as Lba, buf.length / 512, buf, 0);
        d.dispose();
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        expect((err as Error).message).not.toContain('\n');
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });
});

describe('check tells harmless leftovers from damage', () => {
  it('a redundant grain table one entry behind is a warning; qemu-img and reads are fine', () => {
    const f = sparse();
    const buf = fs.readFileSync(f);
    const rgdOffset = buf.readUInt32LE(48);
    const rgt0 = buf.readUInt32LE(rgdOffset * 512);
    patch(f, rgt0 * 512, u32(0)); // as if killed between the two table writes
    const r = checkVmdk(f);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([`${f}: redundant grain table 0 differs at entry 0 (an interrupted write; the primary table is used)`]);
    expect(qemuImg('check', f)).toContain('No errors');
  });

  it('two table entries pointing at the same grain is an error', () => {
    const f = sparse();
    const buf = fs.readFileSync(f);
    const gt0 = buf.readUInt32LE(buf.readUInt32LE(56) * 512);
    const first = buf.readUInt32LE(gt0 * 512);
    patch(f, gt0 * 512 + 4, u32(first)); // grain 1 -> grain 0's data
    expect(checkVmdk(f).errors.join('\n')).toMatch(/grains at sectors \d+ and \d+ overlap/);
  });
});

describe('bad streamOptimized markers', () => {
  function firstGrainMarker(file: string): number {
    const buf = fs.readFileSync(file);
    const overhead = buf.readUInt32LE(64);
    return overhead * 512;
  }

  it('grain marker LBA that disagrees with the table', async () => {
    const f = copyOf(streamSrc);
    patch(f, firstGrainMarker(f), u64(999));
    expect(failure(f)).toMatch(/grain 0 marker: says LBA 999, the grain table says 0/);
  });

  it('grain marker with an absurd size', async () => {
    const f = copyOf(streamSrc);
    patch(f, firstGrainMarker(f) + 8, u32(0x7fffffff));
    expect(failure(f)).toMatch(/grain 0 marker\.size: 2147483647 bytes is not a compressed grain/);
  });

  it('damaged deflate data', async () => {
    const f = copyOf(streamSrc);
    patch(f, firstGrainMarker(f) + 12, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(failure(f)).toMatch(/grain 0 data: deflate stream is damaged/);
  });

  it('missing or wrong footer and end-of-stream markers', async () => {
    const f = copyOf(streamSrc);
    const size = fs.statSync(f).size;
    patch(f, size - 1536 + 12, u32(1));
    expect(failure(f)).toMatch(/footer marker: type 1 is not a footer marker/);
    const g = copyOf(streamSrc);
    fs.truncateSync(g, size - 512);
    expect(failure(g)).toMatch(/(footer|end-of-stream)/);
  });

  it('check finds damage that open does not', async () => {
    const f = copyOf(streamSrc);
    patch(f, firstGrainMarker(f) + 12, [0xff, 0xff, 0xff, 0xff]);
    const r = checkVmdk(f);
    expect(r.errors.join(' ')).toMatch(/deflate stream is damaged/);
  });
});

describe('descriptor nonsense', () => {
  it.each([
    ['unknown createType', goodDescriptor().replace('monolithicFlat', 'monolithicBananas'), /descriptor createType: unknown type "monolithicBananas"/],
    ['extent line gibberish', goodDescriptor('RW lots FLAT "flat.bin" 0'), /descriptor line \d+ \(extent\): size "lots" is not a sector count/],
    ['zero-sized extent (qemu-iotests 059)', goodDescriptor('RW 0 FLAT "flat.bin" 0'), /descriptor line \d+ \(extent\): extent of 0 sectors/],
    ['negative extent size', goodDescriptor('RW -5 FLAT "flat.bin" 0'), /descriptor line \d+ \(extent\)/],
    ['missing quotes', goodDescriptor('RW 2048 FLAT flat.bin 0'), /descriptor line \d+ \(extent\): cannot parse/],
    ['unknown extent type', goodDescriptor('RW 2048 WOBBLY "flat.bin"'), /unknown extent type "WOBBLY"/],
    ['sparse extent in a flat disk', goodDescriptor('RW 2048 SPARSE "flat.bin"'), /type SPARSE does not belong in a monolithicFlat disk/],
    ['no extents', goodDescriptor(''), /descriptor extents: no extent lines/],
    ['CID not hex', goodDescriptor().replace('CID=12345678', 'CID=xyz'), /descriptor CID: "xyz" is not a 32-bit hex number/],
    ['version 7', goodDescriptor().replace('version=1', 'version=7'), /descriptor version: "7" is not 1, 2 or 3/],
    ['parent without a hint', goodDescriptor().replace('parentCID=ffffffff', 'parentCID=00000001'), /parentFileNameHint: missing/],
    ['missing extent file', goodDescriptor('RW 2048 FLAT "nothere.bin" 0'), /descriptor extent 1: extent file nothere\.bin is missing/],
    ['garbage line', goodDescriptor('RW 2048 FLAT "flat.bin" 0', 'this is not a key value pair'), /descriptor line 6: expected key = value/],
    ['extent naming itself', '', /names the descriptor itself/],
  ])('%s', (_name, text, re) => {
    let f: string;
    if (text === '') {
      f = path.join(dir, `self${n++}.vmdk`);
      fs.writeFileSync(f, goodDescriptor(`RW 2048 FLAT "${path.basename(f)}" 0`));
    } else f = descriptorFile(text);
    expect(failure(f)).toMatch(re);
  });

  it('a descriptor of 2 MiB is refused without reading it all', async () => {
    const f = descriptorFile(goodDescriptor() + '#'.repeat(2 << 20));
    expect(failure(f)).toMatch(/descriptor: is \d+ bytes, more than 1048576/);
  });

  it('embedded descriptor whose extent size disagrees with the header', async () => {
    const f = copyOf(sparse());
    const text = fs.readFileSync(f).subarray(512, 512 * 21).toString('latin1');
    const changed = text.replace(/RW (\d+) SPARSE/, 'RW 9999 SPARSE');
    patch(f, 512, Buffer.from(changed, 'latin1'));
    expect(failure(f)).toMatch(/embedded descriptor extent: says 9999 sectors, header\.capacity says 16384/);
  });

  it('a parent chain that loops ends with an error, not a hang', async () => {
    const base = path.join(dir, 'loopbase.vmdk');
    createVmdk(base, { sizeBytes: 1 << 20 });
    const delta = createSnapshot(base);
    // Make the delta its own parent, with a matching CID so only the depth limit stops it.
    const d = VmdkDisk.open(delta, { readOnly: true, noParent: true });
    const cid = d.descriptor.cid;
    d.dispose();
    const text = fs.readFileSync(delta).subarray(512, 512 * 21).toString('latin1');
    const looped = text
      .replace(/parentCID=[0-9a-f]{8}/, `parentCID=${cid.toString(16).padStart(8, '0')}`)
      .replace(/parentFileNameHint="[^"]*"/, `parentFileNameHint="${path.basename(delta)}"`);
    patch(delta, 512, Buffer.from(looped.padEnd(text.length, '\0'), 'latin1'));
    expect(failure(delta)).toMatch(/parent chain deeper than 64 disks/);
  });

  it('a qemu-made file with a damaged embedded descriptor', async () => {
    const f = path.join(dir, `q${n++}.vmdk`);
    qemuImg('create', '-f', 'vmdk', f, '4M');
    const buf = fs.readFileSync(f);
    const at = buf.indexOf('createType');
    patch(f, at, Buffer.from('createTypo'));
    expect(failure(f)).toMatch(/descriptor createType: missing/);
  });
});

describe('damaged vmfsSparse (COWD) deltas', () => {
  function cowd(): { desc: string; data: string } {
    const base = path.join(dir, `cb${n++}.vmdk`);
    createVmdk(base, { sizeBytes: 4 << 20, subformat: 'vmfs' });
    const desc = createSnapshot(base);
    return { desc, data: desc.replace(/\.vmdk$/, '-delta.vmdk') };
  }

  it('grain size and directory size', async () => {
    const a = cowd();
    patch(a.data, 16, u32(3));
    expect(() => VmdkDisk.open(a.desc, { readOnly: true })).toThrow(/-delta\.vmdk: header\.grainSize: 3 sectors is not a power of two/);
    const b = cowd();
    patch(b.data, 24, u32(0));
    expect(() => VmdkDisk.open(b.desc, { readOnly: true })).toThrow(/header\.numGDEntries: 0 does not cover 8192 sectors/);
    const c = cowd();
    patch(c.data, 20, u32(0xffffff));
    expect(() => VmdkDisk.open(c.desc, { readOnly: true })).toThrow(/header\.gdOffset: .*outside the file/);
  });
});
