// Turns a running VM's cumulative counters into VmStats samples (CPU % and disk throughput
// over the interval, cumulative disk bytes and requests) and keeps the recent ones for the
// Summary charts.
import type { VmStats } from '../../api';
import type { VmRuntimeCounters } from '../runtime/vm-runtime';

const KEEP = 180;

export class VmStatsTracker {
  readonly history: VmStats[] = [];
  private last: { time: number; counters: VmRuntimeCounters } | undefined;
  private consoleBytes = 0;

  constructor(private readonly memoryBytes: number) {}

  addConsoleBytes(n: number): void {
    this.consoleBytes += n;
  }

  sample(c: VmRuntimeCounters, time = Date.now()): VmStats {
    const prev = this.last;
    const dt = prev ? time - prev.time : 0;
    const rate = (now: number, before: number): number => (prev && dt > 0 ? Math.max(0, ((now - before) * 1000) / dt) : 0);
    const cpuPercent = prev && dt > 0 ? Math.max(0, Math.min(100, ((c.cpuTimeMs - prev.counters.cpuTimeMs) / dt) * 100)) : 0;
    const stats: VmStats = {
      time,
      cpuPercent,
      memoryUsedBytes: c.memoryUsedBytes,
      memoryBytes: this.memoryBytes,
      diskReadBytes: c.diskReadBytes,
      diskWriteBytes: c.diskWriteBytes,
      diskReads: c.diskReads,
      diskWrites: c.diskWrites,
      diskReadRate: rate(c.diskReadBytes, prev?.counters.diskReadBytes ?? 0),
      diskWriteRate: rate(c.diskWriteBytes, prev?.counters.diskWriteBytes ?? 0),
      consoleBytes: this.consoleBytes,
    };
    this.last = { time, counters: c };
    this.history.push(stats);
    if (this.history.length > KEEP) this.history.shift();
    return stats;
  }
}
