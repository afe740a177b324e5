// The VM's virtual clock. Guest time is paced by what the guest gets to do: while the vCPU
// runs, it advances with executed instructions at the run loop's measured pace (so two reads a
// few instructions apart are a few nanoseconds apart, however the host schedules the thread);
// while the CPU halts, it follows host time up to the next timer's deadline. It never runs ahead of host time minus the time
// the VM spent paused (the "target"), and never backwards. When the host could not keep up,
// guest time lags the target; a halted guest catches up in steps (`catchUp`), each up to the
// next timer, so every timer still fires at its own guest time, and a running guest catches up
// by a faster pace (the run loop's choice); the wall clock (`date`) comes back to the host's. The TSC is derived from guest time at a fixed
// nominal frequency.
//
// How the run loop (core/vmm, in the vCPU worker) uses it:
//
//   clock.resume();                          // Paused --Resume--> Running; guest time flows
//   while (running) {
//     clock.runDue();                        // PIT/RTC/APIC/UART/PM timers whose deadline passed
//     if (!cpu.halted || cpu.interruptPending()) {
//       clock.runPaced(nsPerInstruction);    // guest time follows the instruction counter
//       cpu.run(sliceBudget);                // device port/MMIO accesses call clock.now(); a timer
//                                            // set meanwhile ends the slice at its deadline
//                                            // (endSliceForTimers → cpu.endSliceWithin)
//       continue;
//     }
//     clock.followHost();                    // halted: guest time follows host time
//     if (clock.catchUp(maxStepNs) > 0) continue;  // behind the host: skip ahead, no sleep
//     // HLT with nothing pending: sleep until the next timer or an I/O doorbell,
//     // so an idle guest costs close to no host CPU.
//     clock.idleWait(doorbell, 0, maxSleepNs);
//   }
//   clock.pause();                           // Running --Pause--> Paused; guest time stops
//
// Without an instruction counter (`countInstructions`) or `runPaced`, guest time simply
// follows host time. The main thread bumps `doorbell[0]` with Atomics.add + Atomics.notify
// when it queues input for the VM (serial bytes, keys), which ends the wait early.
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
  /** target = host - offset while running: host time minus the time spent paused. */
  private offset: number;
  private pausedAtGuest: number | undefined;
  /** The target when paused (the lag survives a pause); undefined: equal to guest time. */
  private pausedTarget: number | undefined;
  private last: number;
  private instructions: () => number = () => 0;
  /** Guest ns per executed instruction while paced; 0 = follow host time. */
  private pace = 0;
  /** Guest time at the last rebase, and the instruction count / host time then. */
  private base: number;
  private baseInstructions = 0;
  private baseHost: number;
  /** Told how many instructions away a timer set while paced is due (the vCPU ends its slice there). */
  private onTimerInSlice: ((instructions: number) => void) | undefined;

  constructor(options: HostClockOptions = {}) {
    this.hostNow = options.hostNowNs ?? defaultHostNow;
    const start = options.startNs ?? 0;
    this.offset = this.hostNow() - start;
    this.last = start;
    this.base = start;
    this.baseHost = this.hostNow();
    // A new clock starts paused: guest time flows from `resume()`.
    this.pausedAtGuest = start;
    this.tsc = new TimeStampCounter(this, options.tscHz ?? 2_000_000_000);
  }

  get running(): boolean {
    return this.pausedAtGuest === undefined;
  }

  /** Where guest time would be if it had never lagged: host time minus the paused time. */
  private target(): number {
    return this.hostNow() - this.offset;
  }

  now(): number {
    if (this.pausedAtGuest !== undefined) return this.pausedAtGuest;
    const target = this.target();
    let t: number;
    if (this.pace > 0) t = this.base + (this.instructions() - this.baseInstructions) * this.pace;
    else {
      // Following the host (the vCPU halts): not past a timer that has not fired yet, however
      // late the host wakes the thread; the timer would have woken the CPU at its deadline.
      t = this.base + (this.hostNow() - this.baseHost);
      const next = this.timers.nextDeadline();
      if (next !== undefined && t > next) t = Math.max(next, this.last);
    }
    if (t > target) t = target;
    // Never backwards, even if the host clock source misbehaves.
    if (t > this.last) this.last = t;
    return this.last;
  }

  /** The vCPU's executed-instruction counter, which paces guest time in `runPaced`. */
  countInstructions(counter: () => number): void {
    this.instructions = counter;
  }

  /**
   * Who to tell when a timer is set while guest time is paced: the vCPU (`endSliceWithin`), so
   * a timer the guest programs in the middle of a slice (a LAPIC one-shot, a PIT reload) fires
   * at its deadline instead of when the slice would have ended — which, at a slow measured
   * pace, was tens of ms of guest time later.
   */
  endSliceForTimers(callback: (instructions: number) => void): void {
    this.onTimerInSlice = callback;
  }

  private rebase(): void {
    const t = this.now();
    this.base = t;
    this.baseInstructions = this.instructions();
    this.baseHost = this.hostNow();
  }

  /** From now on guest time advances `nsPerInstruction` per executed instruction (call before each slice). */
  runPaced(nsPerInstruction: number): void {
    if (this.pausedAtGuest !== undefined) return;
    this.rebase();
    this.pace = nsPerInstruction > 0 && Number.isFinite(nsPerInstruction) ? nsPerInstruction : 0;
  }

  /** From now on guest time follows host time at its rate (a halted or throttled vCPU). */
  followHost(): void {
    if (this.pausedAtGuest !== undefined) return;
    this.rebase();
    this.pace = 0;
  }

  /** How far guest time is behind host time (minus paused time), in ns. */
  lagNs(): number {
    if (this.pausedAtGuest !== undefined) return 0;
    return Math.max(0, this.target() - this.now());
  }

  /**
   * Skip guest time ahead towards host time when it lags (call while the guest halts: it is
   * waiting for a timer anyway): by up to `maxNs`, and never past the next timer, so every
   * timer still fires at its own guest time (a periodic tick skipped over would reach the
   * guest late, and a tick-counting clocksource like Linux's `pit` would fall behind the
   * TSC). Returns the ns skipped (0: caught up, or a timer is due).
   */
  catchUp(maxNs: number): number {
    const now = this.now();
    const next = this.timers.nextDeadline();
    const step = Math.min(this.lagNs(), maxNs, next === undefined ? Infinity : next - now);
    if (step <= 0) return 0;
    this.rebase();
    this.base += step;
    this.last = this.base;
    return step;
  }

  schedule(deadlineNs: number, callback: (nowNs: number) => void): TimerHandle {
    const handle = this.timers.add(deadlineNs, callback);
    if (this.pace > 0 && this.onTimerInSlice !== undefined && this.pausedAtGuest === undefined) {
      this.onTimerInSlice((deadlineNs - this.now()) / this.pace);
    }
    return handle;
  }

  /** Stop guest time (VM paused, checkpoint, debugger). */
  pause(): void {
    if (this.pausedAtGuest !== undefined) return;
    this.pausedTarget = this.target();
    this.pausedAtGuest = this.now();
  }

  /** Let guest time flow again from where it stopped: the guest sees no jump. */
  resume(): void {
    if (this.pausedAtGuest === undefined) return;
    const guest = this.pausedAtGuest;
    this.offset = this.hostNow() - (this.pausedTarget ?? guest);
    this.last = guest;
    this.base = guest;
    this.baseInstructions = this.instructions();
    this.baseHost = this.hostNow();
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
    this.pausedTarget = undefined;
    this.last = state.nowNs;
    this.tsc.restore({ version: 1, offset: state.tscOffset });
  }
}
