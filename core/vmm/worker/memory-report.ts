// What a VM's worker isolate holds, as V8 accounts for it (physical sizes of its heap
// spaces, malloc and array buffers): the inside view of a VM's host memory beside the
// host's RSS (test/bench/host-idle-memory.ts). Guest RAM, shared with the host, is not in it.
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export interface WorkerMemoryReport {
  /** The young generation (new space): what the run loop allocates lands here first. */
  readonly youngBytes: number;
  /** Old space: long-lived objects, bytecode and the VM's device and CPU state. */
  readonly oldBytes: number;
  /** Compiled machine code. */
  readonly codeBytes: number;
  /** Objects too big for a page: above all the source text of the code the worker loaded. */
  readonly largeObjectBytes: number;
  /** The remaining heap spaces (read-only, shared, maps). */
  readonly otherHeapBytes: number;
  /** V8's own malloc. */
  readonly mallocedBytes: number;
  /** ArrayBuffers the isolate allocated (typed arrays of the CPU and devices): resident only where touched. */
  readonly arrayBufferBytes: number;
}

export function workerMemoryReport(): WorkerMemoryReport {
  let young = 0;
  let old = 0;
  let code = 0;
  let large = 0;
  let other = 0;
  for (const s of getHeapSpaceStatistics()) {
    const bytes = s.physical_space_size;
    if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') young += bytes;
    else if (s.space_name === 'old_space') old += bytes;
    else if (s.space_name === 'code_space' || s.space_name === 'code_large_object_space') code += bytes;
    else if (s.space_name === 'large_object_space') large += bytes;
    else other += bytes;
  }
  return {
    youngBytes: young,
    oldBytes: old,
    codeBytes: code,
    largeObjectBytes: large,
    otherHeapBytes: other,
    mallocedBytes: getHeapStatistics().malloced_memory,
    arrayBufferBytes: process.memoryUsage().arrayBuffers,
  };
}
