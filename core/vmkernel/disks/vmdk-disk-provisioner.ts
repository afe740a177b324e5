// New VM disks as VMDKs made by core/storage's creator: NAME.vmdk, monolithicSparse by
// default (one file, the descriptor embedded), thin, thick (lazily zeroed: grains
// preallocated, host space reserved) or eagerzeroedthick (zeros written), as vmkfstools -d.
// Eager zeroing writes gigabytes: it is done here with asynchronous writes after a thick
// create, so the host's event loop (and the lock heartbeats of running VMs) never stalls.
import fs from 'node:fs';
import path from 'node:path';
import { VmdeskError, errorMessage } from '../../common';
import { SECTOR_SIZE, createVmdk, decodeSparseHeader, type Subformat } from '../../storage';
import type { DiskProvisioner, DiskRequest } from './disk-provisioner';

const ZERO_CHUNK = 4 << 20;

/** Writes zeros over [from, to) of `file` in chunks, reporting progress. */
async function zeroFill(file: string, from: number, to: number, progress: (p: number) => void): Promise<void> {
  const zeros = Buffer.alloc(ZERO_CHUNK);
  const fh = await fs.promises.open(file, 'r+');
  try {
    for (let at = from; at < to; at += ZERO_CHUNK) {
      await fh.write(zeros, 0, Math.min(ZERO_CHUNK, to - at), at);
      progress(((at - from) / (to - from)) * 100);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class VmdkDiskProvisioner implements DiskProvisioner {
  readonly format: string;

  constructor(private readonly subformat: Subformat = 'monolithicSparse') {
    this.format = `vmdk ${subformat}`;
  }

  async create({ folder, baseName, sizeBytes, provisioning, progress }: DiskRequest): Promise<string> {
    const fileName = `${baseName}.vmdk`;
    const file = path.join(folder, fileName);
    progress(0);
    let written: string[] = [];
    const before = new Set(fs.readdirSync(folder));
    try {
      const eagerHere = provisioning === 'eagerzeroedthick' && this.subformat === 'monolithicSparse';
      written = createVmdk(file, { sizeBytes, subformat: this.subformat, provisioning: eagerHere ? 'thick' : provisioning, adapterType: 'ide' });
      if (eagerHere) {
        // The grains follow the metadata (the header's overhead); zero them all.
        const head = Buffer.alloc(SECTOR_SIZE);
        const fd = fs.openSync(file, 'r');
        try {
          fs.readSync(fd, head, 0, SECTOR_SIZE, 0);
        } finally {
          fs.closeSync(fd);
        }
        const { overhead } = decodeSparseHeader(head, file);
        await zeroFill(file, overhead * SECTOR_SIZE, fs.statSync(file).size, (p) => progress(p * 0.99));
      }
    } catch (err) {
      // Remove what this attempt left behind, never a file that was there before.
      for (const f of fs.readdirSync(folder)) if (!before.has(f) && f.startsWith(baseName)) fs.rmSync(path.join(folder, f), { force: true });
      const why = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the datastore is full' : errorMessage(err);
      throw new VmdeskError('unavailable', `disk: cannot create ${file}: ${why}`);
    }
    progress(100);
    return path.basename(written[0] ?? file);
  }
}
