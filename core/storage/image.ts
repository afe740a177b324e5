// Opening any disk image we understand by looking at its bytes: VMDK (KDMV, COWD or a text
// descriptor) or raw. Formats we recognise but do not read get a clear error.
import * as fs from 'node:fs';
import type { BlockBackend } from './block-backend';
import { StorageError, UnsupportedImageError } from './errors';
import { RawBackend } from './raw-backend';
import { COWD_MAGIC } from './vmdk/cowd-extent';
import { isDescriptorText } from './vmdk/descriptor';
import { KDMV_MAGIC } from './vmdk/sparse-header';
import { VmdkDisk, type VmdkOpenOptions } from './vmdk/vmdk-disk';

export type ImageFormat = 'vmdk' | 'raw';

export function detectFormat(file: string): ImageFormat {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new StorageError(`${file}: cannot open: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'storage.io');
  }
  const head = new Uint8Array(1024);
  let n: number;
  try {
    n = fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const h = head.subarray(0, n);
  if (n >= 4) {
    const magic = new DataView(h.buffer, h.byteOffset).getUint32(0, true);
    if (magic === KDMV_MAGIC || magic === COWD_MAGIC) return 'vmdk';
    const ascii = Buffer.from(h.subarray(0, 8)).toString('latin1');
    if (ascii.startsWith('QFI\xfb')) throw new UnsupportedImageError(file, 'is a qcow2 image; convert it to VMDK first (vmdesk disk convert, or vmdesk convert for a VM)');
    if (ascii.startsWith('conectix')) throw new UnsupportedImageError(file, 'is a VHD image; not supported');
    if (ascii.startsWith('<<< ')) throw new UnsupportedImageError(file, 'is a VDI image; not supported');
  }
  if (n > 0 && isDescriptorText(h)) return 'vmdk';
  return 'raw';
}

export function openImage(file: string, options: VmdkOpenOptions = {}): BlockBackend {
  return detectFormat(file) === 'vmdk' ? VmdkDisk.open(file, options) : RawBackend.open(file, { readOnly: options.readOnly ?? false });
}
