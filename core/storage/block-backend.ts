// The contract between a disk controller model and the image behind it. Synchronous
// positional I/O, so a VM's worker thread can call it straight from a device register write.
import type { Disposable, Lba } from '../common';

export const SECTOR_SIZE = 512;

export interface BlockBackend extends Disposable {
  /** Size of the virtual disk in 512-byte sectors. */
  readonly sectorCount: number;
  /** Size of the virtual disk in bytes (sectorCount * 512). */
  readonly sizeBytes: number;
  readonly readOnly: boolean;
  /** Reads `count` sectors at `lba` into buf[offset ...]. */
  readSectors(lba: Lba, count: number, buf: Uint8Array, offset?: number): void;
  /** Writes `count` sectors from buf[offset ...] at `lba`. */
  writeSectors(lba: Lba, count: number, buf: Uint8Array, offset?: number): void;
  /** Makes every completed write durable (fdatasync of every file written). */
  flush(): void;
  /** The guest no longer needs these sectors; afterwards they read as zeros. */
  discard(lba: Lba, count: number): void;
  /**
   * How the disk stores sectors from `lba` on: returns the length of the run (≥ 1 sector,
   * ≤ maxSectors) that is uniformly allocated (`true`: may hold data) or not (reads zero).
   * Lets a converter skip holes without reading them.
   */
  allocationRun(lba: Lba, maxSectors: number): { allocated: boolean; sectors: number };
}

/** Range check shared by every backend: throws a one-line error naming the disk. */
export function checkRange(name: string, sectorCount: number, lba: number, count: number, buf?: Uint8Array, offset = 0): void {
  if (!Number.isInteger(lba) || !Number.isInteger(count) || lba < 0 || count < 0 || lba + count > sectorCount) {
    throw new RangeError(`${name}: sectors ${lba}+${count} are outside the disk (0..${sectorCount})`);
  }
  if (buf && (offset < 0 || offset + count * SECTOR_SIZE > buf.length)) {
    throw new RangeError(`${name}: buffer of ${buf.length} bytes too small for ${count} sectors at offset ${offset}`);
  }
}
