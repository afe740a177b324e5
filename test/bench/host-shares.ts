// Two busy VMs at 2:1 CPU shares (sched.cpu.shares 2000 and 1000) on a host that offers VMs
// one core: prints the CPU time each worker thread got and the split (target ~2:1). The
// guests are the Multiboot spinner of test/cli/guests/fault-loop-reset.asm ("l").
//   npx tsx test/bench/host-shares.ts [seconds]   (default 20)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CpuScheduler, HostAgent, WorkerVmRuntime } from '../../core/vmkernel';
import { assembleGuest } from '../support/test-guests';

const seconds = Number(process.argv[2] ?? 20);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-bench-shares-'));
const spinner = assembleGuest('fault-loop-reset', dir);
const scheduler = new CpuScheduler({ capacityMHz: 2000 });
const runtime = new WorkerVmRuntime({ hostId: 'bench', scheduler });
const host = new HostAgent({ version: '0', name: 'bench', statsIntervalMs: 60_000, datastores: [{ name: 'ds', path: dir }], runtime });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  const vms: { id: string; name: string; shares: number }[] = [];
  for (const [name, shares] of [['high', 2000], ['normal', 1000]] as const) {
    const vm = await host.vms.create({ name, datastore: 'ds', memoryMB: 16, kernel: { kernel: spinner, append: 'l' } });
    await host.vms.reconfigure({ id: vm.id, cpuShares: shares });
    vms.push({ id: vm.id, name, shares });
  }
  for (const vm of vms) await host.vms.powerOn(vm.id);
  await sleep(3000); // let the scheduler settle
  const stat = () => vms.map((v) => ({ ...runtime.vm(v.id)!.workerStats }));
  const t0 = performance.now();
  const a = stat();
  await sleep(seconds * 1000);
  const b = stat();
  const wall = performance.now() - t0;
  const cpu = vms.map((_, i) => b[i]!.cpuMs - a[i]!.cpuMs);
  const insns = vms.map((_, i) => b[i]!.instructions - a[i]!.instructions);
  console.log(`host-shares: ${vms.length} busy VMs, capacity 1 core (2000 MHz), ${(wall / 1000).toFixed(1)} s measured, ${os.availableParallelism()} host cores`);
  vms.forEach((v, i) => {
    const alloc = scheduler.allocations().find((x) => x.id === v.id);
    console.log(
      `  ${v.name.padEnd(7)} shares ${String(v.shares).padStart(4)}: CPU ${(cpu[i]! / 1000).toFixed(2)} s = ${((cpu[i]! / wall) * 100).toFixed(1)} % of a core, ${(insns[i]! / 1e6).toFixed(1)} M instructions, allocation now ${Math.round(alloc?.allocationMHz ?? 0)} MHz`,
    );
  });
  console.log(`  split (CPU time): ${(cpu[0]! / cpu[1]!).toFixed(2)} : 1   split (instructions): ${(insns[0]! / insns[1]!).toFixed(2)} : 1   (target 2 : 1)`);
} finally {
  await host.vms.powerOffAll();
  host.dispose();
  runtime.dispose();
  scheduler.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
}
