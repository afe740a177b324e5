// Host memory per idle VM beyond its guest RAM (target: under 16 MiB; Firecracker's bar is
// 5 MiB). Powers on N VMs of 64 MB through the host agent, whose guest halts at once with
// interrupts on (test/cli/guests/hello-serial.asm with "i"), and prints the host process's
// resident memory per VM: RSS with N-1 more VMs minus RSS with one (so one-time costs such as
// the worker bundle read from disk are not counted), divided by N-1, sampled once a second
// over a window once every guest sleeps. The window matters: V8 shrinks an idle worker's heap
// ~8 s and ~16 s after it starts, and garbage then grows the young generation again to its
// limit, so the figure is a sawtooth; the mean, peak and the samples are printed. Untouched
// guest RAM is not resident, so the growth is the overhead plus the few guest pages the
// kernel image fills.
//
// Then the breakdown, each stage in a fresh process run beside the main one on the same
// schedule: an empty Node worker thread (the floor of any worker), one that loads the VM
// code and builds nothing, a VM built but not started; and what one idle VM's worker holds
// by V8's account (VmThread.memoryReport). The idle VMs' CPU use while asleep is shown too,
// measured after the stage processes are done. Stage figures move by a MiB or two between
// runs (when V8 shrinks each process's workers differs): read them as rough shares.
//   npx tsx test/bench/host-idle-memory.ts [N] [--bundle] [--window S] [--warmup S]
//   (node --expose-gc --import tsx … lets it collect garbage before each sample)
//   --bundle: start the bundled worker (dist-electron/workers/vm.cjs, `npm run build:bundles`),
//   as the packaged app does, instead of the TypeScript sources through tsx.
//   --window: seconds of samples (default 30); --warmup: seconds the first VM runs alone (25).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { HostAgent, WorkerVmRuntime } from '../../core/vmkernel';
import { VmThread, type WorkerMemoryReport } from '../../core/vmm';
import { assembleGuest } from '../support/test-guests';

const MB = 2 ** 20;
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const windowS = option('--window', 30);
const warmupS = option('--warmup', 25);
const n = Number(args.find((a, i) => /^\d+$/.test(a) && !['--window', '--warmup'].includes(args[i - 1] ?? '')) ?? 6);
const bundled = args.includes('--bundle');
const stage = args.includes('--stage') ? args[args.indexOf('--stage') + 1]! : undefined;
const here = fileURLToPath(import.meta.url);
const bundleDir = path.resolve(path.dirname(here), '..', '..', 'dist-electron');
if (!(n >= 2) || !(windowS >= 1) || !(warmupS >= 0)) throw new Error('host-idle-memory: N must be at least 2, --window at least 1 s, --warmup not negative');
if (bundled) {
  if (!fs.existsSync(path.join(bundleDir, 'workers', 'vm.cjs'))) throw new Error('host-idle-memory: no dist-electron/workers/vm.cjs; run `npm run build:bundles` first');
  globalThis.__vmdeskBundleDir = bundleDir;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function rss(): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(100);
  return process.memoryUsage().rss;
}
const mib = (bytes: number) => `${(bytes / MB).toFixed(1)} MiB`;

interface StageResult {
  /** RSS growth per thing, one sample a second over the window. */
  readonly perVm: number[];
  readonly before: number;
  readonly after: number;
}
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** RSS growth per thing for N-1 things made after a first one (which runs alone for the warm-up). */
async function measure(make: () => Promise<{ dispose(): Promise<void> | void }>, settle: () => Promise<void>): Promise<StageResult> {
  const things = [await make()];
  await settle();
  await sleep(warmupS * 1000);
  const before = await rss();
  for (let i = 1; i < n; i++) things.push(await make());
  await settle();
  const perVm: number[] = [];
  let after = before;
  for (let t = 0; t < windowS; t++) {
    await sleep(900);
    after = await rss();
    perVm.push((after - before) / (n - 1));
  }
  await Promise.all(things.map((t) => t.dispose()));
  return { perVm, before, after };
}

function idleWorker(code: string): Promise<{ dispose(): Promise<void> }> {
  const w = new Worker(`${code}\nsetInterval(() => {}, 1 << 30);`, { eval: true, execArgv: [], workerData: { payload: undefined } });
  return new Promise((resolve, reject) => {
    w.once('online', () => resolve({ dispose: async () => void (await w.terminate()) }));
    w.once('error', reject);
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-bench-mem-'));
const guest = assembleGuest('hello-serial', dir);
const guestSpec = () => ({ memoryMB: 64, kernel: { name: 'hello-serial.bin', data: new Uint8Array(fs.readFileSync(guest)) }, cmdline: 'i', debugExit: false, noReboot: false, apic: true });

async function runStage(name: string): Promise<StageResult> {
  switch (name) {
    case 'empty-worker':
      return measure(() => idleWorker(''), () => sleep(1000));
    case 'code-loaded':
      // The VM worker's bundle, required with no payload: its code loads and it builds nothing.
      return measure(() => idleWorker(`try { require(${JSON.stringify(path.join(bundleDir, 'workers', 'vm.cjs'))}); } catch {}`), () => sleep(1000));
    case 'built':
      return measure(async () => {
        const vm = new VmThread(guestSpec());
        await new Promise<void>((resolve, reject) => {
          const sub = vm.onState((s) => s === 'created' && (sub.dispose(), resolve()));
          void vm.exited.then((r) => reject(new Error(`host-idle-memory: the VM did not build: ${JSON.stringify(r)}`)));
        });
        return { dispose: () => vm.dispose() };
      }, () => sleep(1000));
    default:
      throw new Error(`host-idle-memory: unknown stage ${name}`);
  }
}

/** Runs `stage` in a fresh process (its own heap and malloc arenas) and returns its figures. */
function stageInChild(name: string): Promise<StageResult> {
  const argv = [...process.execArgv, here, String(n), ...(bundled ? ['--bundle'] : []), '--window', String(windowS), '--warmup', String(warmupS), '--stage', name];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { encoding: 'utf8' }, (err, out, errOut) => {
      const line = out.split('\n').find((l) => l.startsWith('STAGE '));
      if (err || !line) return reject(new Error(`host-idle-memory: stage ${name} failed: ${err?.message ?? ''}\n${out}${errOut}`));
      resolve(JSON.parse(line.slice(6)) as StageResult);
    });
  });
}

