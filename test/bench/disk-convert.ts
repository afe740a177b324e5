// Benchmark: `vmdesk disk convert` against `qemu-img convert` on the same 1 GiB image, side by
// side, both run as commands (process start included), each case best of N runs.
// The image: 1 GiB raw, ~60 % data (half random, half text-like), ~25 % written zeros,
// ~15 % holes; files sit in the page cache. Prints figures, asserts nothing.
// usage: npx tsx test/bench/disk-convert.ts [SIZE_MIB=1024] [RUNS=2]
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertImage, type ConvertOptions } from '../../core/storage';

const SIZE = Number(process.argv[2] ?? 1024) << 20;
const RUNS = Number(process.argv[3] ?? 2);
const repo = path.resolve(import.meta.dirname, '..', '..');
const vmdesk = path.join(repo, 'bin', 'vmdesk.mjs');
// Under the checkout's ignored .cache/ (not /tmp, which other tools sweep); BENCH_DIR overrides.
fs.mkdirSync(process.env.BENCH_DIR ?? path.join(repo, '.cache'), { recursive: true });
const dir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? path.join(repo, '.cache'), 'bench-convert-'));
const src = path.join(dir, 'src.raw');

function makeSource(): void {
  const fd = fs.openSync(src, 'w');
  fs.ftruncateSync(fd, SIZE);
  const chunk = new Uint8Array(1 << 20);
  const words = Buffer.from('the quick brown fox jumps over the lazy dog 0123456789 ');
  for (let mib = 0; mib < SIZE >> 20; mib++) {
    const kind = mib % 20; // 0-5 random, 6-11 text, 12-16 zeros written, 17-19 holes
    if (kind >= 17) continue;
    if (kind < 6) crypto.randomFillSync(chunk);
    else if (kind < 12) for (let i = 0; i < chunk.length; i++) chunk[i] = words[(i + mib) % words.length]!;
    else chunk.fill(0);
    fs.writeSync(fd, chunk, 0, chunk.length, mib << 20);
  }
  fs.closeSync(fd);
}

/** Flushes dirty pages first, so no run pays for the write-back of the one before. */
function settle(): void {
  execFileSync('sync');
}

function time(cmd: string, args: string[]): number {
  settle();
  const t0 = performance.now();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return (performance.now() - t0) / 1000;
}

interface Case {
  name: string;
  /** The same conversion called in-process (no process start-up). */
  api: ConvertOptions;
  ours: string[];
  qemu: string[];
  out: [string, string];
}

const cases: Case[] = [
  { name: 'raw -> monolithicSparse', api: { format: 'vmdk' }, ours: ['disk', 'convert', src, 'OUT'], qemu: ['convert', '-f', 'raw', '-O', 'vmdk', src, 'OUT'], out: ['ours-sparse.vmdk', 'qemu-sparse.vmdk'] },
  {
    name: 'raw -> monolithicFlat',
    api: { format: 'vmdk', subformat: 'monolithicFlat' },
    ours: ['disk', 'convert', '--subformat', 'monolithicFlat', src, 'OUT'],
    qemu: ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=monolithicFlat', src, 'OUT'],
    out: ['ours-flat.vmdk', 'qemu-flat.vmdk'],
  },
  {
    name: 'raw -> streamOptimized',
    api: { format: 'vmdk', subformat: 'streamOptimized' },
    ours: ['disk', 'convert', '--subformat', 'streamOptimized', src, 'OUT'],
    qemu: ['convert', '-f', 'raw', '-O', 'vmdk', '-o', 'subformat=streamOptimized', src, 'OUT'],
    out: ['ours-stream.vmdk', 'qemu-stream.vmdk'],
  },
  { name: 'monolithicSparse -> raw', api: { format: 'raw' }, ours: ['disk', 'convert', '-O', 'raw', 'SPARSE', 'OUT'], qemu: ['convert', '-f', 'vmdk', '-O', 'raw', 'SPARSE', 'OUT'], out: ['ours-back.raw', 'qemu-back.raw'] },
];

function cleanOut(name: string): void {
  for (const f of fs.readdirSync(dir)) if (f.startsWith(name.replace(/\.vmdk$|\.raw$/, ''))) fs.rmSync(path.join(dir, f), { force: true });
}

makeSource();
console.log(`disk-convert: ${SIZE >> 20} MiB source, best of ${RUNS}, in ${dir} (page cache)`);
console.log(
  `${'case'.padEnd(26)}${'vmdesk s'.padStart(10)}${'in-proc s'.padStart(11)}${'qemu-img s'.padStart(12)}${'ratio'.padStart(8)}${'in-proc'.padStart(9)}${'vmdesk MiB'.padStart(12)}${'qemu MiB'.padStart(10)}`,
);
// The sparse source for the back-conversion is qemu's own output, so both read the same file.
const sparseSrc = path.join(dir, 'qemu-sparse.vmdk');
for (const c of cases) {
  let ours = Infinity;
  let qemu = Infinity;
  let inproc = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const out = path.join(dir, c.out[0]);
    cleanOut(path.basename(out));
    settle();
    const t0 = performance.now();
    await convertImage(c.name.startsWith('monolithicSparse') ? sparseSrc : src, out, c.api);
    inproc = Math.min(inproc, (performance.now() - t0) / 1000);
    // Alternate who goes first, so neither always meets a warmer or colder cache.
    for (const who of r % 2 === 0 ? (['qemu', 'ours'] as const) : (['ours', 'qemu'] as const)) {
      const out = path.join(dir, who === 'ours' ? c.out[0] : c.out[1]);
      if (who === 'qemu' || c.name.startsWith('monolithicSparse') || fs.existsSync(out)) cleanOut(path.basename(out));
      const args = (who === 'ours' ? c.ours : c.qemu).map((a) => (a === 'OUT' ? out : a === 'SPARSE' ? sparseSrc : a));
      const s = who === 'ours' ? time(process.execPath, [vmdesk, ...args]) : time('qemu-img', args);
      if (who === 'ours') ours = Math.min(ours, s);
      else qemu = Math.min(qemu, s);
    }
  }
  const size = (f: string) =>
    fs
      .readdirSync(dir)
      .filter((n) => n.startsWith(f.replace(/\.vmdk$|\.raw$/, '')))
      .reduce((s, n) => s + fs.statSync(path.join(dir, n)).blocks * 512, 0) / 2 ** 20;
  console.log(
    `${c.name.padEnd(26)}${ours.toFixed(2).padStart(10)}${inproc.toFixed(2).padStart(11)}${qemu.toFixed(2).padStart(12)}${(qemu / ours).toFixed(2).padStart(7)}x${(qemu / inproc).toFixed(2).padStart(8)}x${size(c.out[0]).toFixed(0).padStart(12)}${size(c.out[1]).toFixed(0).padStart(10)}`,
  );
  // Same content either way.
  execFileSync('qemu-img', ['compare', path.join(dir, c.out[0]), path.join(dir, c.out[1])], { stdio: 'ignore' });
}
console.log('vmdesk s: `node bin/vmdesk.mjs disk convert` wall time, process start (tsx) included; in-proc: convertImage() called directly');
console.log('ratio = qemu-img time / vmdesk time (above 1: vmdesk is faster); MiB = host space used by the output');
fs.rmSync(dir, { recursive: true, force: true });
