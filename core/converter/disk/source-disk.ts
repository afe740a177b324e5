// Opening any disk a conversion can start from: a VMDK or qcow2 image (our own readers) or a
// raw image or block device (DeviceSource) as a read-only BlockBackend; other foreign formats,
// and qcow2 images using features our reader lacks, are recognised here and then read by
// qemu-img (write-disk.ts writeVmdkWithQemu).
import * as fs from 'node:fs';
import { type BlockBackend, Qcow2Image, RawBackend, UnsupportedImageError, VmdkDisk, detectFormat } from '../../storage';
import { ConverterError } from '../errors';
import { DeviceSource } from './device-source';
import { openForReading } from './open-readable';
import { type QemuImageInfo, qemuImgInfo } from './qemu-img';

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

// The last answer of foreignImage: a conversion asks for its weight, then converts.
let lastForeign: { key: string; info: QemuImageInfo | undefined } | undefined;

/** qemu-img's view of `file` when it is a format only qemu-img reads, else undefined. */
export function foreignImage(file: string): QemuImageInfo | undefined {
  const st = fs.statSync(file);
  if (!st.isFile()) return undefined;
  const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${file}`;
  if (lastForeign?.key === key) return lastForeign.info;
  const info = sniffForeign(file) ? qemuImgInfo(file) : undefined;
  lastForeign = { key, info };
  return info;
}

/**
 * A qcow2 image opened by storage's own reader, or why qemu-img has to read it instead
 * (a backing file, encryption…). A damaged image throws: qemu-img would not read it right either.
 */
export function openOwnQcow2(file: string): { disk: Qcow2Image } | { fallback: string } {
  try {
    return { disk: Qcow2Image.open(file) };
  } catch (err) {
    if (err instanceof UnsupportedImageError) return { fallback: err.message };
    throw err;
  }
}

/** Opens a VMDK, raw image or block device (foreign formats: see foreignImage). */
export function openSourceDisk(file: string): OpenedSourceDisk {
  if (!fs.existsSync(file)) throw new ConverterError(`${file}: no such disk`, 'converter.io');
  const st = fs.statSync(file);
  if (st.isBlockDevice()) {
    const d = DeviceSource.open(file);
    return { backend: d, format: 'device', sizeBytes: d.sizeBytes };
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
