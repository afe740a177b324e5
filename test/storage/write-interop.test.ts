// Every subformat we write, checked by qemu-img: check clean, compare identical with the raw
// source, info shows the create type, holes stay unallocated.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lba } from '../../core/common';
import { convertImage, createSnapshot, createVmdk, RawBackend, VmdkDisk } from '../../core/storage';
import {
  type RawImage,
  dataGrains,
  makeRawImage,
  mappedDataBytes,
  qemuCheckClean,
  qemuCompare,
  qemuInfo,
  qemuMap,
  tempDir,
} from './helpers';

const SIZE = 48 << 20;
let dir: string;
let src: RawImage;

beforeAll(async () => {
  dir = tempDir('write');
  src = makeRawImage(path.join(dir, 'src.raw'), SIZE, 7);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes the raw source through a BlockBackend in odd-sized, unaligned pieces. */
function copyThroughBackend(dst: VmdkDisk): void {
  const raw = RawBackend.open(src.file, { readOnly: true });
  const buf = new Uint8Array(1 << 20);
  for (const [off, len] of src.islands) {
    let lba = Math.floor(off / 512);
    const end = Math.ceil((off + len) / 512);
    while (lba < end) {
      const n = Math.min(37, end - lba);
      raw.readSectors(lba as Lba, n, buf, 0);
      dst.writeSectors(lba as Lba, n, buf, 0);
      lba += n;
    }
  }
  raw.dispose();
}

const SPARSE = ['monolithicSparse', 'twoGbMaxExtentSparse', 'streamOptimized'];
const cases = ['monolithicSparse', 'twoGbMaxExtentSparse', 'monolithicFlat', 'twoGbMaxExtentFlat', 'vmfs', 'streamOptimized'] as const;

describe('disks we write pass qemu-img', () => {
  for (const subformat of cases) {
    it(`${subformat}: converted from raw`, async () => {
      const out = path.join(dir, `conv-${subformat}.vmdk`);
      await convertImage(src.file, out, { format: 'vmdk', subformat });
      const check = qemuCheckClean(out);
      expect(check.out).toContain('No errors were found');
      expect(check.status).toBe(0);
      expect(qemuCompare(src.file, 'raw', out, 'vmdk').out).toContain('Images are identical');
      expect(qemuInfo(out)['format-specific']?.data?.['create-type']).toBe(subformat);
      if (SPARSE.includes(subformat)) {
        // Only the grains that hold data are allocated; every hole is still a hole.
        const data = mappedDataBytes(qemuMap(out));
        expect(data).toBeGreaterThan(0);
        expect(data).toBeLessThanOrEqual(dataGrains(src) * 65536);
      } else {
        // Thin flat files stay sparse on the host.
        const blocks = fs.readdirSync(dir).filter((f) => f.startsWith(`conv-${subformat}-`)).reduce((s, f) => s + fs.statSync(path.join(dir, f)).blocks * 512, 0);
        expect(blocks).toBeLessThan(4 << 20);
      }
    });

    if (subformat !== 'streamOptimized') {
      it(`${subformat}: written through BlockBackend in unaligned pieces`, async () => {
        const out = path.join(dir, `bb-${subformat}.vmdk`);
        createVmdk(out, { sizeBytes: SIZE, subformat });
        const disk = VmdkDisk.open(out);
        copyThroughBackend(disk);
        disk.flush();
        disk.dispose();
        expect(qemuCheckClean(out).status).toBe(0);
        expect(qemuCompare(src.file, 'raw', out, 'vmdk').out).toContain('Images are identical');
        if (SPARSE.includes(subformat)) expect(mappedDataBytes(qemuMap(out))).toBeLessThanOrEqual(dataGrains(src) * 65536);
      });
    }
  }

  it('twoGbMaxExtentSparse and twoGbMaxExtentFlat split a 2.1 GiB disk into 2047 MiB extents', async () => {
    const size = 2200 * 2 ** 20;
    const big = makeRawImage(path.join(dir, 'big.raw'), size, 3);
    const raw = RawBackend.open(big.file, { readOnly: true });
    for (const subformat of ['twoGbMaxExtentSparse', 'twoGbMaxExtentFlat'] as const) {
      const out = path.join(dir, `split-${subformat}.vmdk`);
      createVmdk(out, { sizeBytes: size, subformat });
      const d = VmdkDisk.open(out);
      // Only the islands hold data; writing them (one crosses no extent, one sits in the second).
      for (const [off, len] of big.islands) {
        const lba = Math.floor(off / 512);
        const n = Math.ceil((off + len) / 512) - lba;
        const buf = new Uint8Array(n * 512);
        raw.readSectors(lba as Lba, n, buf, 0);
        d.writeSectors(lba as Lba, n, buf, 0);
      }
      d.dispose();
      const text = fs.readFileSync(out, 'utf8');
      const type = subformat.endsWith('Sparse') ? 'SPARSE' : 'FLAT';
      expect(text.match(/^RW \d+ (SPARSE|FLAT)/gm)).toEqual([`RW 4192256 ${type}`, `RW ${size / 512 - 4192256} ${type}`]);
      expect(qemuCheckClean(out).status).toBe(0);
      expect(qemuCompare(big.file, 'raw', out, 'vmdk').out).toContain('Images are identical');
    }
    raw.dispose();
    fs.rmSync(big.file);
  });

  it('raw output of a VMDK keeps holes and matches', async () => {
    const out = path.join(dir, 'back.raw');
    await convertImage(path.join(dir, 'conv-monolithicSparse.vmdk'), out, { format: 'raw' });
    expect(qemuCompare(src.file, 'raw', out, 'raw').out).toContain('Images are identical');
    expect(fs.statSync(out).blocks * 512).toBeLessThan(2 << 20);
  });

  for (const provisioning of ['thick', 'eagerzeroedthick'] as const) {
    for (const subformat of ['monolithicFlat', 'monolithicSparse'] as const) {
      it(`${provisioning} ${subformat}: space reserved up front, content identical`, async () => {
        const out = path.join(dir, `${provisioning}-${subformat}.vmdk`);
        await convertImage(src.file, out, { format: 'vmdk', subformat, provisioning });
        expect(qemuCheckClean(out).status).toBe(0);
        expect(qemuCompare(src.file, 'raw', out, 'vmdk').out).toContain('Images are identical');
        const files = fs.readdirSync(dir).filter((f) => f.startsWith(`${provisioning}-${subformat}`));
        const blocks = files.reduce((s, f) => s + fs.statSync(path.join(dir, f)).blocks * 512, 0);
        expect(blocks).toBeGreaterThanOrEqual(SIZE);
        if (subformat === 'monolithicSparse') {
          // Every grain is allocated in the tables: qemu maps the whole disk as data.
          expect(mappedDataBytes(qemuMap(out))).toBe(SIZE);
        }
        const text = fs.readFileSync(subformat === 'monolithicFlat' ? out : out, 'latin1');
        expect(text).not.toContain('ddb.thinProvisioned = "1"');
      });
    }
  }

  it('vmfsSparse delta we write over a vmfs base: qemu reads the chain identically', async () => {
    const base = path.join(dir, 'vbase.vmdk');
    createVmdk(base, { sizeBytes: SIZE, subformat: 'vmfs' });
    const delta = createSnapshot(base);
    expect(qemuInfo(delta)['format-specific']?.data?.['create-type']).toBe('vmfsSparse');
    const d = VmdkDisk.open(delta);
    copyThroughBackend(d);
    d.dispose();
    expect(qemuCheckClean(delta).status).toBe(0);
    expect(qemuCompare(src.file, 'raw', delta, 'vmdk').out).toContain('Images are identical');
    // The base was never written: all data lives in the delta.
    expect(fs.statSync(path.join(dir, 'vbase-flat.vmdk')).blocks).toBe(0);
  });
});
