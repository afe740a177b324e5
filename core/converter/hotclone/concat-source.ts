// A disk assembled from pieces without writing it out first: the MBR sector, the boot
// partition's image and the root file system's image at their partition offsets, zeros in
// between. copyData reads it straight into the new VMDK.
import * as fs from 'node:fs';
import type { Lba } from '../../common';
import { type BlockBackend, PositionalFile } from '../../storage';

export interface Piece {
  readonly lba: number;
  /** A file (read from its start) or bytes in memory. */
  readonly file?: string;
  readonly bytes?: Uint8Array;
}

interface Placed {
  lba: number;
  sectors: number;
  file?: PositionalFile;
  bytes?: Uint8Array;
}

export class ConcatSource implements BlockBackend {
  readonly readOnly = true;
  readonly sizeBytes: number;
  private readonly pieces: Placed[];

  constructor(
    readonly sectorCount: number,
    pieces: readonly Piece[],
  ) {
    this.sizeBytes = sectorCount * 512;
    this.pieces = pieces
      .map((p): Placed => {
        const size = p.file ? fs.statSync(p.file).size : p.bytes!.length;
        return { lba: p.lba, sectors: Math.ceil(size / 512), ...(p.file ? { file: PositionalFile.open(p.file, false) } : { bytes: p.bytes }) };
      })
      .sort((a, b) => a.lba - b.lba);
  }

  readSectors(lba: Lba, count: number, buf: Uint8Array, offset = 0): void {
    buf.fill(0, offset, offset + count * 512);
    for (const p of this.pieces) {
      const from = Math.max(lba, p.lba);
      const to = Math.min(lba + count, p.lba + p.sectors);
      if (from >= to) continue;
      const dst = offset + (from - lba) * 512;
      const len = (to - from) * 512;
      if (p.file) p.file.readPadded(buf, dst, len, (from - p.lba) * 512);
      else buf.set(p.bytes!.subarray((from - p.lba) * 512, (from - p.lba) * 512 + len), dst);
    }
  }

  allocationRun(lba: Lba, maxSectors: number): { allocated: boolean; sectors: number } {
    const end = Math.min(this.sectorCount, lba + maxSectors);
    for (const p of this.pieces) {
      if (p.lba + p.sectors <= lba) continue;
      if (p.lba <= lba) return { allocated: true, sectors: Math.max(1, Math.min(end, p.lba + p.sectors) - lba) };
      return { allocated: false, sectors: Math.max(1, Math.min(end, p.lba) - lba) };
    }
    return { allocated: false, sectors: Math.max(1, end - lba) };
  }

  writeSectors(): void {
    throw new Error('ConcatSource is read-only');
  }

  flush(): void {}

  discard(): void {
    throw new Error('ConcatSource is read-only');
  }

  dispose(): void {
    for (const p of this.pieces) p.file?.close();
  }
}
