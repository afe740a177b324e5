// A host killed with SIGKILL leaves its VM's .vmx lock behind, "held". Powering the VM on
// again from this machine under the same host id takes the lock at once (its pid is gone),
// not after the lease; a host with another id still waits the lease out and is refused
// while it lasts. Deleting the VM is refused while a live process holds its lock and allowed
// once that process was killed. Real processes: a `vmdesk serve` and a lock holder, both
// SIGKILLed, and a host agent in this process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, VmInfo } from '../../core/api';
import { inspectLock } from '../../core/storage';
import { HostAgent, WorkerVmRuntime } from '../../core/vmkernel';
import { TestWsClient } from '../server/ws-client';
import { startServe } from '../support/vmdesk-process';
import { assembleGuest } from '../support/test-guests';
import { bundleFixture } from '../storage/helpers';

/** Far longer than the test may take: only the dead-process rule lets the lock go early. */
const LEASE_MS = 120_000;
let dir: string;
let dsDir: string;
let guest: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-dead-holder-'));
  dsDir = path.join(dir, 'ds');
  fs.mkdirSync(dsDir);
  guest = assembleGuest('hello-serial', dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function data<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

function host(name: string, leaseMs = LEASE_MS) {
  const runtime = new WorkerVmRuntime({ hostId: name, leaseMs });
  const agent = new HostAgent({ version: '0', name, statsIntervalMs: 60_000, datastores: [{ name: 'ds', path: dsDir }], runtime });
  return { agent, runtime, dispose: () => (agent.dispose(), runtime.dispose()) };
}

describe('the lock of a VM whose host was killed', () => {
  it('is taken at once by the same host id on this machine, never by another host id, and does not block deleting the VM', async () => {
    const home = path.join(dir, 'home');
    fs.mkdirSync(home);
    const serve = await startServe(['--datastore', `ds=${dsDir}`], { VMDESK_HOME: home, VMDESK_HOST_NAME: 'esx-a', VMDESK_LEASE_MS: String(LEASE_MS) });
    const client = await TestWsClient.open(serve.url.replace(/^http/, 'ws').replace(/\/?$/, '/api'));
    const vmx = path.join(dsDir, 'lab', 'lab.vmx');
    try {
      const vm = data<VmInfo>(await client.call('vm.create', { name: 'lab', datastore: 'ds', memoryMB: 16, kernel: { kernel: guest } }));
      expect(data<VmInfo>(await client.call('vm.powerOn', { id: vm.id })).powerState).toBe('poweredOn');
      expect(inspectLock(vmx).record).toMatchObject({ host: 'esx-a', pid: serve.child.pid, state: 'held' });
    } finally {
      client.close();
      serve.child.kill('SIGKILL');
      await new Promise((r) => serve.child.once('exit', r));
    }
    const dead = inspectLock(vmx).record!;
    expect(dead.state).toBe('held'); // killed: nothing released it

    // A short lease of its own keeps its wait short; the holder's longer lease is what counts.
    const other = host('esx-b', 1000);
    try {
      const theirs = await other.agent.vms.register(vmx);
      // Another host id cannot see the pid: it watches the heartbeat and finds the lease still running.
      const refused = await other.agent.vms.powerOn(theirs.id).catch((e: unknown) => e);
      expect((refused as Error).message).toMatch(/^vm lab: \[ds\] lab\/lab\.vmx is locked by host esx-a \(pid \d+, since [^)]+\), which has it powered on/);
    } finally {
      other.dispose();
    }

    const same = host('esx-a');
    try {
      const mine = await same.agent.vms.register(vmx);
      expect((await same.agent.vms.powerOn(mine.id)).powerState).toBe('poweredOn');
      const now = inspectLock(vmx).record!;
      expect(now).toMatchObject({ host: 'esx-a', pid: process.pid, state: 'held' });
      // Taken well inside the dead holder's lease, without first watching its heartbeat for 0.6
      // of a lease as for a holder that may be alive (both times are this machine's clock).
      expect(Date.parse(now.acquiredAt) - Date.parse(dead.time)).toBeLessThan(LEASE_MS / 2);
      await same.agent.vms.powerOff(mine.id);
      expect(inspectLock(vmx).state).toBe('free');

      // Another process of this host takes the .vmx lock (as a second `vmdesk serve` would).
      const holder = spawn(process.execPath, [bundleFixture('lock-holder', dir), vmx, String(LEASE_MS), 'esx-a', 'hold'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const died = new Promise((r) => holder.once('exit', r));
      await new Promise<void>((resolve) => holder.stdout!.on('data', (d: Buffer) => d.toString().startsWith('acquired') && resolve()));
      await expect(same.agent.vms.delete(mine.id)).rejects.toThrow(/^vm lab: cannot delete it: it is powered on by host esx-a \(pid \d+\)/);
      holder.kill('SIGKILL');
      await died;
      await same.agent.vms.delete(mine.id);
      expect(fs.existsSync(path.dirname(vmx))).toBe(false);
    } finally {
      await same.runtime.powerOffAll();
      same.dispose();
    }
  }, 120_000);
});
