// Snapshot chains: deltas made by qemu-img (-b base.vmdk -F vmdk) and by us, read both ways;
// CID checks; consolidate; revert.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lba } from '../../core/common';
import { consolidate, convertImage, createSnapshot, createVmdk, revert, VmdkDisk } from '../../core/storage';
import { pattern, qemuCheckClean, qemuCompare, qemuImg, qemuIo, tempDir } from './helpers';

const SIZE = 16 << 20;
let dir: string;
beforeAll(() => {
  dir = tempDir('chain');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function readAll(file: string): Uint8Array {
  const d = VmdkDisk.open(file, { readOnly: true });
  const out = new Uint8Array(d.sizeBytes);
  d.readSectors(0 as Lba, d.sectorCount, out, 0);
  d.dispose();
  return out;
}

function write(file: string, offset: number, data: Uint8Array): void {
  const d = VmdkDisk.open(file);
  d.writeSectors((offset / 512) as Lba, data.length / 512, data, 0);
  d.dispose();
}

function saveRaw(name: string, img: Uint8Array): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, img);
  return p;
}

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

describe('snapshot chains', () => {
  it('qemu base + qemu delta: we read the chain byte for byte', () => {
    const base = path.join(dir, 'qb.vmdk');
    qemuImg('create', '-f', 'vmdk', base, '16M');
    qemuIo(base, 'write -P 0x11 0 1M', 'write -P 0x22 5M 100k');
    const delta = path.join(dir, 'qd.vmdk');
    qemuImg('create', '-f', 'vmdk', '-b', 'qb.vmdk', '-F', 'vmdk', delta);
    qemuIo(delta, 'write -P 0x33 512k 1k', 'write -P 0x44 5M 4k', 'write -P 0x55 15M 64k');
    const want = new Uint8Array(SIZE);
    want.fill(0x11, 0, 1 << 20);
    want.fill(0x22, 5 << 20, (5 << 20) + 100 * 1024);
    want.fill(0x33, 512 * 1024, 513 * 1024);
    want.fill(0x44, 5 << 20, (5 << 20) + 4096);
    want.fill(0x55, 15 << 20, (15 << 20) + 65536);
    expect(equal(readAll(delta), want)).toBe(true);
    expect(equal(readAll(base).subarray(512 * 1024, 513 * 1024), new Uint8Array(1024).fill(0x11))).toBe(true);
  });

  it('our base + qemu delta written by qemu: we read it; qemu delta over our delta too', () => {
    const base = path.join(dir, 'ob.vmdk');
    createVmdk(base, { sizeBytes: SIZE });
    const a = pattern(3 << 20, 5);
    write(base, 1 << 20, a);
    const mid = createSnapshot(base);
    const b = pattern(8192, 6);
    write(mid, (2 << 20) + 512, b);
    const top = path.join(dir, 'top.vmdk');
    qemuImg('create', '-f', 'vmdk', '-b', path.basename(mid), '-F', 'vmdk', top);
    qemuIo(top, 'write -P 0x77 3M 4k');
    const want = new Uint8Array(SIZE);
    want.set(a, 1 << 20);
    want.set(b, (2 << 20) + 512);
    want.fill(0x77, 3 << 20, (3 << 20) + 4096);
    expect(equal(readAll(top), want)).toBe(true);
    expect(qemuCompare(saveRaw('top.raw', want), 'raw', top, 'vmdk').out).toContain('identical');
  });

  it('our delta over a qemu base: qemu reads it identically, partial grains keep the parent data', () => {
    const base = path.join(dir, 'qb2.vmdk');
    qemuImg('create', '-f', 'vmdk', base, '16M');
    qemuIo(base, 'write -P 0xaa 0 16M');
    const delta = createSnapshot(base);
    const small = pattern(1536, 9);
    write(delta, 64 * 1024 + 512, small); // inside one grain: the rest must come from the parent
    const want = new Uint8Array(SIZE).fill(0xaa);
    want.set(small, 64 * 1024 + 512);
    expect(qemuCheckClean(delta).status).toBe(0);
    expect(qemuCompare(saveRaw('d2.raw', want), 'raw', delta, 'vmdk').out).toContain('identical');
    expect(equal(readAll(delta), want)).toBe(true);
  });

  it('converting a delta flattens the chain into one disk', async () => {
    const base = path.join(dir, 'flat-base.vmdk');
    createVmdk(base, { sizeBytes: SIZE });
    write(base, 0, new Uint8Array(1 << 20).fill(0x10));
    const delta = createSnapshot(base);
    write(delta, 512 * 1024, new Uint8Array(4096).fill(0x20));
    const want = readAll(delta);
    const out = path.join(dir, 'flattened.vmdk');
    await convertImage(delta, out, { format: 'vmdk' });
    const d = VmdkDisk.open(out, { readOnly: true });
    expect(d.parent).toBeUndefined();
    d.dispose();
    expect(equal(readAll(out), want)).toBe(true);
    expect(qemuCheckClean(out).status).toBe(0);
  });

  it('writing the parent after a snapshot breaks the chain with a clear CID error', () => {
    const base = path.join(dir, 'cb.vmdk');
    createVmdk(base, { sizeBytes: SIZE });
    const delta = createSnapshot(base);
    write(base, 0, new Uint8Array(512).fill(1));
    expect(() => VmdkDisk.open(delta, { readOnly: true })).toThrow(/parentCID [0-9a-f]{8} does not match CID [0-9a-f]{8} of parent cb\.vmdk/);
  });

  it('three-level chain: consolidate the top into its parent', () => {
    const base = path.join(dir, 'three.vmdk');
    createVmdk(base, { sizeBytes: SIZE });
    const want = new Uint8Array(SIZE);
    const a = pattern(1 << 20, 1);
    write(base, 0, a);
    want.set(a, 0);
    const d1 = createSnapshot(base);
    const b = pattern(4096, 2);
    write(d1, 512 * 1024, b);
    want.set(b, 512 * 1024);
    const d2 = createSnapshot(d1);
    expect(path.basename(d2)).toBe('three-000002.vmdk');
    const c = pattern(70_000 - (70_000 % 512), 3);
    write(d2, 8 << 20, c);
    want.set(c, 8 << 20);
    const dz = VmdkDisk.open(d2);
    dz.discard(0 as Lba, 128); // a whole grain reads as zeros afterwards, over a parent with data
    dz.dispose();
    want.fill(0, 0, 65536);
    expect(qemuCompare(saveRaw('three.raw', want), 'raw', d2, 'vmdk').out).toContain('identical');
    const parent = consolidate(d2);
    expect(parent).toBe(path.resolve(d1));
    expect(fs.existsSync(d2)).toBe(false);
    expect(qemuCheckClean(d1).status).toBe(0);
    expect(equal(readAll(d1), want)).toBe(true);
    expect(qemuCompare(path.join(dir, 'three.raw'), 'raw', d1, 'vmdk').out).toContain('identical');
    // d1 still sits on an untouched base.
    expect(equal(readAll(base).subarray(0, 1 << 20), a)).toBe(true);
  });

  it('consolidate a vmfsSparse delta into its vmfs base', () => {
    const base = path.join(dir, 'vm.vmdk');
    createVmdk(base, { sizeBytes: SIZE, subformat: 'vmfs' });
    const delta = createSnapshot(base);
    const a = pattern(200 * 512, 8);
    write(delta, 3 * 512, a);
    consolidate(delta);
    const want = new Uint8Array(SIZE);
    want.set(a, 3 * 512);
    expect(equal(readAll(base), want)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'vm-000001-delta.vmdk'))).toBe(false);
  });

  for (const subformat of ['monolithicSparse', 'vmfsSparse'] as const) {
    it(`revert a ${subformat} delta: changes gone, delta stays usable; --delete drops it`, () => {
      const base = path.join(dir, `rv-${subformat}.vmdk`);
      createVmdk(base, { sizeBytes: SIZE, subformat: subformat === 'vmfsSparse' ? 'vmfs' : 'monolithicSparse' });
      const a = pattern(4096, 4);
      write(base, 0, a);
      const delta = createSnapshot(base, { subformat });
      write(delta, 0, new Uint8Array(8192).fill(9));
      expect(revert(delta)).toBe(delta);
      const after = readAll(delta);
      expect(equal(after.subarray(0, 4096), a)).toBe(true);
      expect(after[4096]).toBe(0);
      expect(qemuCheckClean(delta).status).toBe(0);
      write(delta, 0, new Uint8Array(512).fill(3));
      expect(readAll(delta)[0]).toBe(3);
      expect(revert(delta, true)).toBe(path.resolve(base));
      expect(fs.existsSync(delta)).toBe(false);
      expect(fs.readdirSync(dir).filter((f) => f.startsWith(`rv-${subformat}-0`))).toEqual([]);
    });
  }
});
