// `disk grow`: enlarges a base disk. Flat disks extend their last file (split ones add
// files); monolithicSparse gets new grain tables at the end of the file, a relocated
// directory when the old one has no room, and finally a new capacity written to the header
// and embedded descriptor in one write, so an interruption leaves the old size intact.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alignUp, UsageError } from '../../common';
import { StorageError } from '../errors';
import { PositionalFile } from '../file-io';
import { SPLIT_SECTORS, extentFileName, reserveSpace, type Subformat } from './create';
import { type VmdkDescriptor, defaultGeometry, formatDescriptor } from './descriptor';
import { encodeSparseHeader, sparseGeometry } from './sparse-header';
import { readSparseHeader, writeSparseFile } from './sparse-extent';
import { VmdkDisk, writeFileAtomic } from './vmdk-disk';

function setGeometry(d: VmdkDescriptor, sectors: number): void {
  const g = defaultGeometry(sectors);
  if (d.ddb.has('ddb.geometry.cylinders')) d.ddb.set('ddb.geometry.cylinders', String(g.cylinders));
}

export function growVmdk(file: string, newSizeBytes: number): void {
  const disk = VmdkDisk.open(file, { readOnly: true });
  const d = disk.descriptor;
  const oldSectors = disk.sectorCount;
  const thin = d.ddb.get('ddb.thinProvisioned') === '1';
  disk.dispose();
  const newSectors = Math.ceil(newSizeBytes / 512);
  if (newSectors <= oldSectors) throw new UsageError(`disk grow: ${file} is already ${oldSectors * 512} bytes; the new size must be larger (shrinking loses data)`);
  if (d.parentFileNameHint !== undefined && d.parentCid !== 0xffffffff) throw new StorageError(`${file}: is a delta in a snapshot chain; consolidate it before growing`, 'storage.chain');
  const dir = path.dirname(file);
  const extra = newSectors - oldSectors;
  switch (d.createType) {
    case 'monolithicFlat':
    case 'vmfs': {
      const e = d.extents[d.extents.length - 1]!;
      const p = path.resolve(dir, e.file!);
      const end = (e.offset + e.sectors + extra) * 512;
      fs.truncateSync(p, end);
      if (!thin) reserveSpace(p, end, 'lazy', (e.offset + e.sectors) * 512);
      e.sectors += extra;
      setGeometry(d, newSectors);
      writeFileAtomic(file, Buffer.from(formatDescriptor(d)));
      return;
    }
    case 'twoGbMaxExtentFlat':
    case 'twoGbMaxExtentSparse': {
      const flat = d.createType === 'twoGbMaxExtentFlat';
      let left = extra;
      const last = d.extents[d.extents.length - 1]!;
      if (flat && last.sectors < SPLIT_SECTORS) {
        const add = Math.min(left, SPLIT_SECTORS - last.sectors);
        const p = path.resolve(dir, last.file!);
        fs.truncateSync(p, (last.offset + last.sectors + add) * 512);
        last.sectors += add;
        left -= add;
      }
      for (let i = d.extents.length; left > 0; i++) {
        const n = Math.min(SPLIT_SECTORS, left);
        const name = extentFileName(file, d.createType as Subformat, i);
        const p = path.join(dir, name);
        const f = PositionalFile.create(p);
        try {
          if (flat) f.truncate(n * 512);
          else writeSparseFile(f, { capacity: n }, 'none');
        } finally {
          f.close();
        }
        d.extents.push({ access: 'RW', sectors: n, type: flat ? 'FLAT' : 'SPARSE', file: name, offset: 0 });
        left -= n;
      }
      setGeometry(d, newSectors);
      writeFileAtomic(file, Buffer.from(formatDescriptor(d)));
      return;
    }
    case 'monolithicSparse':
      growMonolithicSparse(file, d, newSectors);
      return;
    default:
      throw new StorageError(`${file}: cannot grow a ${d.createType} disk; convert it to monolithicSparse or monolithicFlat first`, 'storage.unsupported');
  }
}

function growMonolithicSparse(file: string, d: VmdkDescriptor, newSectors: number): void {
  const f = PositionalFile.open(file, true);
  try {
    const h = readSparseHeader(f);
    const old = sparseGeometry(h);
    const next = sparseGeometry({ ...h, capacity: newSectors });
    const gtSectors = old.gtSectors;
    let eof = Math.ceil(f.size() / 512);
    const readDir = (at: number): Uint32Array => {
      const b = new Uint8Array(old.gdSectors * 512);
      f.readExact(b, 0, b.length, at * 512, 'grain directory');
      const out = new Uint32Array(alignUp(next.gdEntries, 128));
      out.set(new Uint32Array(b.buffer).subarray(0, old.gdEntries));
      return out;
    };
    const gd = readDir(h.gdOffset);
    const rgd = h.rgdOffset ? readDir(h.rgdOffset) : undefined;
    // 1. New (empty) grain tables at the end of the file.
    for (let i = old.gdEntries; i < next.gdEntries; i++) {
      if (rgd) {
        rgd[i] = eof;
        eof += gtSectors;
      }
      gd[i] = eof;
      eof += gtSectors;
    }
    f.truncate(eof * 512);
    // 2. Directory entries: in place if the old directory's sectors have room, else a copy at the end.
    const header = { ...h, capacity: newSectors };
    const dirBytes = (dir: Uint32Array) => new Uint8Array(dir.buffer, 0, next.gdSectors * 512);
    if (next.gdSectors <= old.gdSectors) {
      if (rgd) f.write(dirBytes(rgd), 0, next.gdSectors * 512, h.rgdOffset * 512);
      f.write(dirBytes(gd), 0, next.gdSectors * 512, h.gdOffset * 512);
    } else {
      if (rgd) {
        header.rgdOffset = eof;
        f.write(dirBytes(rgd), 0, next.gdSectors * 512, eof * 512);
        eof += next.gdSectors;
      }
      header.gdOffset = eof;
      f.write(dirBytes(gd), 0, next.gdSectors * 512, eof * 512);
      eof += next.gdSectors;
    }
    // 3. Header and descriptor together: the switch to the new size is one write.
    d.extents[0]!.sectors = newSectors;
    setGeometry(d, newSectors);
    const text = Buffer.from(formatDescriptor(d), 'utf8');
    if (h.descriptorOffset === 1 && text.length < h.descriptorSize * 512) {
      const both = new Uint8Array((1 + h.descriptorSize) * 512);
      both.set(encodeSparseHeader(header), 0);
      both.set(text, 512);
      f.write(both, 0, both.length, 0);
    } else if (h.descriptorOffset === 0) {
      f.write(encodeSparseHeader(header), 0, 512, 0);
    } else {
      throw new StorageError(`${file}: the embedded descriptor has no room for the new size`);
    }
  } finally {
    f.close();
  }
}
