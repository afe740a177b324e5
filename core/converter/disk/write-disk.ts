// Writes a source disk as a VMDK of the converted VM: thin = monolithicSparse (only non-zero
// grains are stored), thick = monolithicFlat with the space reserved. Zero 64 KiB units are
// never written (storage's copyData, or the NBD sink for what qemu-img reads), so a sparse
// source stays sparse.
import type { Lba } from '../../common';
import { type BlockBackend, VmdkDisk, copyData, createVmdk } from '../../storage';
import { ConversionCancelledError, ConverterError } from '../errors';
import { qemuConvertInto, type QemuImageInfo } from './qemu-img';

export type DiskType = 'thin' | 'thick';

/**
 * The source as copyData sees it, except that once `signal` fires the rest of the disk reads
 * as a hole: the copy then ends by itself after awaiting the reads and writes it has in
 * flight, so no I/O outlives the file descriptors it uses. (A Proxy keeps `instanceof`, so
 * raw sources still get the overlapped reads.)
 */
function stopOnAbort(src: BlockBackend, signal: AbortSignal | undefined): BlockBackend {
  if (!signal) return src;
  return new Proxy(src, {
    get(target, prop, receiver) {
      if (prop === 'allocationRun' && signal.aborted) return (_lba: Lba, max: number) => ({ allocated: false, sectors: Math.max(1, max) });
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The file a backend reads, for messages. */
function sourceName(src: BlockBackend): string {
  const p = (src as { path?: unknown }).path;
  return typeof p === 'string' ? p : 'source disk';
}

/** How the new disk is written. */
export interface DiskTarget {
  readonly type: DiskType;
  /** fdatasync the disk before the VM appears (default off, as qemu-img convert and cp). */
  readonly sync?: boolean;
}

/** VMware's largest virtual disk (vSphere: 62 TiB); a larger source cannot become a VMDK. */
export const MAX_VMDK_BYTES = 62 * 2 ** 40;

/** Creates the VMDK `dst` and lets `fill` write it (a cancel throws instead). */
async function intoNewVmdk(src: string, dst: string, sizeBytes: number, target: DiskTarget, fill: (disk: VmdkDisk) => Promise<void>, signal?: AbortSignal): Promise<void> {
  if (sizeBytes > MAX_VMDK_BYTES) throw new ConverterError(`${src}: a disk of ${sizeBytes} bytes is larger than a VMDK can be (62 TiB)`, 'converter.unsupported');
  createVmdk(dst, { sizeBytes, subformat: target.type === 'thin' ? 'monolithicSparse' : 'monolithicFlat', provisioning: target.type });
  const disk = VmdkDisk.open(dst);
  try {
    await fill(disk);
    if (signal?.aborted) throw new ConversionCancelledError(dst);
    if (target.sync) disk.flush();
  } finally {
    disk.dispose();
  }
}

export function writeVmdkFrom(src: BlockBackend, dst: string, target: DiskTarget, progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
  return intoNewVmdk(sourceName(src), dst, src.sizeBytes, target, (disk) => copyData(stopOnAbort(src, signal), disk, (done, total) => progress?.(done * 512, total * 512)), signal);
}

/** A foreign image (qcow2, VDI, VHD…) read by qemu-img and written by our VMDK writer. */
export function writeVmdkWithQemu(src: string, info: QemuImageInfo, dst: string, target: DiskTarget, progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
  return intoNewVmdk(src, dst, info.virtualSize, target, (disk) => qemuConvertInto(src, info.format, disk, progress, signal), signal);
}
