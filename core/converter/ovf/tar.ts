// OVA is a POSIX ustar archive (OVF 1.x §5.3: the .ovf first, then the manifest, then the
// files in reference order). We read the index without extracting (each entry's data offset
// and size) and write archives front to back. 512-byte headers; size in octal.
import * as fs from 'node:fs';
import { ConverterError } from '../errors';

export interface TarEntry {
  readonly name: string;
  readonly size: number;
  /** Byte offset of the entry's data in the archive. */
  readonly offset: number;
}

function octal(buf: Buffer, off: number, len: number): number {
  const s = buf.subarray(off, off + len).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]*$/.test(s)) return NaN;
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let k = 0; k < 512; k++) sum += k >= 148 && k < 156 ? 32 : h[k]!;
  return sum === octal(h, 148, 8);
}

export function readTarIndex(file: string): TarEntry[] {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const entries: TarEntry[] = [];
    const h = Buffer.alloc(512);
    let pos = 0;
    let longName: string | undefined;
    while (pos + 512 <= size) {
      fs.readSync(fd, h, 0, 512, pos);
      if (h.every((b) => b === 0)) return entries;
      if (!checksumOk(h)) throw new ConverterError(`${file}: tar header at byte ${pos}: checksum is wrong (not an OVA, or damaged)`, 'converter.ova');
      const n = octal(h, 124, 12);
      if (!Number.isSafeInteger(n)) throw new ConverterError(`${file}: tar header at byte ${pos}: bad size field`, 'converter.ova');
      const type = String.fromCharCode(h[156]!);
      const prefix = h.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
      const base = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const name = longName ?? (prefix ? `${prefix}/${base}` : base);
      longName = undefined;
      const data = pos + 512;
      if (data + n > size) throw new ConverterError(`${file}: ${name}: the archive ends ${data + n - size} bytes before this file does (truncated OVA)`, 'converter.ova.truncated');
      if (type === 'L') {
        const b = Buffer.alloc(n);
        fs.readSync(fd, b, 0, n, data);
        longName = b.toString('utf8').replace(/\0.*$/s, '');
      } else if (type === '0' || type === '\0') {
        entries.push({ name, size: n, offset: data });
      }
      pos = data + Math.ceil(n / 512) * 512;
    }
    if (entries.length === 0) throw new ConverterError(`${file}: not a tar archive (an OVA is one)`, 'converter.ova');
    throw new ConverterError(`${file}: the archive has no end-of-archive blocks (truncated OVA)`, 'converter.ova.truncated');
  } finally {
    fs.closeSync(fd);
  }
}

function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(name) > 100) throw new ConverterError(`ova: file name "${name}" is longer than 100 bytes`);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write(Math.floor(Date.now() / 1000).toString(8).padStart(11, '0') + '\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/** Writes `files` (name in the archive → host path) into a new archive, in order. */
export function writeTar(out: string, files: readonly { name: string; path: string }[]): void {
  const fd = fs.openSync(out, 'wx');
  try {
    let pos = 0;
    const buf = Buffer.alloc(1 << 20);
    for (const f of files) {
      const size = fs.statSync(f.path).size;
      fs.writeSync(fd, header(f.name, size), 0, 512, pos);
      pos += 512;
      const src = fs.openSync(f.path, 'r');
      try {
        for (let at = 0; at < size; ) {
          const n = fs.readSync(src, buf, 0, Math.min(buf.length, size - at), at);
          if (n === 0) throw new ConverterError(`${f.path}: shrank while being archived`);
          fs.writeSync(fd, buf, 0, n, pos);
          at += n;
          pos += n;
        }
      } finally {
        fs.closeSync(src);
      }
      const pad = (512 - (size % 512)) % 512;
      if (pad) fs.writeSync(fd, Buffer.alloc(pad), 0, pad, pos);
      pos += pad;
    }
    fs.writeSync(fd, Buffer.alloc(1024), 0, 1024, pos);
  } finally {
    fs.closeSync(fd);
  }
}
