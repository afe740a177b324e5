// Crash consistency: a writer killed with SIGKILL at random points, many times, on a
// monolithicSparse disk (written synchronously, and with several writeSectorsAsync calls in
// flight as bulk copies do), a sparse delta and a vmfsSparse delta. After every kill qemu-img
// check is clean, our check finds no errors, every write that returned reads back, and the
// disk keeps working when the next writer reopens it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lba } from '../../core/common';
import { checkVmdk, createSnapshot, createVmdk, VmdkDisk } from '../../core/storage';
import { ASYNC_DEPTH, slotData, slotOrder, slotPlace } from './fixtures/crash-slots';
import { bundleFixture, qemuCheckClean, tempDir } from './helpers';

const SIZE = 512 << 20;
/** The base disks hold 0x5a in their first 8 MiB, zeros after. */
const FILLED = 8 << 20;
const SEED = 4242;
const ITERATIONS = 72;
let writer: string;
let dir: string;

beforeAll(() => {
  dir = tempDir('crash');
  writer = bundleFixture('crash-writer', dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }), 60_000);

interface Target {
  file: string;
  hasBase: boolean; // never-written sectors read 0x5a in the first 8 MiB
  next: number; // index in the slot order where the next writer starts
  done: number[]; // slots whose write returned
  async?: boolean; // the writer keeps ASYNC_DEPTH writeSectorsAsync calls in flight
}

/** Runs one writer, kills it after `delayMs` once it is ready; returns indices it finished. */
function runAndKill(t: Target, delayMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, t.file, String(t.next), String(SEED), t.async ? 'async' : 'sync'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!killed && out.startsWith('ready\n')) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited ${code}: ${err}`));
      const done = out
        .split('\n')
        .slice(1)
        .filter((l) => /^\d+$/.test(l))
        .map(Number);
      resolve(done);
    });
  });
}

function verify(t: Target, order: number[]): void {
  const check = qemuCheckClean(t.file);
  expect(check.out).toContain('No errors were found');
  expect(checkVmdk(t.file).errors).toEqual([]);
  const d = VmdkDisk.open(t.file, { readOnly: true });
  try {
    for (const k of t.done) {
      const slot = order[k]!;
      const { lba, count } = slotPlace(slot);
      const got = new Uint8Array(count * 512);
      d.readSectors(lba as Lba, count, got, 0);
      expect(Buffer.compare(got, slotData(slot, count))).toBe(0);
    }
    // A slot no writer reached still shows the old content.
    for (const untouched of order.slice(-50)) {
      const { lba } = slotPlace(untouched);
      const b = new Uint8Array(512);
      d.readSectors(lba as Lba, 1, b, 0);
      const old = t.hasBase && lba * 512 < FILLED ? 0x5a : 0;
      expect(b.every((x) => x === old)).toBe(true);
    }
  } finally {
    d.dispose();
  }
}

describe('kill -9 during writes', () => {
  it(`${ITERATIONS} kills across four disk kinds leave every file clean`, async () => {
    const plain = path.join(dir, 'plain.vmdk');
    createVmdk(plain, { sizeBytes: SIZE });
    const base = path.join(dir, 'base.vmdk');
    createVmdk(base, { sizeBytes: SIZE });
    const b = VmdkDisk.open(base);
    b.writeSectors(0 as Lba, FILLED / 512, new Uint8Array(FILLED).fill(0x5a), 0);
    b.dispose();
    const sparseDelta = createSnapshot(base);
    const vbase = path.join(dir, 'vbase.vmdk');
    createVmdk(vbase, { sizeBytes: SIZE, subformat: 'vmfs' });
    const vb = VmdkDisk.open(vbase);
    vb.writeSectors(0 as Lba, FILLED / 512, new Uint8Array(FILLED).fill(0x5a), 0);
    vb.dispose();
    const cowdDelta = createSnapshot(vbase);
    const plainAsync = path.join(dir, 'plain-async.vmdk');
    createVmdk(plainAsync, { sizeBytes: SIZE });
    const targets: Target[] = [
      { file: plain, hasBase: false, next: 0, done: [] },
      { file: plainAsync, hasBase: false, next: 0, done: [], async: true },
      { file: sparseDelta, hasBase: true, next: 0, done: [] },
      { file: cowdDelta, hasBase: true, next: 0, done: [] },
    ];
    const order = slotOrder(SIZE / 512, SEED);
    let x = 99;
    let totalWrites = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const t = targets[i % targets.length]!;
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const done = await runAndKill(t, 2 + (x % 80));
      t.done.push(...done);
      totalWrites += done.length;
      // Writes in flight at the kill may or may not have landed: skip their slots.
      const depth = t.async ? ASYNC_DEPTH : 1;
      t.next = (done.length ? Math.max(...done) : t.next - 1) + depth + 1;
      verify(t, order);
    }
    expect(totalWrites).toBeGreaterThan(ITERATIONS * 10);
    console.log(`crash test: ${ITERATIONS} kills, ${totalWrites} completed writes verified`);
  }, 120_000);
});
