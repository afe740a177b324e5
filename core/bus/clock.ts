// The guest's sense of time as devices see it. A device asks `now()` (guest nanoseconds,
// monotonic) and schedules callbacks at guest-time deadlines; it never reads the host clock
// and never counts instructions. core/vmm/clock holds the real implementation that follows
// host time; `ManualClock` here is a deterministic one for tests.
// Also here: the timer queue both clocks share, and the TSC derived from a clock.

/** A scheduled callback; `cancel` is idempotent and safe after the timer fired. */
export interface TimerHandle {
  cancel(): void;
}

export interface VirtualClock {
  /** Guest time in nanoseconds since the VM was built; never decreases. */
  now(): number;
  /** Run `callback(nowNs)` once guest time reaches `deadlineNs` (in the past: at the next chance). */
  schedule(deadlineNs: number, callback: (nowNs: number) => void): TimerHandle;
}

export const NS_PER_SECOND = 1_000_000_000;

/** Whole ticks of a `hz` clock that have elapsed at guest time `ns` (used by PIT, PM timer, TSC). */
export function ticksAt(ns: number, hz: number): number {
  // Split to keep precision: ns can reach 1e15 and hz 1e10.
  const s = Math.floor(ns / NS_PER_SECOND);
  const rem = ns - s * NS_PER_SECOND;
  return s * hz + Math.floor((rem * hz) / NS_PER_SECOND);
}

/** The earliest guest time at which `ticksAt(t, hz) >= ticks`. */
export function timeOfTick(ticks: number, hz: number): number {
  const s = Math.floor(ticks / hz);
  const rem = ticks - s * hz;
  let t = s * NS_PER_SECOND + Math.ceil((rem * NS_PER_SECOND) / hz);
  // Rounding may land one ns early or late; settle on the exact boundary.
  while (ticksAt(t, hz) < ticks) t++;
  while (t > 0 && ticksAt(t - 1, hz) >= ticks) t--;
  return t;
}

interface QueuedTimer extends TimerHandle {
  deadline: number;
  seq: number;
  callback: ((nowNs: number) => void) | undefined;
}

/**
 * A binary min-heap of timers ordered by deadline, then by scheduling order.
 * Cancelled timers are dropped lazily when they reach the top.
 */
export class TimerQueue {
  private heap: QueuedTimer[] = [];
  private seq = 0;
  /** Cancelled timers still in the heap; compacted when they dominate (a guest reprogramming a timer in a loop). */
  private cancelled = 0;

  get size(): number {
    return this.heap.length;
  }

  add(deadlineNs: number, callback: (nowNs: number) => void): TimerHandle {
    const deadline = Number.isFinite(deadlineNs) ? deadlineNs : Number.MAX_SAFE_INTEGER;
    const timer: QueuedTimer = {
      deadline,
      seq: this.seq++,
      callback,
      cancel: () => {
        if (timer.callback === undefined) return;
        timer.callback = undefined;
        this.cancelled++;
      },
    };
    if (this.cancelled > 1024 && this.cancelled * 2 > this.heap.length) this.compact();
    this.heap.push(timer);
    this.up(this.heap.length - 1);
    return timer;
  }

  /** Deadline of the earliest live timer, or undefined. */
  nextDeadline(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.deadline;
  }

  /**
   * Fire every timer due at `nowNs`, earliest first, including ones that callbacks schedule
   * at or before `nowNs`. `clockAt(deadline)` lets a manual clock step time to each deadline.
   * Returns how many fired; stops after `limit` so a device rescheduling itself at `now`
   * cannot hang the run loop.
   */
  runDue(nowNs: number, limit = 100_000, onFire?: (deadline: number) => number): number {
    let fired = 0;
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (!top || top.deadline > nowNs || fired >= limit) return fired;
      this.pop();
      const cb = top.callback!;
      top.callback = undefined;
      const at = onFire ? onFire(top.deadline) : nowNs;
      fired++;
      cb(at);
    }
  }

  clear(): void {
    for (const t of this.heap) t.callback = undefined;
    this.heap = [];
    this.cancelled = 0;
  }

  private compact(): void {
    this.heap = this.heap.filter((t) => t.callback !== undefined);
    this.cancelled = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.callback === undefined) {
      this.pop();
      if (this.cancelled > 0) this.cancelled--;
    }
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private less(a: QueuedTimer, b: QueuedTimer): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/**
 * A clock that moves only when a test says so. `advance` steps time to each timer's deadline
 * in turn, so a device sees `now()` equal to the deadline inside its callback, as it would
 * with a real clock that is never late.
 */
export class ManualClock implements VirtualClock {
  private t: number;
  private readonly timers = new TimerQueue();

  constructor(startNs = 0) {
    this.t = startNs;
  }

  now(): number {
    return this.t;
  }

  schedule(deadlineNs: number, callback: (nowNs: number) => void): TimerHandle {
    return this.timers.add(deadlineNs, callback);
  }

  /** Move time forward by `ns`, firing timers at their deadlines. */
  advance(ns: number): void {
    this.advanceTo(this.t + Math.max(0, ns));
  }

  advanceTo(targetNs: number): void {
    if (targetNs < this.t) return;
    this.timers.runDue(targetNs, 1_000_000, (deadline) => {
      if (deadline > this.t) this.t = deadline;
      return this.t;
    });
    this.t = targetNs;
  }

  nextDeadline(): number | undefined {
    return this.timers.nextDeadline();
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}

/**
 * The time-stamp counter derived from a clock at a fixed nominal frequency, so that the TSC,
 * the PIT, the RTC, the APIC timer and the PM timer all agree. Writes (WRMSR 0x10) move an
 * offset; the counter keeps counting from the written value (Intel SDM vol. 3 §17.17).
 */
export class TimeStampCounter {
  private offset = 0;

  constructor(
    private readonly clock: VirtualClock,
    readonly hz: number,
  ) {
    if (!(hz > 0) || !Number.isFinite(hz)) throw new RangeError(`clock: TSC frequency ${hz} must be a positive number`);
  }

  /** The counter as a number (exact below 2^53: about 52 days at 2 GHz). */
  read(): number {
    return ticksAt(this.clock.now(), this.hz) + this.offset;
  }

  /** Low and high 32 bits, as RDTSC returns them in EAX and EDX (both as unsigned numbers). */
  readSplit(out: { lo: number; hi: number }): void {
    const v = this.read();
    out.lo = v % 0x1_0000_0000 >>> 0;
    out.hi = Math.floor(v / 0x1_0000_0000) >>> 0;
  }

  write(value: number): void {
    this.offset = value - ticksAt(this.clock.now(), this.hz);
  }

  save(): { version: 1; offset: number } {
    return { version: 1, offset: this.offset };
  }

  restore(state: { version: number; offset: number }): void {
    if (state?.version !== 1 || !Number.isFinite(state.offset)) throw new RangeError('clock: TSC saved state is not version 1');
    this.offset = state.offset;
  }
}
