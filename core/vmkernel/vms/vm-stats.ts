// Turns a running VM's cumulative counters into VmStats samples (rates over the interval)
// and keeps the recent ones for the Summary charts.
import type { VmStats } from '../../api';
import type { VmRuntimeCounters } from '../runtime/vm-runtime';

const KEEP = 180;

export class VmStatsTracker {
  readonly history: VmStats[] = [];
  private last: { time: number; cpuTimeMs: number } | undefined;
  private consoleBytes = 0;

  constructor(private readonly memoryBytes: number) {}

  addConsoleBytes(n: number): void {
    this.consoleBytes += n;
  }

  sample(c: VmRuntimeCounters, time = Date.now()): VmStats {
    const prev = this.last;
    const dt = prev ? time - prev.time : 0;
    const cpuPercent = prev && dt > 0 ? Math.max(0, Math.min(100, ((c.cpuTimeMs - prev.cpuTimeMs) / dt) * 100)) : 0;
    this.last = { time, cpuTimeMs: c.cpuTimeMs };
    const stats: VmStats = {
      time,
      cpuPercent,
      memoryUsedBytes: c.memoryUsedBytes,
      memoryBytes: this.memoryBytes,
      diskReadBytes: c.diskReadBytes,
      diskWriteBytes: c.diskWriteBytes,
      consoleBytes: this.consoleBytes,
    };
    this.history.push(stats);
    if (this.history.length > KEEP) this.history.shift();
    return stats;
  }
}
