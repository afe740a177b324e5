// VMs really running under the host, driven through the API over a real WebSocket: a
// Multiboot guest powered on in its worker thread, its serial console read and typed into,
// powered off; the .vmx locked while it runs; a triple fault and a killed worker each
// reported and the VM marked off while the host keeps serving.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, type ApiResult, type ConsoleHistory, type HostEvent, type VmInfo } from '../../core/api';
import { createHandlers, startWebServer, type RunningWebServer } from '../../core/server';
import { inspectLock } from '../../core/storage';
import { HostAgent, WorkerVmRuntime } from '../../core/vmkernel';
import { assembleGuest } from '../support/test-guests';
import { TestWsClient } from './ws-client';

let guestDir: string;
let hello: string;
let faults: string;
let dir: string;
let dsDir: string;
let runtime: WorkerVmRuntime;
let host: HostAgent;
let server: RunningWebServer;
let client: TestWsClient;

function data<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

async function consoleText(id: string): Promise<string> {
  const h = data<ConsoleHistory>(await client.call('vm.console', { id }));
  return new TextDecoder().decode(base64ToBytes(h.data)!);
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const powerState = async (id: string) => data<VmInfo>(await client.call('vm.get', { id })).powerState;

beforeAll(() => {
  guestDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-rt-guests-'));
  hello = assembleGuest('hello-serial', guestDir);
  faults = assembleGuest('fault-loop-reset', guestDir);
});
afterAll(() => fs.rmSync(guestDir, { recursive: true, force: true }));

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-rtapi-'));
  dsDir = path.join(dir, 'ds1');
  fs.mkdirSync(dsDir);
  runtime = new WorkerVmRuntime({ hostId: 'esx-a', leaseMs: 2000 });
  host = new HostAgent({ version: '0', name: 'esx-a', statsIntervalMs: 200, datastores: [{ name: 'ds1', path: dsDir }], databaseFile: path.join(dir, 'host.sqlite'), runtime });
  server = await startWebServer({ host: '127.0.0.1', port: 0, rendererDir: dir, handlers: createHandlers(host), events: host.onEvent });
  client = await TestWsClient.open(server.url.replace('http:', 'ws:') + 'api');
});

