// What `disk info` shows: format, sizes, create type, chain and every descriptor field.
import * as fs from 'node:fs';
import type { Lba } from '../common';
import { detectFormat, type ImageFormat } from './image';
import { RawBackend } from './raw-backend';
import { VmdkDisk } from './vmdk/vmdk-disk';

export interface DiskInfo {
  file: string;
  format: ImageFormat;
  virtualSize: number;
  /** Host bytes actually allocated by the disk's own files. */
  diskSize: number;
  createType?: string;
  cid?: string;
  parentCid?: string;
  parent?: string;
  /** Parent chain from this disk's parent down to the base. */
  chain?: string[];
  provisioning?: 'thin' | 'thick';
  extents?: { access: string; sectors: number; type: string; file?: string; offset: number; allocatedBytes: number }[];
  ddb?: Record<string, string>;
  sparse?: { version: number; grainSize: number; flags: number; compressed: boolean };
  /** Bytes of the virtual disk that are allocated (may hold data), this disk and its parents. */
  allocatedBytes: number;
}

function hostBytes(p: string): number {
  try {
    return fs.statSync(p).blocks * 512;
  } catch {
    return 0;
  }
}

export function diskInfo(file: string): DiskInfo {
  const format = detectFormat(file);
  if (format === 'raw') {
    const r = RawBackend.open(file, { readOnly: true });
    r.dispose();
    return { file, format, virtualSize: r.sizeBytes, diskSize: hostBytes(file), allocatedBytes: hostBytes(file) };
  }
  const d = VmdkDisk.open(file, { readOnly: true });
  try {
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    const files = d.files();
    let allocated = 0;
    for (let lba = 0; lba < d.sectorCount; ) {
      const r = d.allocationRun(lba as Lba, Math.min(1 << 20, d.sectorCount - lba));
      if (r.allocated) allocated += r.sectors * 512;
      lba += r.sectors;
    }
    const chain: string[] = [];
    for (let p = d.parent; p; p = p.parent) chain.push(p.path);
    const info: DiskInfo = {
      file,
      format,
      virtualSize: d.sizeBytes,
      diskSize: files.reduce((s, f) => s + hostBytes(f), 0),
      createType: d.createType,
      cid: hex(d.descriptor.cid),
      parentCid: hex(d.descriptor.parentCid),
      provisioning: d.descriptor.ddb.get('ddb.thinProvisioned') === '1' || d.descriptor.parentCid !== 0xffffffff || d.createType === 'streamOptimized' ? 'thin' : 'thick',
      extents: d.descriptor.extents.map((e, i) => ({
        ...e,
        allocatedBytes: d.extents[i]?.extent.files[0] ? hostBytes(d.extents[i]!.extent.files[0]!.path) : 0,
      })),
      ddb: Object.fromEntries(d.descriptor.ddb),
      allocatedBytes: allocated,
    };
    if (d.parent) {
      info.parent = d.parent.path;
      info.chain = chain;
    }
    if (d.sparseHeader) {
      const h = d.sparseHeader;
      info.sparse = { version: h.version, grainSize: h.grainSize, flags: h.flags, compressed: (h.flags & 0x10000) !== 0 };
    }
    return info;
  } finally {
    d.dispose();
  }
}
