// Hosted VMs that boot through SeaBIOS (Debian's seabios) as `vmdesk run` does: a VM made
// by the host with a new VMDK boots the boot-sector guest from it (which writes 64 sectors
// with INT 13h and reads them back), another boots the same code from a CD-ROM image named
// by a datastore path. Checked: the guest's serial output, the VM's screen (the VGA's text
// mode, 720×400), the disk I/O counters in the stats stream, the data on the VMDK after
// power-off, the disk's datastore lock while on, and one-line refusals.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmStats } from '../../core/api';
import { LeaseLock, createVmdk, inspectLock } from '../../core/storage';
import { HostAgent, WorkerVmRuntime } from '../../core/vmkernel';
import { PATTERN, assembleBootSector, bootIso, installBootSector, litPixels, readSectors } from '../support/boot-media';

let dir: string;
let dsDir: string;
let sector: Uint8Array;
let runtime: WorkerVmRuntime;
let host: HostAgent;
const stats = new Map<string, VmStats[]>();
const consoles = new Map<string, string>();

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-fwboot-'));
  dsDir = path.join(dir, 'ds1');
  fs.mkdirSync(path.join(dsDir, 'iso'), { recursive: true });
  sector = assembleBootSector(dir);
  bootIso(path.join(dsDir, 'iso', 'boot.iso'), sector);
  runtime = new WorkerVmRuntime({ hostId: 'esx-fw', leaseMs: 2000 });
  host = new HostAgent({ version: '0', name: 'esx-fw', statsIntervalMs: 200, datastores: [{ name: 'ds1', path: dsDir }], databaseFile: path.join(dir, 'host.sqlite'), runtime });
  host.vms.onStats(({ id, stats: s }) => stats.set(id, [...(stats.get(id) ?? []), s]));
  host.vms.onConsole(({ id, bytes }) => consoles.set(id, (consoles.get(id) ?? '') + new TextDecoder().decode(bytes)));
});

