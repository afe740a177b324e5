// The CPU runs in a worker_thread over guest RAM in a SharedArrayBuffer: the main thread
// loads the program, the worker executes it, and the main thread sees the guest's writes
// in the same buffer without copying.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../core/memory';
import { assemble } from './system-harness';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('CPU in a worker thread', () => {
  it('executes guest code in a worker over shared RAM', async () => {
    const memory = GuestMemory.allocate(4 << 20);
    const code = assemble(`BITS 32
      ORG 0x10000
      xor eax, eax
      mov ecx, 300000
    l: add eax, ecx
      mov [0x200000], eax
      loop l
      hlt`);
    memory.write(0x10000, code);
    const worker = new Worker(path.join(here, 'worker', 'bootstrap.mjs'), {
      workerData: { entry: path.join(here, 'worker', 'cpu-worker.ts'), memory: memory.state, eip: 0x10000, esp: 0x9000 },
    });
    const result = await new Promise<{ reason: string; slices: number; eax: number; instructions: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    const expected = (300000 * 300001) / 2 % 2 ** 32;
    expect(result.reason).toBe('halt');
    expect(result.eax).toBe(expected);
    expect(result.slices).toBeGreaterThan(1);
    expect(result.instructions).toBe(2 + 3 * 300000 + 1);
    // the worker's store is visible here, in the same SharedArrayBuffer
    expect(memory.view.getUint32(0x200000, true)).toBe(expected);
  });
});
