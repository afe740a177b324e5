// Benchmark: `vmdesk convert` (a whole conversion: staging folder, VMDK, .vmx) against
// `qemu-img convert -O vmdk` on the same 1 GiB image, as a raw disk and as a qcow2 (which
// `vmdesk convert` unpacks through qemu-img first). Both run as commands, best of N runs.
// Image: ~60 % data (half random, half text), ~25 % written zeros, ~15 % holes. Figures only.
// usage: npx tsx test/bench/converter-throughput.ts [SIZE_MIB=1024] [RUNS=2]
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SIZE = Number(process.argv[2] ?? 1024) << 20;
const RUNS = Number(process.argv[3] ?? 2);
const repo = path.resolve(import.meta.dirname, '..', '..');
const vmdesk = path.join(repo, 'bin', 'vmdesk.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-bench-converter-'));
const raw = path.join(dir, 'src.raw');
const qcow = path.join(dir, 'src.qcow2');

function makeSource(): void {
  const fd = fs.openSync(raw, 'w');
  fs.ftruncateSync(fd, SIZE);
  const chunk = new Uint8Array(1 << 20);
  const words = Buffer.from('the quick brown fox jumps over the lazy dog 0123456789 ');
  for (let mib = 0; mib < SIZE >> 20; mib++) {
    const kind = mib % 20;
    if (kind >= 17) continue;
    if (kind < 6) crypto.randomFillSync(chunk);
    else if (kind < 12) for (let i = 0; i < chunk.length; i++) chunk[i] = words[(i + mib) % words.length]!;
    else chunk.fill(0);
    fs.writeSync(fd, chunk, 0, chunk.length, mib << 20);
  }
  fs.closeSync(fd);
}

function time(cmd: string, args: string[]): number {
  execFileSync('sync');
  const t0 = performance.now();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return (performance.now() - t0) / 1000;
}

function best(run: (i: number) => number): number {
  let b = Infinity;
  for (let i = 0; i < RUNS; i++) b = Math.min(b, run(i));
  return b;
}

try {
  makeSource();
  execFileSync('qemu-img', ['convert', '-O', 'qcow2', raw, qcow]);
  const mib = SIZE / (1 << 20);
  console.log(`converter throughput, ${mib} MiB image, best of ${RUNS} (MiB of virtual disk per second)`);
  for (const [label, src, fmt] of [['raw', raw, 'raw'], ['qcow2', qcow, 'qcow2']] as const) {
    const ours = best((i) => {
      const to = path.join(dir, `ours-${label}-${i}`);
      const t = time(process.execPath, [vmdesk, 'convert', src, '--to', to]);
      fs.rmSync(to, { recursive: true, force: true });
      return t;
    });
    const qemu = best((i) => {
      const out = path.join(dir, `qemu-${label}-${i}.vmdk`);
      const t = time('qemu-img', ['convert', '-f', fmt, '-O', 'vmdk', src, out]);
      fs.rmSync(out, { force: true });
      return t;
    });
    console.log(
      `${label.padEnd(6)} -> thin VMDK   vmdesk convert ${ours.toFixed(2)} s (${(mib / ours).toFixed(0)} MiB/s)   qemu-img convert ${qemu.toFixed(2)} s (${(mib / qemu).toFixed(0)} MiB/s)   ratio ${(qemu / ours).toFixed(2)}x`,
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