afterAll(async () => {
  await host?.vms.powerOffAll();
  host?.dispose();
  runtime?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('hosted VMs booting through the BIOS', { timeout: 300_000 }, () => {
  it('boots its VMDK, shows SeaBIOS on its screen, counts its disk I/O and holds the disk lock', async () => {
    const vm = await host.vms.create({ name: 'disk01', datastore: 'ds1', memoryMB: 16, disk: { sizeGB: 0.01 }, boot: 'disk' });
    const vmdk = path.join(dsDir, 'disk01', 'disk01.vmdk');
    installBootSector(vmdk, sector);
    await host.vms.powerOn(vm.id);
    expect(inspectLock(vmdk)).toMatchObject({ state: 'held', record: { host: 'esx-fw', pid: process.pid } });

    await until('the guest to finish its disk I/O', () => consoles.get(vm.id)?.includes('diskio: ok'));
    expect(consoles.get(vm.id)).toContain('bootsect: from 80');

    // The VGA in text mode: 80×25 cells of 9×16 pixels, with SeaBIOS's banner and boot lines on it.
    const display = host.vms.displayOf(vm.id);
    expect(display).toBeDefined();
    const screen = await until('SeaBIOS text on the screen', () => {
      const s = litPixels(display!.frame);
      return s.width === 720 && s.height === 400 && s.lit > 500 ? s : undefined;
    });
    expect(screen.colours).toBeGreaterThan(1);

    // The stats stream: the 64-sector write and read-back, and the MBR SeaBIOS read first.
    const sample = await until('disk counters in the stats stream', () => stats.get(vm.id)?.find((s) => s.diskWriteBytes >= PATTERN.sectors * 512 && s.diskReadBytes >= (PATTERN.sectors + 1) * 512));
    expect(sample.diskWrites).toBeGreaterThan(0);
    expect(sample.diskReads).toBeGreaterThan(1);
    expect(sample.diskWriteBytes % 512).toBe(0);
    expect(host.vms.statsHistory(vm.id).at(-1)!.diskWriteBytes).toBeGreaterThanOrEqual(PATTERN.sectors * 512);
    // SeaBIOS's start-up takes longer than one 200 ms interval, so the I/O shows as a rate in some sample.
    expect(stats.get(vm.id)!.some((s) => s.diskWriteRate > 0 && s.diskReadRate > 0)).toBe(true);

    await host.vms.powerOff(vm.id);
    expect(host.vms.displayOf(vm.id)).toBeUndefined();
    expect(inspectLock(vmdk).state).not.toBe('held');
    // What the guest wrote is on the VMDK: sector k of the run holds k + 1.
    const written = readSectors(vmdk, PATTERN.lba, PATTERN.sectors + 1);
    for (const k of [0, 1, 31, 63]) expect(written.subarray(k * 512, (k + 1) * 512).every((b) => b === k + 1)).toBe(true);
    expect(written.subarray(PATTERN.sectors * 512).every((b) => b === 0)).toBe(true);
  });

  it('boots a CD-ROM image named by a datastore path', async () => {
    const vm = await host.vms.create({ name: 'cd01', datastore: 'ds1', memoryMB: 16, cdrom: '[ds1] iso/boot.iso', boot: 'cdrom' });
    expect(fs.readFileSync(path.join(dsDir, 'cd01', 'cd01.vmx'), 'utf8')).toMatch(/ide1:0\.deviceType = "cdrom-image"/);
    await host.vms.powerOn(vm.id);
    await until('the CD boot', () => consoles.get(vm.id)?.includes('cdboot: ok'));
    expect(consoles.get(vm.id)).toContain('bootsect: from E0');
    // SeaBIOS read the boot catalog and image in 2 KiB CD sectors; the guest wrote nothing.
    const sample = await until('CD reads in the stats stream', () => stats.get(vm.id)?.find((s) => s.diskReadBytes >= 2048));
    expect(sample.diskWriteBytes).toBe(0);
    const screen = litPixels(host.vms.displayOf(vm.id)!.frame);
    expect([screen.width, screen.height]).toEqual([720, 400]);
    await host.vms.powerOff(vm.id);
  });

  it('makes a VM on an existing VMDK of the datastore and boots it', async () => {
    fs.mkdirSync(path.join(dsDir, 'disks'));
    const disk = path.join(dsDir, 'disks', 'shared-boot.vmdk');
    createVmdk(disk, { sizeBytes: 8 * 2 ** 20, subformat: 'monolithicSparse', adapterType: 'ide' });
    installBootSector(disk, sector);
    await expect(host.vms.create({ name: 'both', datastore: 'ds1', memoryMB: 16, disk: { sizeGB: 1 }, existingDisk: '[ds1] disks/shared-boot.vmdk' })).rejects.toThrow(
      'vm: give either a new disk (disk.sizeGB) or an existing one (existingDisk), not both',
    );
    await expect(host.vms.create({ name: 'none', datastore: 'ds1', memoryMB: 16, existingDisk: '[ds1] disks/absent.vmdk' })).rejects.toThrow('vm: existing disk [ds1] disks/absent.vmdk: no such file');
    const vm = await host.vms.create({ name: 'exist01', datastore: 'ds1', memoryMB: 16, existingDisk: '[ds1] disks/shared-boot.vmdk' });
    expect(vm.hardware?.disks).toEqual([{ slot: 'ide0:0', fileName: disk, sizeBytes: 8 * 2 ** 20 }]);
    await host.vms.powerOn(vm.id);
    await until('the guest to finish its disk I/O', () => consoles.get(vm.id)?.includes('diskio: ok'));
    await host.vms.powerOff(vm.id);
    // Deleting the VM removes its folder; the disk it did not make stays.
    await host.vms.delete(vm.id);
    expect(fs.existsSync(disk)).toBe(true);
    expect(readSectors(disk, PATTERN.lba, 1)[0]).toBe(1);
  });

  it('refuses to power on with one line naming what is missing or held', async () => {
    const vm = await host.vms.create({ name: 'held01', datastore: 'ds1', memoryMB: 16, disk: { sizeGB: 0.01 }, boot: 'disk' });
    const vmdk = path.join(dsDir, 'held01', 'held01.vmdk');
    // Another host has the disk open (its lock is alive: it renews the heartbeat).
    const other = await LeaseLock.acquire(vmdk, { hostId: 'esx-other', leaseMs: 2000 });
    try {
      await expect(host.vms.powerOn(vm.id)).rejects.toThrow(/^vm held01: \[ds1\] held01\/held01\.vmdk is locked by host esx-other \(pid \d+, since .*\), which has the disk open; power it off there first/);
    } finally {
      other.dispose();
    }
    expect(inspectLock(path.join(dsDir, 'held01', 'held01.vmx')).state).not.toBe('held');

    fs.rmSync(vmdk);
    const missing = await host.vms.powerOn(vm.id).catch((e: Error) => e.message);
    expect(missing).toMatch(/^vm held01: ide0:0\.fileName = "held01\.vmdk": cannot open the disk .*held01\.vmdk: no such file$/);

    const cd = await host.vms.create({ name: 'nocd', datastore: 'ds1', memoryMB: 16, cdrom: '[ds1] iso/missing.iso', boot: 'cdrom' });
    await expect(host.vms.powerOn(cd.id)).rejects.toThrow(/^vm nocd: ide1:0\.fileName = "\[ds1\] iso\/missing\.iso": cannot open the image .*missing\.iso: no such file$/);
    expect(host.vms.isPoweredOn(cd.id)).toBe(false);
  });
});
