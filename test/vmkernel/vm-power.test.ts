// The host's side of powering VMs, through the VmRuntime seam with a loopback-serial
// stand-in (test/support): power states, refusals while on, console history and live
// output, input, stats samples, a crashed worker reported and the VM marked off.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, type VmInfo } from '../../core/api';
import { HostAgent } from '../../core/vmkernel';
import { LoopbackSerialRuntime } from '../support/loopback-serial-runtime';

let dir: string;
let host: HostAgent;
let runtime: LoopbackSerialRuntime;
let vm: VmInfo;

const text = (b64: string) => new TextDecoder().decode(base64ToBytes(b64)!);

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-power-'));
  runtime = new LoopbackSerialRuntime();
  host = new HostAgent({ version: '0', datastores: [{ name: 'ds', path: dir }], statsIntervalMs: 60_000, runtime });
  vm = await host.vms.create({ name: 'lab', datastore: 'ds', memoryMB: 64, kernel: { kernel: '/k' } });
});

afterEach(() => {
  host.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('power operations over the VmRuntime seam', () => {
  it('powers on, refuses changes while on, powers off', async () => {
    expect((await host.vms.powerOn(vm.id)).powerState).toBe('poweredOn');
    expect(host.tree().hosts[0]!.vms[0]!.powerState).toBe('poweredOn');
    await expect(host.vms.powerOn(vm.id)).rejects.toThrow('vm lab: is already powered on');
    await expect(host.vms.delete(vm.id)).rejects.toThrow('vm lab: cannot delete it while it is powered on; power it off first');
    await expect(host.vms.reconfigure({ id: vm.id, memoryMB: 128 })).rejects.toThrow('cannot change its settings while it is powered on');
    await host.vms.shutdown(vm.id);
    expect(runtime.shutdownRequests).toBe(1);
    expect((await host.vms.powerOff(vm.id)).powerState).toBe('poweredOff');
    expect(host.events.list().map((e) => e.type).slice(0, 3)).toEqual(['VmPoweredOffEvent', 'VmGuestShutdownEvent', 'VmPoweredOnEvent']);
  });

  it('keeps console output with offsets, sends input, and fires live chunks', async () => {
    const live: string[] = [];
    host.onEvent((m) => {
      if (m.event === 'vm.console') live.push(text(m.data.data));
    });
    await host.vms.powerOn(vm.id);
    await new Promise((r) => setTimeout(r, 0));
    host.vms.consoleInput(vm.id, new TextEncoder().encode('uname -a\r'));
    const all = host.vms.console(vm.id);
    expect(text(all.data)).toBe('loopback serial of lab (64 MB)\r\nuname -a\r');
    expect(all.end).toBe(all.offset + base64ToBytes(all.data)!.length);
    const tail = host.vms.console(vm.id, all.end - 9);
    expect(text(tail.data)).toBe('uname -a\r');
    expect(live.join('')).toBe(text(all.data));
    expect(() => host.vms.consoleInput('vm-999', new Uint8Array([1]))).toThrow('vm: no virtual machine "vm-999" on this host');
    expect(bytesToBase64(new Uint8Array([0xff, 0]))).toBe('/wA=');
  });

  it('samples stats of running VMs', async () => {
    await host.vms.powerOn(vm.id);
    host.vms.sample();
    await new Promise((r) => setTimeout(r, 20));
    host.vms.sample();
    const history = host.vms.statsHistory(vm.id);
    expect(history).toHaveLength(2);
    expect(history[1]!.memoryBytes).toBe(64 * 2 ** 20);
    expect(history[1]!.memoryUsedBytes).toBe(4 << 20);
    expect(history[1]!.cpuPercent).toBeGreaterThan(0);
    expect(history[1]!.cpuPercent).toBeLessThanOrEqual(100);
  });

  it('marks a VM whose worker crashed powered off, with an error event, and the host goes on', async () => {
    await host.vms.powerOn(vm.id);
    runtime.running.get(vm.id)!.crash('RangeError: offset out of bounds');
    expect(host.vms.get(vm.id).powerState).toBe('poweredOff');
    expect(host.events.list()[0]).toMatchObject({ level: 'error', type: 'VmDiedEvent', message: 'lab on ' + host.name + ' is powered off: its worker failed: RangeError: offset out of bounds' });
    // The console history of the dead VM is still readable, and it powers on again.
    expect(text(host.vms.console(vm.id).data)).toContain('loopback serial of lab');
    expect((await host.vms.powerOn(vm.id)).powerState).toBe('poweredOn');
    runtime.running.get(vm.id)!.guestPowerOff();
    expect(host.events.list()[0]).toMatchObject({ level: 'info', type: 'VmPoweredOffEvent', message: expect.stringContaining('the guest powered off') });
  });
});
