// Writes a source disk as a VMDK of the converted VM: thin = monolithicSparse (only non-zero
// grains are stored), thick = monolithicFlat with the space reserved. Zero 64 KiB units are
// never written (storage's copyData), so a sparse source stays sparse.
import { type BlockBackend, VmdkDisk, copyData, createVmdk } from '../../storage';
import { ConversionCancelledError } from '../errors';

export type DiskType = 'thin' | 'thick';

export async function writeVmdkFrom(src: BlockBackend, dst: string, diskType: DiskType, progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
  createVmdk(dst, { sizeBytes: src.sizeBytes, subformat: diskType === 'thin' ? 'monolithicSparse' : 'monolithicFlat', provisioning: diskType });
  const disk = VmdkDisk.open(dst);
  try {
    await copyData(src, disk, (done, total) => {
      if (signal?.aborted) throw new ConversionCancelledError(dst);
      progress?.(done * 512, total * 512);
    });
    disk.flush();
  } finally {
    disk.dispose();
  }
}