/** The idle VMs' figures; their CPU use is measured once `quiet` settles (the stage processes are done). */
async function idleVms(quiet: Promise<unknown>): Promise<{ result: StageResult; report: WorkerMemoryReport; cpuPerVmPct: number; haltedPct: number }> {
  const runtime = new WorkerVmRuntime({ hostId: 'bench' });
  const host = new HostAgent({ version: '0', name: 'bench', statsIntervalMs: 60_000, datastores: [{ name: 'ds', path: dir }], runtime });
  const ids: string[] = [];
  try {
    for (let i = 0; i < n; i++) ids.push((await host.vms.create({ name: `idle${i}`, datastore: 'ds', memoryMB: 64, kernel: { kernel: guest, append: 'i' } })).id);
    const running = () => ids.map((id) => runtime.vm(id)).filter((v) => v !== undefined);
    // Settled: every running guest's halted time grew by most of one second.
    const settle = async () => {
      for (let tries = 0; tries < 30; tries++) {
        const a = running().map((v) => v.workerStats.haltedMs);
        await sleep(1000);
        const b = running().map((v) => v.workerStats.haltedMs);
        if (b.every((h, i) => h - a[i]! > 800)) return;
      }
      throw new Error('host-idle-memory: the guests did not settle into halt within 30 s');
    };
    let next = 0;
    const result = await measure(async () => {
      await host.vms.powerOn(ids[next++]!);
      return { dispose: () => {} };
    }, settle);
    await quiet.catch(() => {});
    const vms = running();
    const t0 = performance.now();
    const a = vms.map((v) => ({ ...v.workerStats }));
    await sleep(5000);
    const wall = performance.now() - t0;
    const cpu = vms.reduce((sum, v, i) => sum + v.workerStats.cpuMs - a[i]!.cpuMs, 0) / vms.length;
    const halted = vms.reduce((sum, v, i) => sum + v.workerStats.haltedMs - a[i]!.haltedMs, 0) / vms.length;
    const report = await vms[1]!.thread.memoryReport();
    return { result, report, cpuPerVmPct: (100 * cpu) / wall, haltedPct: (100 * halted) / wall };
  } finally {
    await host.vms.powerOffAll();
    host.dispose();
    runtime.dispose();
  }
}

try {
  if (stage) {
    console.log(`STAGE ${JSON.stringify(await runStage(stage))}`);
  } else {
    const stages = Promise.all([stageInChild('empty-worker'), bundled ? stageInChild('code-loaded') : undefined, stageInChild('built')]);
    const idle = await idleVms(stages);
    const [empty, code, built] = await stages;
    const { result: r, report } = idle;
    const per = r.perVm;
    console.log(`host-idle-memory: ${n} idle VMs of 64 MB, workers from ${bundled ? 'the bundle' : 'TypeScript sources (tsx)'}; ${windowS} s window after ${warmupS} s of warm-up`);
    console.log(
      `  host resident memory per idle VM beyond guest RAM: ${mib(mean(per))} mean, ${mib(Math.max(...per))} peak  (target < 16 MiB; RSS ${mib(r.before)} → ${mib(r.after)} for ${n - 1} VMs)`,
    );
    console.log(`  per second (MiB): ${per.map((x) => (x / MB).toFixed(1)).join(' ')}`);
    console.log(`  idle VMs: ${idle.cpuPerVmPct.toFixed(2)} % of a core each, asleep ${idle.haltedPct.toFixed(0)} % of the time`);
    console.log('  breakdown per VM (mean RSS growth over the same window, each stage in a fresh process):');
    console.log(`    an empty Node worker thread (isolate, Node bootstrap, thread)   ${mib(mean(empty.perVm))}`);
    if (code) console.log(`    + the VM code loaded (bundle parsed, modules initialised)     + ${mib(mean(code.perVm) - mean(empty.perVm))}`);
    else console.log('    + the VM code loaded: measured with --bundle only');
    console.log(`    + the machine built (CPU, devices, guest kernel loaded)       + ${mib(mean(built.perVm) - mean((code ?? empty).perVm))}${code ? '' : ' (with tsx and the sources)'}`);
    console.log(`    + powered on by the host and idle                             + ${mib(mean(per) - mean(built.perVm))}`);
    console.log(
      `  inside one idle VM's worker, by V8's account: young generation ${mib(report.youngBytes)}, old space ${mib(report.oldBytes)}, code ${mib(report.codeBytes)}, ` +
        `large objects (source text) ${mib(report.largeObjectBytes)}, other heap ${mib(report.otherHeapBytes)}, malloc ${mib(report.mallocedBytes)}; ` +
        `array buffers allocated ${mib(report.arrayBufferBytes)} (the TLB and decoded-instruction cache among them, resident only where touched)`,
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
