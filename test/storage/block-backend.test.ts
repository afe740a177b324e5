// BlockBackend behaviour a disk controller relies on: range errors, discard, allocation runs,
// first-write CID change, grow with a relocated directory, and use from a worker thread.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lba } from '../../core/common';
import { createVmdk, growVmdk, RawBackend, VmdkDisk } from '../../core/storage';
import { mappedDataBytes, pattern, qemuCheckClean, qemuImg, qemuInfo, qemuIo, qemuMap, tempDir } from './helpers';

let dir: string;
beforeAll(() => {
  dir = tempDir('bb');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('BlockBackend', () => {
  it('rejects reads past the end and short buffers with one line naming the disk', () => {
    const f = path.join(dir, 'r.vmdk');
    createVmdk(f, { sizeBytes: 1 << 20 });
    const d = VmdkDisk.open(f);
    expect(() => d.readSectors(2047 as Lba, 2, new Uint8Array(1024), 0)).toThrow(`${f}: sectors 2047+2 are outside the disk (0..2048)`);
    expect(() => d.writeSectors(0 as Lba, 2, new Uint8Array(512), 0)).toThrow(/buffer of 512 bytes too small for 2 sectors/);
    d.dispose();
    const ro = VmdkDisk.open(f, { readOnly: true });
    expect(() => ro.writeSectors(0 as Lba, 1, new Uint8Array(512), 0)).toThrow(`${f}: opened read-only`);
    ro.dispose();
  });

  it('discard makes sectors read zero and whole grains unallocated again', () => {
    const f = path.join(dir, 'discard.vmdk');
    createVmdk(f, { sizeBytes: 4 << 20 });
    const d = VmdkDisk.open(f);
    d.writeSectors(0 as Lba, 1024, pattern(1024 * 512, 3), 0);
    expect(d.allocationRun(0 as Lba, 4096)).toEqual({ allocated: true, sectors: 1024 });
    d.discard(100 as Lba, 300); // grains 1 and 2 whole, parts of 0 and 3
    const back = new Uint8Array(1024 * 512);
    d.readSectors(0 as Lba, 1024, back, 0);
    const want = pattern(1024 * 512, 3);
    want.fill(0, 100 * 512, 400 * 512);
    expect(Buffer.compare(back, want)).toBe(0);
    expect(d.allocationRun(128 as Lba, 4096)).toEqual({ allocated: false, sectors: 256 });
    d.dispose();
    expect(qemuCheckClean(f).status).toBe(0);
    expect(mappedDataBytes(qemuMap(f))).toBe(6 * 65536);
  });

  it('the first write of a session changes the CID, later writes do not', () => {
    const f = path.join(dir, 'cid.vmdk');
    createVmdk(f, { sizeBytes: 1 << 20 });
    const cid0 = VmdkDisk.open(f, { readOnly: true }).descriptor.cid;
    const d = VmdkDisk.open(f);
    d.writeSectors(0 as Lba, 1, new Uint8Array(512), 0);
    const cid1 = d.descriptor.cid;
    d.writeSectors(1 as Lba, 1, new Uint8Array(512), 0);
    expect(d.descriptor.cid).toBe(cid1);
    d.dispose();
    expect(cid1).not.toBe(cid0);
    expect(VmdkDisk.open(f, { readOnly: true }).descriptor.cid).toBe(cid1);
    expect(JSON.parse(qemuImg('info', '--output=json', f))['format-specific'].data.cid).toBe(cid1);
  });

  it('grow past the room of the grain directory relocates it', () => {
    const f = path.join(dir, 'grow.vmdk');
    createVmdk(f, { sizeBytes: 3 << 20 });
    qemuIo(f, 'write -P 0x61 0 1M');
    growVmdk(f, 5 * 2 ** 30); // 160 grain tables: more than one directory sector holds
    expect(qemuInfo(f)['virtual-size']).toBe(5 * 2 ** 30);
    expect(qemuCheckClean(f).status).toBe(0);
    qemuIo(f, 'read -P 0x61 0 1M', 'write -P 0x62 4G 64k', 'read -P 0x62 4G 64k');
    const d = VmdkDisk.open(f, { readOnly: true });
    const b = new Uint8Array(512);
    d.readSectors(((4 * 2 ** 30) / 512) as Lba, 1, b, 0);
    expect(b[0]).toBe(0x62);
    d.dispose();
  });

  it('raw images work the same way', () => {
    const f = path.join(dir, 'disk.raw');
    const r = RawBackend.create(f, 1 << 20);
    r.writeSectors(3 as Lba, 2, pattern(1024, 1), 0);
    r.discard(4 as Lba, 1);
    const b = new Uint8Array(1536);
    r.readSectors(2 as Lba, 3, b, 0);
    r.dispose();
    const want = new Uint8Array(1536);
    want.set(pattern(512, 1), 512);
    expect(Buffer.compare(b, want)).toBe(0);
  });

  it('is usable from a worker thread (synchronous I/O inside the worker)', async () => {
    const f = path.join(dir, 'worker.vmdk');
    createVmdk(f, { sizeBytes: 2 << 20 });
    const boot = path.join(import.meta.dirname, 'fixtures', 'worker-boot.mjs');
    const w = new Worker(boot, { workerData: { entry: path.join(import.meta.dirname, 'fixtures', 'disk-worker.ts'), file: f } });
    const result = await new Promise<{ first: number; last: number }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(result).toEqual({ first: 0xee, last: 0xee });
    expect(qemuCheckClean(f).status).toBe(0);
    qemuIo(f, 'read -P 0xee 0 1M');
  });
});
