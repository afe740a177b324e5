// Datastores: VMware's per-VM layout, browse, capacity, upload/download, delete refused while
// a lease lock is held.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVmdk, Datastore, LockedError } from '../../core/storage';
import { UsageError as CommonUsageError } from '../../core/common';
import { pattern, tempDir } from './helpers';

let dir: string;
beforeAll(() => {
  dir = tempDir('ds');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('Datastore', () => {
  it('lays out a VM folder as VMware does and browses it with file roles', () => {
    const ds = Datastore.open('datastore1', path.join(dir, 'ds1'), { create: true });
    const vm = ds.createVmFolder('web01');
    expect(path.basename(vm.vmx)).toBe('web01.vmx');
    fs.writeFileSync(vm.vmx, 'displayName = "web01"\n');
    createVmdk(vm.vmdk, { sizeBytes: 8 << 20, subformat: 'monolithicFlat' });
    fs.writeFileSync(vm.nvram, new Uint8Array(8192));
    fs.writeFileSync(vm.vmsd, '');
    fs.writeFileSync(vm.log, 'log\n');
    fs.writeFileSync(path.join(vm.folder, 'web01-3f2a.vswp'), '');
    expect(ds.vms()).toEqual(['web01']);
    const entries = ds.browse('web01');
    const roles = Object.fromEntries(entries.map((e) => [e.name, e.role]));
    expect(roles).toEqual({
      'vmware.log': 'log',
      'web01-3f2a.vswp': 'swap',
      'web01-flat.vmdk': 'extent',
      'web01.nvram': 'nvram',
      'web01.vmdk': 'descriptor',
      'web01.vmsd': 'vmsd',
      'web01.vmx': 'vmx',
    });
    expect(entries.find((e) => e.name === 'web01-flat.vmdk')?.size).toBe(8 << 20);
    expect(ds.browse()).toMatchObject([{ name: 'web01', kind: 'folder', locked: false }]);
  });

  it('reports capacity and free space of the file system under it', () => {
    const ds = Datastore.open('datastore1', path.join(dir, 'ds1'));
    const c = ds.capacity();
    const s = fs.statfsSync(dir);
    expect(c.capacityBytes).toBe(s.blocks * s.bsize);
    expect(c.freeBytes).toBeGreaterThan(0);
    expect(c.freeBytes).toBeLessThanOrEqual(c.capacityBytes);
  });

  it('uploads and downloads files with progress', async () => {
    const ds = Datastore.open('datastore1', path.join(dir, 'ds1'));
    const local = path.join(dir, 'iso.bin');
    const data = pattern(3 << 20, 4);
    fs.writeFileSync(local, data);
    const seen: number[] = [];
    await ds.upload(local, 'web01/install.iso', (done) => seen.push(done));
    expect(seen[seen.length - 1]).toBe(3 << 20);
    expect(ds.browse('web01').find((e) => e.name === 'install.iso')?.size).toBe(3 << 20);
    const back = path.join(dir, 'back.bin');
    await ds.download('[datastore1] web01/install.iso', back);
    expect(Buffer.compare(fs.readFileSync(back), Buffer.from(data))).toBe(0);
  });

  it('refuses to delete a locked disk or a folder holding one, allows it after release', async () => {
    const ds = Datastore.open('datastore1', path.join(dir, 'ds1'), { leaseMs: 2000, hostId: 'esx-01' });
    const lock = await ds.lock('web01/web01.vmdk');
    expect(ds.browse('web01').find((e) => e.name === 'web01.vmdk')?.locked).toBe(true);
    expect(ds.browse()[0]!.locked).toBe(true);
    expect(() => ds.delete('web01/web01.vmdk')).toThrow(LockedError);
    expect(() => ds.delete('web01')).toThrow(/datastore datastore1: cannot delete web01: web01\/web01\.vmdk is locked by host esx-01 \(pid \d+\)/);
    lock.release();
    ds.delete('web01/install.iso');
    ds.delete('web01');
    expect(ds.browse()).toEqual([]);
  });

  it('a lock left by a dead holder blocks delete until its lease ran out, then it is broken', async () => {
    const ds = Datastore.open('datastore1', path.join(dir, 'ds1'), { leaseMs: 300, hostId: 'esx-02' });
    const vm = ds.createVmFolder('db01');
    createVmdk(vm.vmdk, { sizeBytes: 1 << 20 });
    // What a host that crashed while holding the disk leaves behind: a "held" record that
    // nobody renews any more.
    const lck = `${vm.vmdk}.lck`;
    fs.mkdirSync(lck);
    const record = { host: 'esx-dead', pid: 4242, owner: 'esx-dead:4242:x', leaseMs: 300, heartbeat: 17, state: 'held', time: '', acquiredAt: '' };
    fs.writeFileSync(path.join(lck, 'gen-000000000005'), JSON.stringify(record));
    expect(() => ds.delete('db01')).toThrow(/locked by host esx-dead/);
    await ds.deleteBreakingStaleLocks('db01');
    expect(fs.existsSync(vm.folder)).toBe(false);
  });

  it('refuses paths outside the datastore', () => {
    const ds = Datastore.open('datastore1', path.join(dir, 'ds1'));
    expect(() => ds.resolve('../etc/passwd')).toThrow(CommonUsageError);
    expect(() => ds.delete('')).toThrow(/refusing to delete the datastore root/);
    expect(() => ds.vmLayout('a/b')).toThrow(/is not a VM name/);
  });
});
