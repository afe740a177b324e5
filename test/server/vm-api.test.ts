// The VM management API over a real WebSocket on a real HostAgent with a SQLite file and a
// datastore directory: create, register, reconfigure, rename, delete; power-on refused with
// the typed error of a build without VM execution; tasks, events and the inventory kept
// across a host restart; a corrupt .vmx or database refused with one clear line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResult, DatastoreListing, HostEvent, TaskInfo, VmInfo } from '../../core/api';
import { createHandlers, startWebServer, type RunningWebServer } from '../../core/server';
import { HostAgent } from '../../core/vmkernel';
import { TestWsClient } from './ws-client';

let dir: string;
let dsDir: string;
let host: HostAgent;
let server: RunningWebServer;
let client: TestWsClient;

async function startHost(): Promise<void> {
  host = new HostAgent({ version: '0.0.0-test', name: 'esx-test', statsIntervalMs: 60_000, datastores: [{ name: 'ds1', path: dsDir }], databaseFile: path.join(dir, 'host.sqlite') });
  server = await startWebServer({ host: '127.0.0.1', port: 0, rendererDir: dir, handlers: createHandlers(host), events: host.onEvent });
  client = await TestWsClient.open(server.url.replace('http:', 'ws:') + 'api');
}

async function stopHost(): Promise<void> {
  client.close();
  await server.close();
  host.dispose();
}

function data<T>(r: ApiResult<unknown>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-vmapi-'));
  dsDir = path.join(dir, 'ds1');
  fs.mkdirSync(dsDir);
  await startHost();
});

