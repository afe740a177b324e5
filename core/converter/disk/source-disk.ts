// Opening any disk a conversion can start from, as a read-only BlockBackend: a VMDK (our own
// reader), a raw image or block device (DeviceSource), or a foreign format unpacked by qemu-img
// into scratch space first.
import * as fs from 'node:fs';
import { type BlockBackend, RawBackend, VmdkDisk, detectFormat } from '../../storage';
import { ConverterError } from '../errors';
import { DeviceSource } from './device-source';
import { openForReading } from './open-readable';
import { qemuImgInfo, qemuToRaw } from './qemu-img';

export type SourceDiskFormat = 'vmdk' | 'raw' | 'device' | 'qcow2' | 'vdi' | 'vpc' | 'vhdx' | string;

/** Magic numbers of formats qemu-img reads and we do not (VHD's footer is at the end). */
export function sniffForeign(file: string): string | undefined {
  const st = fs.statSync(file);
  if (!st.isFile()) return undefined;
  const fd = openForReading(file);
  try {
    const head = Buffer.alloc(72);
    fs.readSync(fd, head, 0, head.length, 0);
    if (head.subarray(0, 4).toString('latin1') === 'QFI\xfb') return 'qcow2';
    if (head.subarray(0, 8).toString('latin1') === 'vhdxfile') return 'vhdx';
    if (head.subarray(0, 8).toString('latin1') === 'conectix') return 'vpc';
    if (head.readUInt32LE(64) === 0xbeda107f) return 'vdi';
    if (head.subarray(0, 4).toString('latin1') === 'QED\0') return 'qed';
    if (st.size >= 512) {
      const foot = Buffer.alloc(8);
      fs.readSync(fd, foot, 0, 8, st.size - 512);
      if (foot.toString('latin1') === 'conectix') return 'vpc';
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export interface OpenedSourceDisk {
  readonly backend: BlockBackend;
  readonly format: SourceDiskFormat;
  /** Bytes the copy will read (for progress weights). */
  readonly sizeBytes: number;
}

/** How many bytes unpacking needs before the copy (0 unless qemu-img has to run). */
export function unpackCost(file: string): number {
  const foreign = fs.statSync(file).isFile() ? sniffForeign(file) : undefined;
  return foreign ? qemuImgInfo(file).virtualSize : 0;
}

export async function openSourceDisk(file: string, scratch: (name: string) => string, progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<OpenedSourceDisk> {
  if (!fs.existsSync(file)) throw new ConverterError(`${file}: no such disk`, 'converter.io');
  const st = fs.statSync(file);
  if (st.isBlockDevice()) {
    const d = DeviceSource.open(file);
    return { backend: d, format: 'device', sizeBytes: d.sizeBytes };
  }
  const foreign = sniffForeign(file);
  if (foreign) {
    const info = qemuImgInfo(file);
    const raw = scratch(`unpacked-${Date.now()}.raw`);
    await qemuToRaw(file, info.format, raw, progress, signal);
    const d = RawBackend.open(raw, { readOnly: true });
    return { backend: d, format: info.format, sizeBytes: info.virtualSize };
  }
  if (detectFormat(file) === 'vmdk') {
    const d = VmdkDisk.open(file, { readOnly: true });
    return { backend: d, format: 'vmdk', sizeBytes: d.sizeBytes };
  }
  // Permission and size checks, then storage's reader, whose reads overlap the writes.
  DeviceSource.open(file).dispose();
  const d = RawBackend.open(file, { readOnly: true });
  return { backend: d, format: 'raw', sizeBytes: d.sizeBytes };
}
