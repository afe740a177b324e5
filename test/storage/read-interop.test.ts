// Every subformat qemu-img writes, read back by us byte for byte through BlockBackend.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lba } from '../../core/common';
import { diskInfo, openImage, VmdkDisk } from '../../core/storage';
import { type RawImage, makeRawImage, qemuImg, qemuIo, rawBytes, tempDir } from './helpers';

const SIZE = 40 << 20;
let dir: string;
let src: RawImage;
let expected: Uint8Array;

beforeAll(() => {
  dir = tempDir('read');
  src = makeRawImage(path.join(dir, 'src.raw'), SIZE, 11);
  expected = rawBytes(src);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function readAll(file: string, chunkSectors = 777): Uint8Array {
  const disk = openImage(file, { readOnly: true });
  const out = new Uint8Array(disk.sizeBytes);
  for (let lba = 0; lba < disk.sectorCount; lba += chunkSectors) {
    disk.readSectors(lba as Lba, Math.min(chunkSectors, disk.sectorCount - lba), out, lba * 512);
  }
  disk.dispose();
  return out;
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

describe('disks qemu-img writes, read back by us', () => {
  for (const subformat of ['monolithicSparse', 'twoGbMaxExtentSparse', 'monolithicFlat', 'twoGbMaxExtentFlat', 'streamOptimized']) {
    it(subformat, () => {
      const f = path.join(dir, `q-${subformat}.vmdk`);
      qemuImg('convert', '-f', 'raw', '-O', 'vmdk', '-o', `subformat=${subformat}`, src.file, f);
      expect(equal(readAll(f), expected)).toBe(true);
      expect(diskInfo(f).createType).toBe(subformat);
    });
  }

  it('qemu zeroed-grain entries (zeroed_grain=on, write -z) read as zeros', () => {
    const f = path.join(dir, 'q-zeroed.vmdk');
    qemuImg('convert', '-f', 'raw', '-O', 'vmdk', '-o', 'zeroed_grain=on', src.file, f);
    qemuIo(f, 'write -z 0 128k', `write -z ${SIZE - 256 * 1024} 256k`);
    const want = expected.slice();
    want.fill(0, 0, 128 * 1024);
    want.fill(0, SIZE - 256 * 1024);
    expect(equal(readAll(f), want)).toBe(true);
    const d = VmdkDisk.open(f, { readOnly: true });
    expect(d.allocationRun(0 as Lba, 128).allocated).toBe(false);
    d.dispose();
  });

  it('qemu adapter type and hardware version end up in our parsed DDB', () => {
    const f = path.join(dir, 'q-scsi.vmdk');
    qemuImg('create', '-f', 'vmdk', '-o', 'adapter_type=lsilogic,hwversion=6', f, '16M');
    const info = diskInfo(f);
    expect(info.ddb?.['ddb.adapterType']).toBe('lsilogic');
    expect(info.ddb?.['ddb.virtualHWVersion']).toBe('6');
    expect(info.virtualSize).toBe(16 << 20);
  });

  it('reads at every alignment agree with whole-disk reads (streamOptimized grain cache)', () => {
    const f = path.join(dir, 'q-streamOptimized.vmdk');
    expect(equal(readAll(f, 1), expected)).toBe(true);
    expect(equal(readAll(f, 4099), expected)).toBe(true);
  });
});
