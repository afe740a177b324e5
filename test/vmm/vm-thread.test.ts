// A VM in its worker thread, driven through VmThread: the state table of protocol.ts, serial
// both ways, and guest RAM that the host reads while the VM runs (SharedArrayBuffer).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VmThread, type VmEvent, type VmState } from '../../core/vmm';

let dir: string;
let kernel: Uint8Array;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-vmthread-'));
  const out = path.join(dir, 'hello.bin');
  execFileSync('nasm', ['-f', 'bin', '-o', out, path.join(__dirname, '..', 'cli', 'guests', 'hello-serial.asm')]);
  kernel = new Uint8Array(fs.readFileSync(out));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const spec = () => ({ memoryMB: 16, kernel: { name: 'hello.bin', data: kernel }, debugExit: true, noReboot: true, apic: false });

function until<T>(vm: VmThread, pick: (e: VmEvent) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const sub = vm.onEvent((e) => {
      const v = pick(e);
      if (v !== undefined) {
        sub.dispose();
        resolve(v);
      }
    });
  });
}

describe('VmThread', () => {
  it('follows the state table and refuses illegal commands', async () => {
    const vm = new VmThread(spec());
    const states: VmState[] = [];
    vm.onState((s) => states.push(s));
    vm.send({ type: 'pause' });
    expect(await until(vm, (e) => (e.type === 'not-allowed' ? e : undefined))).toEqual({ type: 'not-allowed', command: 'pause', state: 'created' });
    vm.send({ type: 'start' });
    await until(vm, (e) => (e.type === 'serial-output' ? true : undefined));
    vm.send({ type: 'pause' });
    await until(vm, (e) => (e.type === 'state' && e.state === 'paused' ? true : undefined));
    vm.send({ type: 'start' });
    expect(await until(vm, (e) => (e.type === 'not-allowed' ? e.state : undefined))).toBe('paused');
    vm.send({ type: 'resume' });
    vm.send({ type: 'stop' });
    expect(await vm.exited).toEqual({ kind: 'stopped' });
    expect(states).toEqual(['created', 'running', 'paused', 'running', 'exited']);
    vm.dispose();
  });

  it('carries serial both ways and lets the host read guest RAM while it runs', async () => {
    const vm = new VmThread(spec());
    let out = '';
    vm.onSerialOutput(({ port, bytes }) => {
      if (port === 0) out += Buffer.from(bytes).toString('latin1');
    });
    vm.send({ type: 'start' });
    await until(vm, (e) => (e.type === 'serial-output' ? true : undefined));
    // The guest was loaded at 1 MiB by the Multiboot loader in the worker; the host sees it.
    const image = Buffer.from(vm.memory.read(0x100000, kernel.length));
    expect(image.equals(Buffer.from(kernel))).toBe(true);
    vm.sendSerial(0, new TextEncoder().encode('abc\n'));
    expect(await vm.exited).toEqual({ kind: 'debug-exit', code: 43 });
    expect(out).toBe('hello from the guest\nABC\n');
    vm.dispose();
  });

  it('a guest halted with interrupts on sleeps: its thread spends almost no CPU while it idles', async () => {
    const vm = new VmThread({ ...spec(), cmdline: 'i' });
    vm.send({ type: 'start' });
    await until(vm, (e) => (e.type === 'serial-output' ? true : undefined));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await sleep(500);
    const a = { ...vm.stats, at: performance.now() };
    await sleep(2500);
    const b = { ...vm.stats, at: performance.now() };
    const wall = b.at - a.at;
    // It reports at least every 100 ms while asleep, so the counters are fresh.
    expect(b.instructions).toBe(a.instructions);
    expect(b.haltedMs - a.haltedMs).toBeGreaterThan(0.7 * wall);
    expect(b.cpuMs - a.cpuMs).toBeLessThan(0.05 * wall);
    vm.send({ type: 'stop' });
    await vm.exited;
    vm.dispose();
  });
});
