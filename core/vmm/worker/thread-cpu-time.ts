// The CPU time of the calling thread, for the run loop's counters and its CPU throttle.
// Linux: /proc/thread-self/schedstat's first field is the nanoseconds this thread has run
// on a CPU (proc(5)); a synchronous read runs on the calling thread, so a worker reads its
// own. Elsewhere (or if the file is unreadable) the caller's busy wall time stands in.
import fs from 'node:fs';

export class ThreadCpuClock {
  private readonly fd: number | undefined;
  private readonly buf = Buffer.alloc(128);

  constructor() {
    let fd: number | undefined;
    try {
      fd = fs.openSync('/proc/thread-self/schedstat', 'r');
      if (this.readFd(fd) === undefined) {
        fs.closeSync(fd);
        fd = undefined;
      }
    } catch {
      fd = undefined;
    }
    this.fd = fd;
  }

  /** True when readings are real thread CPU time, false when the caller must use wall time. */
  get available(): boolean {
    return this.fd !== undefined;
  }

  /** CPU time of this thread in ms, or undefined when unavailable. */
  nowMs(): number | undefined {
    return this.fd === undefined ? undefined : this.readFd(this.fd);
  }

  private readFd(fd: number): number | undefined {
    try {
      const n = fs.readSync(fd, this.buf, 0, this.buf.length, 0);
      const ns = Number.parseInt(this.buf.toString('latin1', 0, n), 10);
      return Number.isFinite(ns) ? ns / 1e6 : undefined;
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
  }
}
