// Two real `vmdesk serve` processes sharing one datastore, driven over their WebSockets: the
// host that powers a VM on holds the lock of its .vmx; the other is refused that VM with a
// message naming the holder; `vmdesk vm console` attaches to the running VM's serial port;
// when the holder dies (SIGKILL) its lock is broken only after the lease, and the other host
// powers the VM on. The console also ends by itself when the VM powers off.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, VmInfo } from '../../core/api';
import { inspectLock } from '../../core/storage';
import { REPO, startServe, type VmdeskProcess } from '../support/vmdesk-process';
import { assembleGuest } from '../support/test-guests';
import { TestWsClient } from './ws-client';

const LEASE_MS = 1500;
let dir: string;
let dsDir: string;
let guest: string;
let a: VmdeskProcess;
let b: VmdeskProcess;
let ca: TestWsClient;
let cb: TestWsClient;

function data<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

const wsUrl = (p: VmdeskProcess) => p.url.replace(/^http/, 'ws').replace(/\/?$/, '/api');

async function serve(name: string): Promise<VmdeskProcess> {
  const home = path.join(dir, `home-${name}`);
  fs.mkdirSync(home);
  return startServe(['--datastore', `shared=${dsDir}`], { VMDESK_HOME: home, VMDESK_HOST_NAME: name, VMDESK_LEASE_MS: String(LEASE_MS) });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-two-hosts-'));
  dsDir = path.join(dir, 'shared');
  fs.mkdirSync(dsDir);
  guest = assembleGuest('hello-serial', dir);
  [a, b] = await Promise.all([serve('esx-a'), serve('esx-b')]);
  [ca, cb] = await Promise.all([TestWsClient.open(wsUrl(a)), TestWsClient.open(wsUrl(b))]);
});

afterAll(async () => {
  ca?.close();
  cb?.close();
  // A was killed on purpose (its `exit` has fired; stop() would wait for another).
  await Promise.all([a && a.child.signalCode === null ? a.stop() : undefined, b?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('two hosts sharing a datastore', () => {
  it('refuses the second host, attaches a console, and breaks a dead host’s lock after its lease', async () => {
    const vm = data<VmInfo>(await ca.call('vm.create', { name: 'shared-vm', datastore: 'shared', memoryMB: 16, kernel: { kernel: guest } }));
    expect(data<VmInfo>(await ca.call('vm.powerOn', { id: vm.id })).powerState).toBe('poweredOn');
    const vmx = path.join(dsDir, 'shared-vm', 'shared-vm.vmx');
    expect(inspectLock(vmx).record).toMatchObject({ host: 'esx-a', pid: a.child.pid });

    const theirs = data<VmInfo>(await cb.call('vm.register', { path: vmx }));
    const refused = await cb.call('vm.powerOn', { id: theirs.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(!refused.ok && refused.error.message).toMatch(
      new RegExp(`^vm shared-vm: \\[shared\\] shared-vm/shared-vm\\.vmx is locked by host esx-a \\(pid ${a.child.pid}, since [^)]+\\), which has it powered on; power it off there first`),
    );

    // `vmdesk vm console` against host A: what is typed reaches the guest, its answer comes back; Ctrl-] detaches.
    const attach = () => {
      const child = spawn(process.execPath, [path.join(REPO, 'bin', 'vmdesk.mjs'), 'vm', 'console', 'shared-vm', '--server', a.url], { stdio: ['pipe', 'pipe', 'pipe'] });
      const io = { child, out: '', err: '', code: new Promise<number | null>((r) => child.once('close', r)) }; // 'close': after stdout/stderr are drained
      child.stdout.on('data', (d) => (io.out += d));
      child.stderr.on('data', (d) => (io.err += d));
      return io;
    };
    const first = attach();
    await expect.poll(() => first.err, { timeout: 30_000 }).toContain('attached to shared-vm');
    expect(first.out).toContain('hello from the guest\n');
    // No newline: the guest echoes each key and would leave (power off) at the end of the line.
    first.child.stdin.write('two hosts');
    await expect.poll(() => first.out, { timeout: 30_000 }).toContain('TWO HOSTS');
    first.child.stdin.write('\x1d');
    expect(await first.code).toBe(0);
    expect(first.err).toContain('vm console: detached');

    // Attached again, the console ends by itself when the VM powers off.
    const second = attach();
    await expect.poll(() => second.err, { timeout: 30_000 }).toContain('attached to shared-vm');
    data(await ca.call('vm.powerOff', { id: vm.id }));
    expect(await second.code).toBe(0);
    expect(second.err).toContain('vm console: shared-vm is powered off');
    expect(data<VmInfo>(await ca.call('vm.powerOn', { id: vm.id })).powerState).toBe('poweredOn');

    // Host A dies without releasing: B waits out the lease, then takes the lock.
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    const taken = await cb.call('vm.powerOn', { id: theirs.id });
    expect(taken).toMatchObject({ ok: true, data: { powerState: 'poweredOn' } });
    expect(inspectLock(vmx).record).toMatchObject({ host: 'esx-b', pid: b.child.pid });
    expect(data<VmInfo>(await cb.call('vm.powerOff', { id: theirs.id })).powerState).toBe('poweredOff');
    expect(inspectLock(vmx).state).toBe('free');
  });
});
