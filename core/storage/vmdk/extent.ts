// One extent of a VMDK: a range of the virtual disk stored in one file (or nowhere, for ZERO).
// The disk (vmdk-disk.ts) finds the extent for a sector and hands it sector numbers relative
// to the extent's start; holes are filled through `HoleReader` (the parent disk, or zeros).
import { PositionalFile, writeAsync } from '../file-io';
import { StorageError } from '../errors';

/** Reads `count` sectors that this extent does not hold (from the parent, or zeros). */
export type HoleReader = (extentSector: number, count: number, buf: Uint8Array, off: number) => void;

export type RunState = 'data' | 'zero' | 'hole';

export interface AllocationRun {
  state: RunState;
  sectors: number;
}

export interface Extent {
  /** Size in sectors. */
  readonly sectors: number;
  readonly writable: boolean;
  /** Files this extent keeps open (for flush and close). */
  readonly files: readonly PositionalFile[];
  read(sector: number, count: number, buf: Uint8Array, off: number, hole: HoleReader): void;
  /** `hasParent`: holes read from a parent, so partial grains must copy it. */
  write(sector: number, count: number, buf: Uint8Array, off: number, hole: HoleReader, hasParent: boolean): void;
  discard(sector: number, count: number, hole: HoleReader, hasParent: boolean): void;
  allocationRun(sector: number, maxSectors: number): AllocationRun;
  /** Writes metadata the write path defers (advisory fields); no-op for most extents. */
  syncMetadata?(): void;
  close(): void;
}

/** FLAT / VMFS extent: sectors at a fixed offset in a plain file. */
export class FlatExtent implements Extent {
  readonly files: readonly PositionalFile[];
  private zeros: Uint8Array | undefined;

  constructor(
    private readonly file: PositionalFile,
    readonly sectors: number,
    private readonly offsetSectors: number,
    readonly writable: boolean,
  ) {
    this.files = [file];
  }

  read(sector: number, count: number, buf: Uint8Array, off: number): void {
    this.file.readPadded(buf, off, count * 512, (this.offsetSectors + sector) * 512);
  }

  write(sector: number, count: number, buf: Uint8Array, off: number): void {
    this.file.write(buf, off, count * 512, (this.offsetSectors + sector) * 512);
  }

  /** The same write on the libuv thread pool (flat extents have no metadata to order). */
  writeAsync(sector: number, count: number, buf: Uint8Array, off: number): Promise<void> {
    return writeAsync(this.file.fd, buf, off, count * 512, (this.offsetSectors + sector) * 512);
  }

  discard(sector: number, count: number): void {
    const chunk = 2048;
    this.zeros ??= new Uint8Array(chunk * 512);
    for (let done = 0; done < count; done += chunk) {
      this.write(sector + done, Math.min(chunk, count - done), this.zeros, 0);
    }
  }

  allocationRun(sector: number, maxSectors: number): AllocationRun {
    return { state: 'data', sectors: Math.min(maxSectors, this.sectors - sector) };
  }

  close(): void {
    this.file.close();
  }
}

/** ZERO extent: reads zeros, holds nothing. */
export class ZeroExtent implements Extent {
  readonly files: readonly PositionalFile[] = [];
  readonly writable = false;

  constructor(
    readonly sectors: number,
    private readonly name: string,
  ) {}

  read(_sector: number, count: number, buf: Uint8Array, off: number): void {
    buf.fill(0, off, off + count * 512);
  }

  write(): void {
    throw new StorageError(`${this.name}: a ZERO extent cannot be written`, 'storage.readonly');
  }

  discard(): void {}

  allocationRun(sector: number, maxSectors: number): AllocationRun {
    return { state: 'zero', sectors: Math.min(maxSectors, this.sectors - sector) };
  }

  close(): void {}
}