afterEach(async () => {
  await stopHost();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('VM inventory over the API', () => {
  it('creates a VM as DS/NAME/NAME.vmx with its companions and a VMDK that qemu-img accepts, and lists it', async () => {
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'web01', datastore: 'ds1', memoryMB: 512, disk: { sizeGB: 0.5 } }));
    expect(vm).toMatchObject({ name: 'web01', powerState: 'poweredOff', datastore: 'ds1', vmxPath: '[ds1] web01/web01.vmx' });
    expect(vm.hardware).toMatchObject({ memoryMB: 512, cpus: 1, boot: 'disk', disks: [{ slot: 'ide0:0', fileName: 'web01.vmdk', sizeBytes: 512 * 2 ** 20 }] });
    expect(fs.readdirSync(path.join(dsDir, 'web01')).sort()).toEqual(['vmware.log', 'web01.nvram', 'web01.vmdk', 'web01.vmx']);
    const vmx = fs.readFileSync(path.join(dsDir, 'web01', 'web01.vmx'), 'utf8');
    expect(vmx).toContain('displayName = "web01"');
    expect(vmx).toContain('memsize = "512"');
    expect(vmx).toContain('ide0:0.fileName = "web01.vmdk"');
    // Thin monolithicSparse: the VMDK takes (almost) no blocks, and its owner's tool checks it.
    const vmdk = path.join(dsDir, 'web01', 'web01.vmdk');
    expect(fs.statSync(vmdk).blocks * 512).toBeLessThan(1 << 20);
    const check = spawnSync('qemu-img', ['check', '-f', 'vmdk', vmdk], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const info = JSON.parse(spawnSync('qemu-img', ['info', '--output=json', vmdk], { encoding: 'utf8' }).stdout) as { 'virtual-size': number; format: string; 'format-specific'?: { data?: { 'create-type'?: string } } };
    expect(info).toMatchObject({ format: 'vmdk', 'virtual-size': 512 * 2 ** 20 });
    expect(info['format-specific']?.data?.['create-type']).toBe('monolithicSparse');

    const list = data<VmInfo[]>(await client.call('vm.list'));
    expect(list.map((v) => v.name)).toEqual(['web01']);
    const tree = data<{ hosts: { vms: unknown[] }[] }>(await client.call('inventory.tree'));
    expect(tree.hosts[0]!.vms).toEqual([{ id: vm.id, name: 'web01', powerState: 'poweredOff' }]);
    expect(client.events.some((e) => e.event === 'inventory.changed')).toBe(true);
  });

  it('creates a direct-kernel-boot VM without a disk', async () => {
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'tiny', datastore: 'ds1', memoryMB: 64, kernel: { kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img', append: 'console=ttyS0' } }));
    expect(vm.hardware).toMatchObject({ boot: 'kernel', disks: [], kernel: { kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img', append: 'console=ttyS0' } });
    expect(fs.readFileSync(path.join(dsDir, 'tiny', 'tiny.vmx'), 'utf8')).toContain('vmdesk.append = "console=ttyS0"');
  });

  it.each([
    [{ name: 'a/b', datastore: 'ds1', memoryMB: 64, disk: { sizeGB: 1 } }, 'bad-request', 'vm: name "a/b" must be 1-80 letters'],
    [{ name: 'x', datastore: 'nope', memoryMB: 64, disk: { sizeGB: 1 } }, 'not-found', 'datastore: this host has no datastore "nope" (it has: ds1)'],
    [{ name: 'x', datastore: 'ds1', memoryMB: 1, disk: { sizeGB: 1 } }, 'bad-request', 'vm: memoryMB must be a whole number from 4 to 3584, not 1'],
    [{ name: 'x', datastore: 'ds1', memoryMB: 64 }, 'bad-request', 'vm: boot "disk" needs a disk'],
    [{ name: 'x', datastore: 'ds1', memoryMB: 64, disk: { sizeGB: 1, provisioning: 'fat' } }, 'bad-request', 'vm: disk provisioning must be thin, thick or eagerzeroedthick, not "fat"'],
  ])('refuses a bad create spec with a typed, readable error: %j', async (spec, code, message) => {
    const r = await client.call('vm.create', spec);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message).toContain(message);
    }
    expect(fs.readdirSync(dsDir)).toEqual([]);
  });

  it('refuses a second VM of the same name, and a folder that already exists', async () => {
    data(await client.call('vm.create', { name: 'db', datastore: 'ds1', memoryMB: 64, cdrom: '/isos/debian.iso' }));
    const again = await client.call('vm.create', { name: 'DB', datastore: 'ds1', memoryMB: 64, cdrom: '/isos/debian.iso' });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict', message: 'vm: a virtual machine named "db" is already registered on this host' } });
    fs.mkdirSync(path.join(dsDir, 'leftover'));
    const clash = await client.call('vm.create', { name: 'leftover', datastore: 'ds1', memoryMB: 64, cdrom: '/isos/debian.iso' });
    expect(clash).toMatchObject({ ok: false, error: { code: 'conflict', message: 'vm: [ds1] leftover already exists; pick another name, or register the .vmx that is there' } });
  });

  it('reconfigures, renames and deletes with its files; unregister keeps them', async () => {
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'app', datastore: 'ds1', memoryMB: 128, disk: { sizeGB: 0.01 } }));
    const changed = data<VmInfo>(await client.call('vm.reconfigure', { id: vm.id, memoryMB: 256, cdrom: 'install.iso', cpuShares: 2000 }));
    expect(changed.hardware).toMatchObject({ memoryMB: 256, cdrom: 'install.iso', cpuShares: 2000, boot: 'disk' });
    const vmx = fs.readFileSync(path.join(dsDir, 'app', 'app.vmx'), 'utf8');
    expect(vmx).toContain('memsize = "256"');
    expect(vmx).toContain('ide1:0.fileName = "install.iso"');

    const renamed = data<VmInfo>(await client.call('vm.rename', { id: vm.id, name: 'app-prod' }));
    expect(renamed.name).toBe('app-prod');
    expect(fs.readFileSync(path.join(dsDir, 'app', 'app.vmx'), 'utf8')).toContain('displayName = "app-prod"');

    const other = data<VmInfo>(await client.call('vm.create', { name: 'keep', datastore: 'ds1', memoryMB: 64, cdrom: 'x.iso' }));
    expect(data(await client.call('vm.unregister', { id: other.id }))).toBeNull();
    expect(fs.existsSync(path.join(dsDir, 'keep', 'keep.vmx'))).toBe(true);

    expect(data(await client.call('vm.delete', { id: vm.id }))).toBeNull();
    expect(fs.existsSync(path.join(dsDir, 'app'))).toBe(false);
    expect(data<VmInfo[]>(await client.call('vm.list'))).toEqual([]);
    expect(await client.call('vm.get', { id: vm.id })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('registers an existing .vmx by datastore path or host path, once', async () => {
    fs.mkdirSync(path.join(dsDir, 'old'));
    fs.writeFileSync(path.join(dsDir, 'old', 'old.vmx'), '.encoding = "UTF-8"\ndisplayName = "Old VM"\nmemsize = "96"\nguestOS = "debian12"\n');
    const vm = data<VmInfo>(await client.call('vm.register', { path: '[ds1] old/old.vmx' }));
    expect(vm).toMatchObject({ name: 'Old VM', vmxPath: '[ds1] old/old.vmx', hardware: { memoryMB: 96, guestOS: 'debian12' } });
    expect(await client.call('vm.register', { path: path.join(dsDir, 'old', 'old.vmx') })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: 'vm: [ds1] old/old.vmx is already registered as "Old VM"' },
    });
    expect(await client.call('vm.register', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('/etc/passwd is not on any datastore of this host') } });
    expect(await client.call('vm.register', { path: '[ds1] ../../etc/x.vmx' })).toMatchObject({ ok: false, error: { message: 'datastore ds1: "../../etc/x.vmx" is outside the datastore' } });
  });

  it('refuses a corrupt .vmx with one line naming file and line, and keeps serving', async () => {
    fs.mkdirSync(path.join(dsDir, 'bad'));
    fs.writeFileSync(path.join(dsDir, 'bad', 'bad.vmx'), 'displayName = "bad"\nmemsize = 256 MB please\n');
    expect(await client.call('vm.register', { path: '[ds1] bad/bad.vmx' })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: '[ds1] bad/bad.vmx: line 2: expected key = "value", found "memsize = 256 MB please"' },
    });
    fs.writeFileSync(path.join(dsDir, 'bad', 'bin.vmx'), Buffer.from([0x4b, 0x44, 0x4d, 0x56, 0, 0, 0, 1]));
    expect(await client.call('vm.register', { path: '[ds1] bad/bin.vmx' })).toMatchObject({ ok: false, error: { message: '[ds1] bad/bin.vmx: this is not a .vmx text file (it holds NUL bytes)' } });
    expect(data<VmInfo[]>(await client.call('vm.list'))).toEqual([]);

    // A registered VM whose .vmx goes bad later stays listed, marked with the problem.
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'later', datastore: 'ds1', memoryMB: 64, cdrom: 'a.iso' }));
    fs.writeFileSync(path.join(dsDir, 'later', 'later.vmx'), 'displayName = "later"\nmemsize = "lots"\n');
    const listed = data<VmInfo[]>(await client.call('vm.list'));
    expect(listed).toMatchObject([{ id: vm.id, hardware: null, problem: '[ds1] later/later.vmx: memsize = "lots" must be a whole number from 4 to 3584' }]);
    expect((await client.call('host.info')).ok).toBe(true);
  });

  it('fails power-on with the typed error of a build without VM execution, as a failed task and an error event', async () => {
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'run', datastore: 'ds1', memoryMB: 64, cdrom: 'a.iso' }));
    const r = await client.call('vm.powerOn', { id: vm.id });
    expect(r).toEqual({ ok: false, error: { code: 'unavailable', message: 'host: this build cannot run VMs yet (the VM worker of core/vmm is not part of it); run stays powered off' } });
    expect(data<VmInfo>(await client.call('vm.get', { id: vm.id })).powerState).toBe('poweredOff');
    const tasks = data<TaskInfo[]>(await client.call('tasks.list', { targetId: vm.id }));
    expect(tasks[0]).toMatchObject({ name: 'Power On virtual machine', target: 'run', state: 'error', error: expect.stringContaining('cannot run VMs yet') });
    const events = data<HostEvent[]>(await client.call('events.list', { targetId: vm.id }));
    expect(events[0]).toMatchObject({ level: 'error', type: 'VmFailedToPowerOnEvent' });
    expect(await client.call('vm.powerOff', { id: vm.id })).toMatchObject({ ok: false, error: { code: 'conflict', message: 'vm run: is powered off' } });
    expect(await client.call('vm.consoleInput', { id: vm.id, data: 'aGk=' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(data(await client.call('vm.console', { id: vm.id }))).toEqual({ id: vm.id, data: '', offset: 0, end: 0, powerState: 'poweredOff' });
  });

  it('browses a datastore, never outside it', async () => {
    data(await client.call('vm.create', { name: 'files', datastore: 'ds1', memoryMB: 64, disk: { sizeGB: 0.01 } }));
    const root = data<DatastoreListing>(await client.call('datastore.browse', { datastore: 'ds1' }));
    expect(root.entries.map((e) => [e.name, e.kind])).toEqual([['files', 'folder']]);
    const folder = data<DatastoreListing>(await client.call('datastore.browse', { datastore: 'ds1', path: 'files' }));
    expect(folder.entries.map((e) => [e.name, e.kind])).toEqual([
      ['files.nvram', 'nvram'],
      ['files.vmdk', 'disk'],
      ['files.vmx', 'vmx'],
      ['vmware.log', 'log'],
    ]);
    expect(await client.call('datastore.browse', { datastore: 'ds1', path: '../..' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('keeps the inventory, tasks and events across a host restart', async () => {
    const vm = data<VmInfo>(await client.call('vm.create', { name: 'persist', datastore: 'ds1', memoryMB: 64, cdrom: 'a.iso' }));
    await client.call('vm.powerOn', { id: vm.id });
    await stopHost();
    await startHost();
    expect(data<VmInfo[]>(await client.call('vm.list'))).toMatchObject([{ id: vm.id, name: 'persist', powerState: 'poweredOff' }]);
    const tasks = data<TaskInfo[]>(await client.call('tasks.list'));
    expect(tasks.map((t) => [t.name, t.state])).toEqual([
      ['Power On virtual machine', 'error'],
      ['Create virtual machine', 'success'],
    ]);
    expect(tasks[1]!.result).toBe(vm.id);
    const events = data<HostEvent[]>(await client.call('events.list'));
    expect(events.map((e) => e.type)).toEqual(['VmFailedToPowerOnEvent', 'VmCreatedEvent']);
  });

  it('sends per-VM console and stats events only to subscribers', async () => {
    expect(await client.call('events.subscribe', { topics: ['console:vm-1', 'stats:vm-1'] })).toEqual({ ok: true, data: ['console:vm-1', 'stats:vm-1'] });
    expect(await client.call('events.subscribe', { topics: ['everything'] })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await client.call('events.unsubscribe', { topics: ['stats:vm-1'] })).toEqual({ ok: true, data: ['console:vm-1'] });
  });
});

describe('host database', () => {
  it('refuses a database file that is not SQLite with one clear line', () => {
    const file = path.join(dir, 'broken.sqlite');
    fs.writeFileSync(file, 'this is not a database, it is a text file '.repeat(200));
    expect(() => new HostAgent({ version: '0', datastores: [], databaseFile: file, statsIntervalMs: 60_000 })).toThrow(
      `host: cannot open the inventory database ${file}: the file is not an SQLite database; move it aside to start with an empty inventory`,
    );
  });
});
