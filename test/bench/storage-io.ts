// Benchmark: sequential and random 4 KiB I/O through BlockBackend (sparse VMDK, flat VMDK,
// raw image) against plain positional file I/O on a raw file. Prints figures, asserts nothing.
// The files live in the OS page cache (this measures the format layer's cost, not the disk).
// usage: npx tsx test/bench/storage-io.ts [SIZE_MIB=256]
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lba } from '../../core/common';
import { type BlockBackend, createVmdk, RawBackend, VmdkDisk } from '../../core/storage';

const SIZE = Number(process.argv[2] ?? 256) << 20;
const OPS = SIZE / 4096;
// Under the checkout's ignored .cache/ (not /tmp, which other tools sweep); BENCH_DIR overrides.
const cacheDir = process.env.BENCH_DIR ?? path.join(import.meta.dirname, '..', '..', '.cache');
fs.mkdirSync(cacheDir, { recursive: true });
const dir = fs.mkdtempSync(path.join(cacheDir, 'bench-io-'));

/** Plain fs positional I/O on a raw file, shaped like a BlockBackend. */
function plainFile(file: string): BlockBackend {
  const fd = fs.openSync(file, 'r+');
  return {
    sectorCount: SIZE / 512,
    sizeBytes: SIZE,
    readOnly: false,
    readSectors: (lba, n, buf, off = 0) => void fs.readSync(fd, buf, off, n * 512, lba * 512),
    writeSectors: (lba, n, buf, off = 0) => void fs.writeSync(fd, buf, off, n * 512, lba * 512),
    flush: () => fs.fdatasyncSync(fd),
    discard: () => {},
    allocationRun: (_l, max) => ({ allocated: true, sectors: max }),
    dispose: () => fs.closeSync(fd),
  };
}

function randomOrder(n: number, seed: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

const order = randomOrder(OPS, 7);
const buf = new Uint8Array(4096);
for (let i = 0; i < buf.length; i++) buf[i] = (i * 31 + 7) & 0xff;

type Phase = 'seq write (new)' | 'seq read' | 'seq overwrite' | 'rand read' | 'rand write (new)' | 'rand overwrite';

/** MiB/s by wall clock, and by CPU time (user+sys): the second is steadier on a shared machine. */
function run(d: BlockBackend, phase: Phase): { wall: number; cpu: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const random = phase.startsWith('rand');
  const write = phase.includes('write');
  for (let i = 0; i < OPS; i++) {
    const block = random ? order[i]! : i;
    if (write) d.writeSectors((block * 8) as Lba, 8, buf, 0);
    else d.readSectors((block * 8) as Lba, 8, buf, 0);
  }
  const s = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cs = (c.user + c.system) / 1e6;
  return { wall: SIZE / (1 << 20) / s, cpu: SIZE / (1 << 20) / cs };
}

interface Target {
  name: string;
  make: () => BlockBackend; // a fresh, empty disk
}

const targets: Target[] = [
  {
    name: 'plain file (fs.readSync/writeSync)',
    make: () => {
      const f = path.join(dir, `plain-${Math.random()}.raw`);
      fs.writeFileSync(f, '');
      fs.truncateSync(f, SIZE);
      return plainFile(f);
    },
  },
  {
    name: 'RawBackend',
    make: () => RawBackend.create(path.join(dir, `raw-${Math.random()}.raw`), SIZE),
  },
  {
    name: 'VMDK monolithicFlat',
    make: () => {
      const f = path.join(dir, `flat-${Math.random()}.vmdk`);
      createVmdk(f, { sizeBytes: SIZE, subformat: 'monolithicFlat' });
      return VmdkDisk.open(f);
    },
  },
  {
    name: 'VMDK monolithicSparse',
    make: () => {
      const f = path.join(dir, `sparse-${Math.random()}.vmdk`);
      createVmdk(f, { sizeBytes: SIZE });
      return VmdkDisk.open(f);
    },
  },
  {
    name: 'VMDK vmfsSparse delta (COWD)',
    make: () => {
      const base = path.join(dir, `vbase-${Math.random()}.vmdk`);
      createVmdk(base, { sizeBytes: SIZE, subformat: 'vmfs' });
      const d = path.join(dir, `vdelta-${Math.random()}.vmdk`);
      const parent = VmdkDisk.open(base, { readOnly: true });
      createVmdk(d, { sizeBytes: SIZE, subformat: 'vmfsSparse', parent: { path: base, cid: parent.descriptor.cid } });
      parent.dispose();
      return VmdkDisk.open(d);
    },
  },
];

const phasesA: Phase[] = ['seq read', 'seq overwrite', 'rand read', 'rand overwrite'];
const REPS = Number(process.env.REPS ?? 3);
const results = new Map<string, Map<Phase, number>>();
const cpuResults = new Map<string, Map<Phase, number>>();
let current = '';
const best = (r: Map<Phase, number>, p: Phase, v: { wall: number; cpu: number }) => {
  r.set(p, Math.max(r.get(p) ?? 0, v.wall));
  const c = cpuResults.get(current)!;
  c.set(p, Math.max(c.get(p) ?? 0, v.cpu));
};
console.log(`storage-io: ${SIZE >> 20} MiB, 4 KiB blocks, ${OPS} ops per phase, best of ${REPS}, files in ${dir} (page cache)`);
for (const t of targets) {
  results.set(t.name, new Map());
  cpuResults.set(t.name, new Map());
}
// Repetitions interleave the targets so a noisy neighbour hurts all of them alike.
for (let rep = 0; rep < REPS; rep++) {
  // Rotate the order each repetition so no target always runs first (coldest, or most disturbed).
  for (const t of [...targets.slice(rep % targets.length), ...targets.slice(0, rep % targets.length)]) {
    const r = results.get(t.name)!;
    current = t.name;
    const d = t.make();
    best(r, 'seq write (new)', run(d, 'seq write (new)'));
    for (const p of phasesA) best(r, p, run(d, p));
    d.dispose();
    const fresh = t.make();
    best(r, 'rand write (new)', run(fresh, 'rand write (new)'));
    fresh.dispose();
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
  }
}
fs.rmSync(dir, { recursive: true, force: true });

const phases: Phase[] = ['seq write (new)', ...phasesA, 'rand write (new)'];
const w0 = Math.max(...targets.map((t) => t.name.length));
function table(title: string, res: Map<string, Map<Phase, number>>): void {
  const base = res.get(targets[0]!.name)!;
  console.log(`\n${title}`);
  console.log(`${'MiB/s (% of plain file)'.padEnd(w0)}  ${phases.map((p) => p.padStart(19)).join('')}`);
  for (const t of targets) {
    const r = res.get(t.name)!;
    const cells = phases.map((p) => {
      const v = r.get(p)!;
      return `${v.toFixed(0)} (${Math.round((v / base.get(p)!) * 100)}%)`.padStart(19);
    });
    console.log(`${t.name.padEnd(w0)}  ${cells.join('')}`);
  }
}
table('by wall clock:', results);
table('by CPU time (user+sys of this process; steadier when other work shares the cores):', cpuResults);
