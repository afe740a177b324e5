// A raw image file as a BlockBackend: sector n lives at byte n*512.
import type { Lba } from '../common';
import { type BlockBackend, SECTOR_SIZE, checkRange } from './block-backend';
import { StorageError } from './errors';
import { PositionalFile } from './file-io';

export class RawBackend implements BlockBackend {
  readonly sectorCount: number;
  readonly sizeBytes: number;
  private zeros: Uint8Array | undefined;

  private constructor(
    private readonly file: PositionalFile,
    readonly readOnly: boolean,
  ) {
    const size = file.size();
    this.sectorCount = Math.floor(size / SECTOR_SIZE);
    this.sizeBytes = this.sectorCount * SECTOR_SIZE;
  }

  static open(path: string, options: { readOnly?: boolean } = {}): RawBackend {
    const readOnly = options.readOnly ?? false;
    return new RawBackend(PositionalFile.open(path, !readOnly), readOnly);
  }

  /** Creates a raw image of `sizeBytes` (a hole on the host until written). */
  static create(path: string, sizeBytes: number, overwrite = false): RawBackend {
    const f = PositionalFile.create(path, overwrite);
    f.truncate(sizeBytes);
    return new RawBackend(f, false);
  }

  get path(): string {
    return this.file.path;
  }

  readSectors(lba: Lba, count: number, buf: Uint8Array, offset = 0): void {
    checkRange(this.file.path, this.sectorCount, lba, count, buf, offset);
    this.file.readPadded(buf, offset, count * SECTOR_SIZE, lba * SECTOR_SIZE);
  }

  writeSectors(lba: Lba, count: number, buf: Uint8Array, offset = 0): void {
    if (this.readOnly) throw new StorageError(`${this.file.path}: opened read-only`, 'storage.readonly');
    checkRange(this.file.path, this.sectorCount, lba, count, buf, offset);
    this.file.write(buf, offset, count * SECTOR_SIZE, lba * SECTOR_SIZE);
  }

  flush(): void {
    if (!this.readOnly) this.file.sync();
  }

  discard(lba: Lba, count: number): void {
    checkRange(this.file.path, this.sectorCount, lba, count);
    const chunk = 2048;
    this.zeros ??= new Uint8Array(chunk * SECTOR_SIZE);
    for (let done = 0; done < count; done += chunk) {
      const n = Math.min(chunk, count - done);
      this.writeSectors((lba + done) as Lba, n, this.zeros, 0);
    }
  }

  allocationRun(lba: Lba, maxSectors: number): { allocated: boolean; sectors: number } {
    return { allocated: true, sectors: Math.max(1, Math.min(maxSectors, this.sectorCount - lba)) };
  }

  dispose(): void {
    this.file.close();
  }
}
