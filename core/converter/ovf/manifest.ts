// The OVF manifest (.mf, OVF 1.x §5.1): one line per file, "SHA256(name)= hex" (or SHA1).
// Checked over the bytes as stored, before anything is converted.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { ConverterError } from '../errors';

export interface ManifestLine {
  readonly algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  readonly name: string;
  readonly digest: string;
}

export function parseManifest(text: string, file: string): ManifestLine[] {
  const out: ManifestLine[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^(SHA1|SHA256|SHA512)\s*\((.+)\)\s*=\s*([0-9a-fA-F]+)\s*$/.exec(line);
    if (!m) throw new ConverterError(`${file}: line ${i + 1}: expected "SHA256(file)= digest"`, 'converter.manifest');
    out.push({ algorithm: m[1] as ManifestLine['algorithm'], name: m[2]!, digest: m[3]!.toLowerCase() });
  });
  return out;
}

/** Digest of `len` bytes of `file` from `offset` (an entry inside an OVA, or a whole file). */
export function digestRange(file: string, algorithm: string, offset = 0, len?: number): string {
  const h = createHash(algorithm.toLowerCase());
  const fd = fs.openSync(file, 'r');
  try {
    const total = len ?? fs.fstatSync(fd).size;
    const buf = Buffer.alloc(1 << 20);
    for (let at = 0; at < total; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, total - at), offset + at);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      at += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

export function formatManifest(lines: readonly ManifestLine[]): string {
  return lines.map((l) => `${l.algorithm}(${l.name})= ${l.digest}\n`).join('');
}
