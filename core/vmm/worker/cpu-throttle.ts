// The worker's side of the host's CPU scheduler: a token bucket of CPU milliseconds that
// refills at the rate the host writes into a shared control word, spent by the thread CPU
// time the run loop measures after each burst. The loop runs only while tokens remain and
// sleeps (still woken by the doorbell) until they are back. A VM that halts spends nothing.
//
// Control word (Int32Array over a SharedArrayBuffer, written by the host, read here):
//   [0] allowance: thousandths of one host core this VM may use (≥ 0), or CPU_UNLIMITED.

export const CPU_UNLIMITED = -1;
export const CPU_CONTROL_BYTES = 4;

/** Longest run of CPU a VM may bank while it waits or halts, in ms of its allowance. */
const BURST_WINDOW_MS = 40;

export class CpuThrottle {
  private tokensMs = 0;
  private lastRefill = performance.now();

  constructor(private readonly control: Int32Array | undefined) {}

  /** Fraction of a core allowed, or undefined when unlimited. */
  private rate(): number | undefined {
    if (!this.control) return undefined;
    const v = Atomics.load(this.control, 0);
    return v < 0 ? undefined : v / 1000;
  }

  /** CPU ms the VM may use now (Infinity when unlimited). Refills for the wall time passed. */
  budgetMs(now = performance.now()): number {
    const rate = this.rate();
    const elapsed = now - this.lastRefill;
    this.lastRefill = now;
    if (rate === undefined) {
      this.tokensMs = 0;
      return Infinity;
    }
    const burst = Math.max(1, rate * BURST_WINDOW_MS);
    this.tokensMs = Math.min(burst, this.tokensMs + rate * elapsed);
    return this.tokensMs;
  }

  /** Spend what the last burst used. */
  charge(cpuMs: number): void {
    if (this.rate() !== undefined) this.tokensMs -= cpuMs;
  }

  /** Wall ms until the bucket holds a token again (at least 1 ms; 50 ms while the allowance is 0). */
  waitMs(): number {
    const rate = this.rate();
    if (rate === undefined) return 0;
    if (rate <= 0) return 50;
    return Math.max(1, -this.tokensMs / rate);
  }
}
