// Boot media for firmware-boot tests: the boot sector guest of test/vmkernel/guests
// (disk-io-mbr.asm, nasm) on a VMDK's first sector, or as a no-emulation El Torito image on
// an ISO (xorriso). SeaBIOS boots either in a few seconds.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lba } from '../../core/common';
import { openImage } from '../../core/storage';

const SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'vmkernel', 'guests', 'disk-io-mbr.asm');
/** Where the guest writes its pattern: 64 sectors from LBA 100, sector k filled with k + 1. */
export const PATTERN = { lba: 100, sectors: 64 } as const;

export function assembleBootSector(dir: string): Uint8Array {
  const out = path.join(dir, 'disk-io-mbr.bin');
  execFileSync('nasm', ['-f', 'bin', '-o', out, SOURCE]);
  return new Uint8Array(fs.readFileSync(out));
}

/** Writes the boot sector to sector 0 of a disk image (VMDK or raw). */
export function installBootSector(disk: string, sector: Uint8Array): void {
  const image = openImage(disk, { readOnly: false });
  try {
    image.writeSectors(0 as Lba, 1, sector);
    image.flush();
  } finally {
    image.dispose();
  }
}

/** An ISO whose El Torito boot image is the boot sector. */
export function bootIso(file: string, sector: Uint8Array): string {
  const root = `${file}.d`;
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'boot.bin'), sector);
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-o', file, '-b', 'boot.bin', '-no-emul-boot', '-boot-load-size', '4', root], { stdio: 'pipe' });
  fs.rmSync(root, { recursive: true, force: true });
  return file;
}

/** Sectors [lba, lba+count) of a disk image. */
export function readSectors(disk: string, lba: number, count: number): Uint8Array {
  const image = openImage(disk, { readOnly: true });
  try {
    const buf = new Uint8Array(count * 512);
    image.readSectors(lba as Lba, count, buf);
    return buf;
  } finally {
    image.dispose();
  }
}

/** Size of a frame and how many of its pixels are not black (text on a text-mode screen). */
export function litPixels(frame: { width: number; height: number; pixels: Uint32Array }): { width: number; height: number; lit: number; colours: number } {
  const px = frame.pixels;
  let lit = 0;
  const colours = new Set<number>();
  for (let i = 0; i < px.length; i++) {
    const v = px[i]! & 0xffffff;
    if (v !== 0) lit++;
    if (colours.size < 64) colours.add(v);
  }
  return { width: frame.width, height: frame.height, lit, colours: colours.size };
}
