// Shared test helpers: temporary directories, qemu-img/qemu-io wrappers, pattern images.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `storage-test-${prefix}-`));
}

export function qemuImg(...args: string[]): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs qemu-img and returns its exit status and output, without throwing. */
export function qemuImgStatus(...args: string[]): { status: number; out: string } {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export function qemuIo(file: string, ...commands: string[]): void {
  execFileSync('qemu-io', ['-f', 'vmdk', ...commands.flatMap((c) => ['-c', c]), file], { stdio: 'ignore' });
}

export function qemuCheckClean(file: string): { status: number; out: string } {
  return qemuImgStatus('check', file);
}

export function qemuCompare(a: string, aFormat: string, b: string, bFormat: string): { status: number; out: string } {
  return qemuImgStatus('compare', '-f', aFormat, '-F', bFormat, a, b);
}

export function qemuInfo(file: string): { format: string; 'virtual-size': number; 'format-specific'?: { data?: { 'create-type'?: string } } } {
  return JSON.parse(qemuImg('info', '--output=json', file));
}

export interface MapEntry {
  start: number;
  length: number;
  data: boolean;
  zero: boolean;
}

export function qemuMap(file: string, format = 'vmdk'): MapEntry[] {
  return JSON.parse(qemuImg('map', '-f', format, '--output=json', file));
}

/** Bytes qemu says hold data in [start, start+len). */
export function mappedDataBytes(map: MapEntry[], start = 0, len = Infinity): number {
  let n = 0;
  for (const e of map) {
    if (!e.data) continue;
    const lo = Math.max(start, e.start);
    const hi = Math.min(start + len, e.start + e.length);
    if (hi > lo) n += hi - lo;
  }
  return n;
}

/** Deterministic pseudo-random bytes. */
export function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export interface RawImage {
  file: string;
  size: number;
  islands: [number, number][];
  seed: number;
}

/**
 * A raw image of `size` bytes, a hole on the host, with data islands at a few places
 * (unaligned to grains) and long runs of zeros between them.
 */
export function makeRawImage(file: string, size: number, seed = 1): RawImage {
  const islands: [number, number][] = [
    [0, 4096],
    [65536 + 512, 70000],
    [Math.floor(size / 2) - 3072, 9216],
    [size - 200_704, 131072],
    [size - 1024, 1024],
  ];
  const fd = fs.openSync(file, 'w');
  fs.ftruncateSync(fd, size);
  for (const [i, [off, len]] of islands.entries()) fs.writeSync(fd, pattern(len, seed * 31 + i), 0, len, off);
  fs.closeSync(fd);
  return { file, size, islands, seed };
}

/** The whole content of a (small) raw image. */
export function rawBytes(img: RawImage): Uint8Array {
  return new Uint8Array(fs.readFileSync(img.file));
}

/** Number of 64 KiB grains that hold a non-zero byte. */
export function dataGrains(img: RawImage, grain = 65536): number {
  const set = new Set<number>();
  for (const [off, len] of img.islands) for (let g = Math.floor(off / grain); g * grain < off + len; g++) set.add(g);
  return set.size;
}

/**
 * Bundles a fixture script into one plain .mjs file (esbuild), so child processes start with
 * bare `node` in tens of milliseconds instead of loading tsx each time.
 */
export function bundleFixture(name: string, outDir: string): string {
  const out = path.join(outDir, `${name}.mjs`);
  execFileSync(
    process.execPath,
    [
      '-e',
      `require('esbuild').buildSync({ entryPoints: [${JSON.stringify(path.join(import.meta.dirname, 'fixtures', `${name}.ts`))}], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: ${JSON.stringify(out)}, logLevel: 'error' })`,
    ],
    { stdio: 'inherit', cwd: path.join(import.meta.dirname, '..', '..') },
  );
  return out;
}