afterEach(async () => {
  client.close();
  await server.close();
  await host.vms.powerOffAll();
  host.dispose();
  runtime.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('VMs running under the host, over the API', () => {
  it('powers on a Multiboot guest, reads its console, types into it, and holds its lock until power-off', async () => {
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'hello', datastore: 'ds1', memoryMB: 16, kernel: { kernel: hello } }));
    const on = data<VmInfo>(await client.call('vm.powerOn', { id: vm.id }));
    expect(on.powerState).toBe('poweredOn');
    const vmx = path.join(dsDir, 'hello', 'hello.vmx');
    expect(inspectLock(vmx)).toMatchObject({ state: 'held', record: { host: 'esx-a', pid: process.pid } });
    expect(await until('the greeting', async () => (await consoleText(vm.id)).includes('hello from the guest\n'))).toBe(true);
    // No newline: the guest echoes each key and powers off at the end of the line.
    data(await client.call('vm.consoleInput', { id: vm.id, data: bytesToBase64(new TextEncoder().encode('shout')) }));
    await until('the echo', async () => (await consoleText(vm.id)).includes('SHOUT'));
    // Its counters reach the stats: CPU time used, memory = guest RAM + the worker's own.
    // (A loaded host may sample before the worker's first report: wait for one that has it.)
    const stats = await until("a stats sample with the worker's report", () => host.vms.statsHistory(vm.id).find((s) => s.cpuPercent > 0));
    expect(stats.memoryUsedBytes).toBeGreaterThan(16 * 2 ** 20);
    const off = data<VmInfo>(await client.call('vm.powerOff', { id: vm.id }));
    expect(off.powerState).toBe('poweredOff');
    expect(inspectLock(vmx).state).toBe('free');
    const events = data<HostEvent[]>(await client.call('events.list'));
    expect(events.map((e) => e.type).slice(0, 2)).toEqual(['VmPoweredOffEvent', 'VmPoweredOnEvent']);
  });

  it('refuses a second host sharing the datastore, naming the holder, and lets it in after power-off', async () => {
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'shared', datastore: 'ds1', memoryMB: 16, kernel: { kernel: faults, append: 'l' } }));
    data(await client.call('vm.powerOn', { id: vm.id }));
    const otherRuntime = new WorkerVmRuntime({ hostId: 'esx-b', leaseMs: 2000 });
    const other = new HostAgent({ version: '0', name: 'esx-b', statsIntervalMs: 60_000, datastores: [{ name: 'ds1', path: dsDir }], runtime: otherRuntime });
    try {
      const theirs = await other.vms.register(path.join(dsDir, 'shared', 'shared.vmx'));
      await expect(other.vms.powerOn(theirs.id)).rejects.toThrow(/^vm shared: \[ds1\] shared\/shared\.vmx is locked by host esx-a \(pid \d+, since .+\), which has it powered on; power it off there first/);
      expect(other.events.list()[0]).toMatchObject({ type: 'VmFailedToPowerOnEvent', message: expect.stringContaining('locked by host esx-a') });
      await expect(other.vms.delete(theirs.id)).rejects.toThrow('vm shared: cannot delete it: it is powered on by host esx-a');
      data(await client.call('vm.powerOff', { id: vm.id }));
      expect((await other.vms.powerOn(theirs.id)).powerState).toBe('poweredOn');
      expect(inspectLock(path.join(dsDir, 'shared', 'shared.vmx')).record?.host).toBe('esx-b');
      const mine = await client.call('vm.powerOn', { id: vm.id });
      expect(mine).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('is locked by host esx-b') } });
      await other.vms.powerOff(theirs.id);
    } finally {
      await other.vms.powerOffAll();
      other.dispose();
      otherRuntime.dispose();
    }
  });

  it('reports a triple fault and marks the VM off; the host keeps serving', async () => {
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'tf', datastore: 'ds1', memoryMB: 16, kernel: { kernel: faults, append: 't' } }));
    await client.call('vm.powerOn', { id: vm.id });
    await until('the VM to be marked off', async () => (await powerState(vm.id)) === 'poweredOff');
    const events = data<HostEvent[]>(await client.call('events.list'));
    expect(events.find((e) => e.type === 'VmDiedEvent')?.message).toMatch(/^tf on esx-a is powered off: triple fault: the guest triple-faulted; its CPU shut down at EIP [0-9a-f]{8}$/);
    expect(inspectLock(path.join(dsDir, 'tf', 'tf.vmx')).state).toBe('free');
  });

  it('survives a killed VM worker: that VM is reported off, another keeps running, the API answers', async () => {
    const a = data<VmInfo>(await client.call('vm.create', { name: 'victim', datastore: 'ds1', memoryMB: 16, kernel: { kernel: faults, append: 'l' } }));
    const b = data<VmInfo>(await client.call('vm.create', { name: 'bystander', datastore: 'ds1', memoryMB: 16, kernel: { kernel: hello } }));
    data(await client.call('vm.powerOn', { id: a.id }));
    data(await client.call('vm.powerOn', { id: b.id }));
    runtime.vm(a.id)!.thread.terminate();
    await until('the victim to be marked off', async () => (await powerState(a.id)) === 'poweredOff');
    const died = data<HostEvent[]>(await client.call('events.list')).find((e) => e.type === 'VmDiedEvent');
    expect(died?.message).toBe("victim on esx-a is powered off: its worker failed: vmm: the VM's worker ended unexpectedly (exit code 1)");
    expect(await powerState(b.id)).toBe('poweredOn');
    data(await client.call('vm.consoleInput', { id: b.id, data: bytesToBase64(new TextEncoder().encode('still here')) }));
    await until('the bystander to answer', async () => (await consoleText(b.id)).includes('STILL HERE'));
    // The victim can be powered on again: its lock and scheduler slot were given back.
    expect(data<VmInfo>(await client.call('vm.powerOn', { id: a.id })).powerState).toBe('poweredOn');
  });

  it('refuses a VM whose kernel file or disk is missing, in one line', async () => {
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'nokernel', datastore: 'ds1', memoryMB: 16, kernel: { kernel: path.join(dir, 'missing.bin') } }));
    expect(await client.call('vm.powerOn', { id: vm.id })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: `vm nokernel: vmdesk.kernel = "${path.join(dir, 'missing.bin')}": cannot read ${path.join(dir, 'missing.bin')}: no such file` },
    });
    // A disk-boot VM whose disk is gone: one line naming the .vmx key and the file.
    const disk = data<VmInfo>(await client.call('vm.create', { name: 'diskboot', datastore: 'ds1', memoryMB: 16, disk: { sizeGB: 0.01 } }));
    fs.rmSync(path.join(dsDir, 'diskboot', 'diskboot.vmdk'));
    expect(await client.call('vm.powerOn', { id: disk.id })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: `vm diskboot: ide0:0.fileName = "diskboot.vmdk": cannot open the disk ${path.join(dsDir, 'diskboot', 'diskboot.vmdk')}: no such file` },
    });
  });
});
