// The VM's real virtual clock: guest time follows host monotonic time, minus the time the VM
// spent paused. It never runs backwards and never faster than the host. Device timers fire
// between CPU slices (`runDue`), and `idleBudgetNs` tells the run loop how long a halted CPU
// may sleep. The TSC is derived from it at a fixed nominal frequency.
//
// How the run loop (core/vmm, in the vCPU worker) uses it:
//
//   clock.resume();                          // Paused --Resume--> Running; guest time flows
//   while (running) {
//     clock.runDue();                        // PIT/RTC/APIC/UART/PM timers whose deadline passed
//     if (!cpu.halted || cpu.interruptPending()) {
//       cpu.run(sliceBudget);                // device port/MMIO accesses call clock.now()
//       continue;
//     }
//     // HLT with nothing pending: sleep until the next timer or an I/O doorbell,
//     // so an idle guest costs close to no host CPU.
//     clock.idleWait(doorbell, 0, maxSleepNs);
//   }
//   clock.pause();                           // Running --Pause--> Paused; guest time stops
//
// The main thread bumps `doorbell[0]` with Atomics.add + Atomics.notify when it queues
// input for the VM (serial bytes, keys), which ends the wait early.
import { type TimerHandle, type VirtualClock, NS_PER_SECOND, TimeStampCounter, TimerQueue } from '../../bus';

export interface HostClockOptions {
  /** Host monotonic time in ns (default: performance.now()). Tests pass a fake. */
  hostNowNs?: () => number;
  /** Nominal TSC frequency in Hz (default 2 GHz). */
  tscHz?: number;
  /** Guest time at construction (default 0), e.g. from a checkpoint. */
  startNs?: number;
}

export interface HostClockState {
  version: 1;
  /** Guest time when saved. */
  nowNs: number;
  tscOffset: number;
}

const defaultHostNow = (): number => performance.now() * 1e6;

export class HostVirtualClock implements VirtualClock {
  readonly tsc: TimeStampCounter;
  private readonly hostNow: () => number;
  private readonly timers = new TimerQueue();
  /** guest = host - offset while running. */
  private offset: number;
  private pausedAtGuest: number | undefined;
  private last: number;

  constructor(options: HostClockOptions = {}) {
    this.hostNow = options.hostNowNs ?? defaultHostNow;
    const start = options.startNs ?? 0;
    this.offset = this.hostNow() - start;
    this.last = start;
    // A new clock starts paused: guest time flows from `resume()`.
    this.pausedAtGuest = start;
    this.tsc = new TimeStampCounter(this, options.tscHz ?? 2_000_000_000);
  }

  get running(): boolean {
    return this.pausedAtGuest === undefined;
  }

  now(): number {
    if (this.pausedAtGuest !== undefined) return this.pausedAtGuest;
    const t = this.hostNow() - this.offset;
    // Never backwards, even if the host clock source misbehaves.
    if (t > this.last) this.last = t;
    return this.last;
  }

  schedule(deadlineNs: number, callback: (nowNs: number) => void): TimerHandle {
    return this.timers.add(deadlineNs, callback);
  }

  /** Stop guest time (VM paused, checkpoint, debugger). */
  pause(): void {
    if (this.pausedAtGuest !== undefined) return;
    this.pausedAtGuest = this.now();
  }

  /** Let guest time flow again from where it stopped: the guest sees no jump. */
  resume(): void {
    if (this.pausedAtGuest === undefined) return;
    this.offset = this.hostNow() - this.pausedAtGuest;
    this.last = this.pausedAtGuest;
    this.pausedAtGuest = undefined;
  }

  /** Fire the timers that are due; returns how many fired. */
  runDue(): number {
    const t = this.now();
    return this.timers.runDue(t);
  }

  nextDeadline(): number | undefined {
    return this.timers.nextDeadline();
  }

  /** How long (ns) a halted CPU may sleep before the next timer is due, at most `maxNs`. */
  idleBudgetNs(maxNs = NS_PER_SECOND): number {
    const next = this.timers.nextDeadline();
    if (next === undefined) return maxNs;
    return Math.max(0, Math.min(maxNs, next - this.now()));
  }

  /**
   * Block the calling thread until the next timer is due, `doorbell[index]` changes, or
   * `maxNs` passes. Uses Atomics.wait, so call it from the vCPU worker (Node allows it on
   * the main thread too, which tests use). Returns why it woke.
   */
  idleWait(doorbell: Int32Array, index: number, maxNs = NS_PER_SECOND): 'timer' | 'doorbell' {
    const ns = this.idleBudgetNs(maxNs);
    if (ns <= 0) return 'timer';
    const seen = Atomics.load(doorbell, index);
    const r = Atomics.wait(doorbell, index, seen, ns / 1e6);
    return r === 'timed-out' ? 'timer' : 'doorbell';
  }

  save(): HostClockState {
    return { version: 1, nowNs: this.now(), ...{ tscOffset: this.tsc.save().offset } };
  }

  /**
   * Continue from a saved guest time (the clock is left paused; call `resume`). Drops all
   * scheduled timers, so restore the clock first and the devices after it: each device's
   * `restore` schedules its timers again from its own saved state.
   */
  restore(state: HostClockState): void {
    if (state?.version !== 1 || !Number.isFinite(state.nowNs) || state.nowNs < 0) {
      throw new RangeError('clock: saved state is not a version 1 clock state');
    }
    this.timers.clear();
    this.pausedAtGuest = state.nowNs;
    this.last = state.nowNs;
    this.tsc.restore({ version: 1, offset: state.tscOffset });
  }
}
