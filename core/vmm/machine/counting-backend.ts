// Disk I/O accounting of one VM: a BlockBackend that passes every call through to the image
// and counts the bytes and requests the guest's controller asked for, for the host's stats.
import type { Lba } from '../../common';
import { SECTOR_SIZE, type BlockBackend } from '../../storage';

/** Cumulative since the machine was built; one set per VM, shared by all its drives. */
export interface DiskCounters {
  readBytes: number;
  writeBytes: number;
  reads: number;
  writes: number;
}

export function newDiskCounters(): DiskCounters {
  return { readBytes: 0, writeBytes: 0, reads: 0, writes: 0 };
}

export class CountingBackend implements BlockBackend {
  constructor(
    private readonly inner: BlockBackend,
    private readonly counters: DiskCounters,
  ) {}

  get sectorCount(): number {
    return this.inner.sectorCount;
  }
  get sizeBytes(): number {
    return this.inner.sizeBytes;
  }
  get readOnly(): boolean {
    return this.inner.readOnly;
  }

  readSectors(lba: Lba, count: number, buf: Uint8Array, offset?: number): void {
    this.inner.readSectors(lba, count, buf, offset);
    this.counters.reads++;
    this.counters.readBytes += count * SECTOR_SIZE;
  }

  writeSectors(lba: Lba, count: number, buf: Uint8Array, offset?: number): void {
    this.inner.writeSectors(lba, count, buf, offset);
    this.counters.writes++;
    this.counters.writeBytes += count * SECTOR_SIZE;
  }

  flush(): void {
    this.inner.flush();
  }
  discard(lba: Lba, count: number): void {
    this.inner.discard(lba, count);
  }
  allocationRun(lba: Lba, maxSectors: number): { allocated: boolean; sectors: number } {
    return this.inner.allocationRun(lba, maxSectors);
  }
  dispose(): void {
    this.inner.dispose();
  }
}
