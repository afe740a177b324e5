// A physical disk read as a BlockBackend: a block device (/dev/sdX) or a raw image. fstat says
// 0 bytes for a block device, so its size comes from sysfs (/sys/class/block/X/size, in
// 512-byte sectors) or, failing that, from seeking to its end with `blockdev --getsize64`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lba } from '../../common';
import { SECTOR_SIZE, type BlockBackend, PositionalFile } from '../../storage';
import { ConverterError } from '../errors';
import { openForReading } from './open-readable';

function blockDeviceBytes(dev: string): number {
  const real = fs.realpathSync(dev);
  const sys = `/sys/class/block/${path.basename(real)}/size`;
  try {
    const sectors = Number(fs.readFileSync(sys, 'utf8').trim());
    if (Number.isSafeInteger(sectors) && sectors > 0) return sectors * 512;
  } catch {
    /* not in sysfs: ask blockdev */
  }
  const r = spawnSync('blockdev', ['--getsize64', real], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  if (r.status !== 0 || !Number.isSafeInteger(n)) throw new ConverterError(`${dev}: cannot read the size of the block device (${r.stderr?.trim() || 'blockdev failed'})`);
  return n;
}

export class DeviceSource implements BlockBackend {
  readonly readOnly = true;
  readonly sectorCount: number;
  readonly sizeBytes: number;
  readonly isBlockDevice: boolean;

  private constructor(
    private readonly file: PositionalFile,
    bytes: number,
    isBlockDevice: boolean,
  ) {
    this.sectorCount = Math.floor(bytes / SECTOR_SIZE);
    this.sizeBytes = this.sectorCount * SECTOR_SIZE;
    this.isBlockDevice = isBlockDevice;
  }

  static open(p: string): DeviceSource {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (err) {
      throw new ConverterError(`${p}: cannot open the source: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'converter.io');
    }
    const isBlock = st.isBlockDevice();
    if (!isBlock && !st.isFile()) throw new ConverterError(`${p}: neither a disk image file nor a block device`, 'converter.unsupported');
    const bytes = isBlock ? blockDeviceBytes(p) : st.size;
    if (bytes < SECTOR_SIZE) throw new ConverterError(`${p}: ${bytes} bytes is too small to be a disk`, 'converter.unsupported');
    fs.closeSync(openForReading(p));
    return new DeviceSource(PositionalFile.open(p, false), bytes, isBlock);
  }

  readSectors(lba: Lba, count: number, buf: Uint8Array, offset = 0): void {
    this.file.readPadded(buf, offset, count * SECTOR_SIZE, lba * SECTOR_SIZE);
  }

  writeSectors(): void {
    throw new ConverterError(`${this.file.path}: the conversion source is read-only`);
  }

  flush(): void {}

  discard(): void {
    throw new ConverterError(`${this.file.path}: the conversion source is read-only`);
  }

  allocationRun(lba: Lba, maxSectors: number): { allocated: boolean; sectors: number } {
    return { allocated: true, sectors: Math.max(1, Math.min(maxSectors, this.sectorCount - lba)) };
  }

  dispose(): void {
    this.file.close();
  }
}
