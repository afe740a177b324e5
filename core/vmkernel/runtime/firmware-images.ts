// The BIOS a hosted VM boots its disk or CD-ROM with: Debian's SeaBIOS (package seabios),
// the 256 KiB build with its standard-VGA option ROM, as `vmdesk run` uses. Read once per
// runtime and shared by every VM's spec (the worker copies what it gets).
import fs from 'node:fs';
import path from 'node:path';
import { VmdeskError, errorMessage } from '../../common';

export const SEABIOS_DIR = '/usr/share/seabios';
const BIOS_NAMES = ['bios-256k.bin', 'bios.bin'];
const VGA_BIOS_NAME = 'vgabios-stdvga.bin';

export interface FirmwareImages {
  readonly bios: Uint8Array;
  readonly vgaBios?: Uint8Array;
}

/** Reads SeaBIOS from `dir` (default /usr/share/seabios); one line naming the file when it cannot. */
export function readFirmwareImages(dir = SEABIOS_DIR): FirmwareImages {
  const biosFile = BIOS_NAMES.map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
  if (!biosFile) {
    throw new VmdeskError('unavailable', `host: booting from a disk or CD-ROM needs SeaBIOS and there is no ${path.join(dir, BIOS_NAMES[0]!)}; install Debian's seabios package`);
  }
  const read = (file: string): Uint8Array => {
    try {
      const b = fs.readFileSync(file);
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    } catch (err) {
      throw new VmdeskError('unavailable', `host: cannot read the BIOS image ${file}: ${errorMessage(err)}`);
    }
  };
  const vgaFile = path.join(dir, VGA_BIOS_NAME);
  return { bios: read(biosFile), ...(fs.existsSync(vgaFile) ? { vgaBios: read(vgaFile) } : {}) };
}
