// Benchmark: `vmdesk convert` (a whole conversion: staging folder, VMDK, .vmx) against
// `qemu-img convert -O vmdk` on the same 1 GiB image, as a raw disk, a qcow2 and a compressed
// qcow2 (read by storage's own readers), and as VDI and VHD (which `vmdesk convert` still
// reads through qemu-img, over NBD into its own VMDK writer). All run as commands,
// interleaved (A, B, A, B…, each round starting with the next) so a busy machine slows both alike; the best and the median
// wall time of N runs, and the CPU time (user + sys of the child, from /proc/self/stat).
// `vmdesk` is the bundled CLI (dist-electron/vmdesk.cjs, built first), as installed; its
// start-up time is printed on its own line. Image: ~60 % data (half random, half text),
// ~25 % written zeros, ~15 % holes. Figures only.
// usage: [BENCH_FORMATS=raw,qcow2,…] npx tsx test/bench/converter-throughput.ts [SIZE_MIB=1024] [RUNS=3] [LABEL=path/to/vmdesk.cjs]…
//   (extra LABEL=ENTRY arguments time other builds of vmdesk in the same run, e.g. before=…)
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SIZE = Number(process.argv[2] ?? 1024) << 20;
const RUNS = Number(process.argv[3] ?? 3);
const repo = path.resolve(import.meta.dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-bench-converter-'));
const raw = path.join(dir, 'src.raw');

/** Source formats: qemu-img's format name, how the image is made from the raw one, who reads it. */
const SOURCES = [
  { label: 'raw', format: 'raw', make: [] as string[], reader: 'vmdesk' },
  { label: 'qcow2', format: 'qcow2', make: ['-O', 'qcow2'], reader: 'vmdesk' },
  { label: 'qcow2 -c', format: 'qcow2', make: ['-c', '-O', 'qcow2'], reader: 'vmdesk' },
  { label: 'vdi', format: 'vdi', make: ['-O', 'vdi'], reader: 'qemu-img over NBD' },
  { label: 'vhd', format: 'vpc', make: ['-O', 'vpc', '-o', 'force_size=on'], reader: 'qemu-img over NBD' },
] as const;
type Source = (typeof SOURCES)[number];

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

/** CPU seconds (user + sys) of the children this process has waited for. */
function childCpu(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100; // cutime, cstime (fields 16, 17) in USER_HZ
}

interface Sample {
  wall: number;
  cpu: number;
}

function time(cmd: string, args: string[]): Sample {
  execFileSync('sync');
  const c0 = childCpu();
  const t0 = performance.now();
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return { wall: (performance.now() - t0) / 1000, cpu: childCpu() - c0 };
}

interface Contender {
  readonly label: string;
  readonly run: (src: string, fmt: string, i: number) => Sample;
}

function vmdeskContender(label: string, entry: string): Contender {
  return {
    label,
    run: (src, fmt, i) => {
      const to = path.join(dir, `${label}-${fmt.replace(/\W/g, '')}-${i}`);
      const s = time(process.execPath, [entry, 'convert', src, '--to', to]);
      fs.rmSync(to, { recursive: true, force: true });
      return s;
    },
  };
}

const qemu: Contender = {
  label: 'qemu-img',
  run: (src, fmt, i) => {
    const out = path.join(dir, `qemu-${i}.vmdk`);
    const s = time('qemu-img', ['convert', '-f', fmt, '-O', 'vmdk', src, out]);
    fs.rmSync(out, { force: true });
    return s;
  },
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  execFileSync(process.execPath, [path.join(repo, 'build', 'bundle.mjs')], { stdio: 'ignore' });
  const entry = path.join(repo, 'dist-electron', 'vmdesk.cjs');
  const contenders = [
    vmdeskContender('vmdesk', entry),
    ...process.argv.slice(4).map((a) => {
      const [label, p] = a.split('=') as [string, string];
      return vmdeskContender(label, path.resolve(p));
    }),
    qemu,
  ];
  makeSource();
  const only = process.env.BENCH_FORMATS?.split(',');
  const sources = SOURCES.filter((x) => !only || only.includes(x.label));
  const file = (x: Source): string => (x.label === 'raw' ? raw : path.join(dir, `src-${x.label.replace(/\W/g, '')}.${x.format}`));
  for (const x of sources) if (x.label !== 'raw') execFileSync('qemu-img', ['convert', ...x.make, raw, file(x)]);
  const mib = SIZE / (1 << 20);
  const startup = (args: string[]): string => `${median(Array.from({ length: 5 }, () => time(process.execPath, [entry, ...args]).cpu * 1000)).toFixed(0)} ms CPU`;
  console.log(`converter throughput, ${mib} MiB image, ${RUNS} interleaved runs; MiB of virtual disk per second (best wall time)`);
  console.log(`vmdesk start-up (bundled, median of 5): --version ${startup(['--version'])}, convert --help ${startup(['convert', '--help'])}`);
  for (const x of sources) {
    const src = file(x);
    const samples = new Map<string, Sample[]>(contenders.map((c) => [c.label, []]));
    // Each round starts with the next contender: a run's page-cache state depends on what the
    // run before it wrote and freed, so no contender always follows the same one.
    for (let i = 0; i < RUNS; i++) {
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(i + k) % contenders.length]!;
        samples.get(c.label)!.push(c.run(src, x.format, i));
      }
    }
    const bestQemu = Math.min(...samples.get('qemu-img')!.map((s) => s.wall));
    const medianQemu = median(samples.get('qemu-img')!.map((s) => s.wall));
    for (const c of contenders) {
      const s = samples.get(c.label)!;
      const best = Math.min(...s.map((v) => v.wall));
      const ratio = c === qemu ? '' : `   ${(bestQemu / best).toFixed(2)}x qemu-img (median ${(medianQemu / median(s.map((v) => v.wall))).toFixed(2)}x; source read by ${x.reader})`;
      console.log(
        `${x.label.padEnd(8)} -> thin VMDK  ${c.label.padEnd(9)} best ${best.toFixed(2)} s (${(mib / best).toFixed(0)} MiB/s)  median ${median(s.map((v) => v.wall)).toFixed(2)} s  cpu ${median(s.map((v) => v.cpu)).toFixed(2)} s${ratio}`,
      );
    }
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
