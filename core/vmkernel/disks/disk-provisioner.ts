// Making a new VM's virtual disk. The host asks a DiskProvisioner; core/storage's VMDK
// creator is meant to be plugged in here (it lands separately). Until then the host makes
// a raw disk image, named NAME.raw so nobody mistakes it for a VMDK: sparse for thin and
// thick (lazily zeroed) provisioning, written with zeros for eagerzeroedthick.
import fs from 'node:fs';
import path from 'node:path';
import type { DiskProvisioning } from '../../api';
import { VmdeskError, errorMessage } from '../../common';

export interface DiskRequest {
  /** Absolute path of the VM folder. */
  readonly folder: string;
  /** The VM's name; the disk is named after it, as VMware does (NAME.vmdk). */
  readonly baseName: string;
  readonly sizeBytes: number;
  readonly provisioning: DiskProvisioning;
  readonly progress: (percent: number) => void;
}

export interface DiskProvisioner {
  /** Short name of what it makes ("raw", "vmdk monolithicSparse"). */
  readonly format: string;
  /** Creates the disk; resolves to its file name relative to the folder (what ide0:0.fileName holds). */
  create(request: DiskRequest): Promise<string>;
}

const CHUNK = 1 << 20;

export class RawDiskProvisioner implements DiskProvisioner {
  readonly format = 'raw';

  async create({ folder, baseName, sizeBytes, provisioning, progress }: DiskRequest): Promise<string> {
    const fileName = `${baseName}.raw`;
    const file = path.join(folder, fileName);
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'wx');
      if (provisioning === 'eagerzeroedthick') {
        const zeros = Buffer.alloc(CHUNK);
        for (let done = 0; done < sizeBytes; done += CHUNK) {
          fs.writeSync(fd, zeros, 0, Math.min(CHUNK, sizeBytes - done), done);
          progress((done / sizeBytes) * 100);
          if ((done / CHUNK) % 64 === 63) await new Promise((r) => setImmediate(r));
        }
      }
      fs.ftruncateSync(fd, sizeBytes);
      progress(100);
      return fileName;
    } catch (err) {
      if (fd !== undefined) fs.rmSync(file, { force: true });
      const why = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the datastore is full' : errorMessage(err);
      throw new VmdeskError('unavailable', `disk: cannot create ${file}: ${why}`);
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
}
