// OVF/OVA as a conversion source: the archive's index is read, every manifest sum is checked
// before a byte is converted (which file, which check on failure), the envelope's hardware is
// mapped to the new .vmx and its disks are converted in attach order.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConverterError } from '../errors';
import { type ManifestLine, digestRange, parseManifest } from './manifest';
import { type OvfEnvelope, parseEnvelope } from './envelope';
import { readTarIndex } from './tar';

/** One file of the package: a whole file next to the .ovf, or a range inside the .ova. */
export interface PackageFile {
  readonly name: string;
  readonly path: string;
  readonly offset: number;
  readonly size: number;
}

export interface OvfPackage {
  readonly label: string;
  readonly envelope: OvfEnvelope;
  readonly files: ReadonlyMap<string, PackageFile>;
  readonly manifestChecked: boolean;
  /** The disks' package files, in attach order. */
  readonly disks: readonly { file: PackageFile; capacityBytes: number }[];
}

function readRange(f: PackageFile): string {
  const fd = fs.openSync(f.path, 'r');
  try {
    const b = Buffer.alloc(f.size);
    fs.readSync(fd, b, 0, f.size, f.offset);
    return b.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function verify(label: string, mfName: string, lines: readonly ManifestLine[], files: ReadonlyMap<string, PackageFile>): void {
  for (const l of lines) {
    const f = files.get(l.name);
    if (!f) throw new ConverterError(`${label}: ${l.name}: listed in the manifest ${mfName} but missing from the package`, 'converter.manifest');
    const got = digestRange(f.path, l.algorithm, f.offset, f.size);
    if (got !== l.digest) throw new ConverterError(`${label}: ${l.name}: ${l.algorithm} does not match the manifest ${mfName} (the file was changed or damaged)`, 'converter.manifest');
  }
}

export function openOvfPackage(source: string): OvfPackage {
  const label = path.basename(source);
  const files = new Map<string, PackageFile>();
  let ovfName: string;
  if (source.toLowerCase().endsWith('.ova')) {
    const entries = readTarIndex(source);
    for (const e of entries) files.set(path.basename(e.name), { name: path.basename(e.name), path: source, offset: e.offset, size: e.size });
    const first = entries[0]!;
    if (!first.name.toLowerCase().endsWith('.ovf')) throw new ConverterError(`${label}: the first file is ${first.name}, not the .ovf envelope (OVF 1.x §5.3)`, 'converter.ova');
    ovfName = path.basename(first.name);
  } else {
    const dir = path.dirname(source);
    for (const n of fs.readdirSync(dir)) {
      const p = path.join(dir, n);
      if (fs.statSync(p).isFile()) files.set(n, { name: n, path: p, offset: 0, size: fs.statSync(p).size });
    }
    ovfName = path.basename(source);
  }
  const ovf = files.get(ovfName)!;
  const mfName = ovfName.replace(/\.ovf$/i, '.mf');
  const mf = files.get(mfName);
  let manifestChecked = false;
  if (mf) {
    verify(label, mfName, parseManifest(readRange(mf), `${label}: ${mfName}`), files);
    manifestChecked = true;
  }
  const envelope = parseEnvelope(readRange(ovf), `${label}: ${ovfName}`);
  const disks = envelope.disks.map((d) => {
    const f = files.get(d.file.href);
    if (!f) throw new ConverterError(`${label}: ${d.file.href}: the envelope references it but the package does not hold it`, 'converter.ovf');
    if (d.file.size !== undefined && d.file.size !== f.size) {
      throw new ConverterError(`${label}: ${d.file.href}: ${f.size} bytes, but the envelope says ovf:size="${d.file.size}" (truncated or replaced)`, 'converter.ovf');
    }
    return { file: f, capacityBytes: d.capacityBytes };
  });
  return { label, envelope, files, manifestChecked, disks };
}

/** Copies a package file out (an OVA entry) so the disk reader can open it. */
export function extractTo(f: PackageFile, dst: string): void {
  const src = fs.openSync(f.path, 'r');
  const out = fs.openSync(dst, 'wx');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let at = 0; at < f.size; ) {
      const n = fs.readSync(src, buf, 0, Math.min(buf.length, f.size - at), f.offset + at);
      if (n === 0) throw new ConverterError(`${f.path}: ${f.name}: ends early`, 'converter.ova.truncated');
      fs.writeSync(out, buf, 0, n, at);
      at += n;
    }
  } finally {
    fs.closeSync(src);
    fs.closeSync(out);
  }
}
