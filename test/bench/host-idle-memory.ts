// Host memory per idle VM beyond its guest RAM (target: under 16 MiB). Powers on N VMs of
// 64 MB whose guest halts at once (test/cli/guests/hello-serial.asm with "i"), lets them
// settle, and prints the host process's resident memory per VM, and each worker's own
// memory (V8 heap, malloc, external) as it reports it. Untouched guest RAM is not resident,
// so the resident growth is the overhead plus the few guest pages the kernel image fills.
//   npx tsx test/bench/host-idle-memory.ts [N] [--bundle]
//   --bundle: start the bundled worker (dist-electron/workers/vm.cjs, `npm run build:bundles`),
//   as the packaged app does, instead of the TypeScript sources through tsx.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostAgent, WorkerVmRuntime } from '../../core/vmkernel';
import { assembleGuest } from '../support/test-guests';

const args = process.argv.slice(2);
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 4);
if (args.includes('--bundle')) {
  const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'dist-electron');
  if (!fs.existsSync(path.join(dir, 'workers', 'vm.cjs'))) throw new Error('host-idle-memory: no dist-electron/workers/vm.cjs; run `npm run build:bundles` first');
  globalThis.__vmdeskBundleDir = dir;
}
const MB = 2 ** 20;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-bench-mem-'));
const guest = assembleGuest('hello-serial', dir);
const runtime = new WorkerVmRuntime({ hostId: 'bench' });
const host = new HostAgent({ version: '0', name: 'bench', statsIntervalMs: 60_000, datastores: [{ name: 'ds', path: dir }], runtime });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rss = async () => {
  (globalThis as { gc?: () => void }).gc?.();
  await sleep(200);
  return process.memoryUsage().rss;
};

try {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await host.vms.create({ name: `idle${i}`, datastore: 'ds', memoryMB: 64, kernel: { kernel: guest, append: 'i' } })).id);
  // One VM first, so the host's own one-time costs (worker bootstrap code) are not counted.
  await host.vms.powerOn(ids[0]!);
  await sleep(3000);
  const before = await rss();
  for (const id of ids.slice(1)) await host.vms.powerOn(id);
  await sleep(5000);
  const after = await rss();
  const perVm = (after - before) / (n - 1);
  const heaps = ids.map((id) => runtime.vm(id)!.workerStats.heapBytes);
  const idle = ids.map((id) => runtime.vm(id)!.workerStats.haltedMs);
  console.log(`host-idle-memory: ${n} idle VMs of 64 MB, workers from ${args.includes('--bundle') ? 'the bundle' : 'TypeScript sources (tsx)'}`);
  console.log(`  host resident memory per idle VM beyond guest RAM: ${(perVm / MB).toFixed(1)} MiB  (target < 16 MiB; RSS ${(before / MB).toFixed(0)} → ${(after / MB).toFixed(0)} MiB for ${n - 1} VMs)`);
  console.log(`  worker's own memory as it reports it: ${heaps.map((h) => (h / MB).toFixed(1)).join(', ')} MiB`);
  console.log(`  guests halted: ${idle.map((h) => (h / 1000).toFixed(1)).join(', ')} s asleep`);
} finally {
  await host.vms.powerOffAll();
  host.dispose();
  runtime.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
}
