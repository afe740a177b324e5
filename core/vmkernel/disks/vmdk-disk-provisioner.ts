// New VM disks as VMDKs made by core/storage's creator: NAME.vmdk, monolithicSparse by
// default (one file, the descriptor embedded), thin, thick (lazily zeroed: grains
// preallocated, host space reserved) or eagerzeroedthick (zeros written), as vmkfstools -d.
import fs from 'node:fs';
import path from 'node:path';
import { VmdeskError, errorMessage } from '../../common';
import { createVmdk, type Subformat } from '../../storage';
import type { DiskProvisioner, DiskRequest } from './disk-provisioner';

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
      written = createVmdk(file, { sizeBytes, subformat: this.subformat, provisioning, adapterType: 'ide' });
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
