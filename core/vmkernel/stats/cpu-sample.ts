// Host CPU load from two readings of the kernel's per-CPU time counters.
import os from 'node:os';

export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

export function readCpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

/** Busy share between two readings, 0..100. */
export function busyPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, ((after.busy - before.busy) / total) * 100));
}
