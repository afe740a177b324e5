// The vCPU loop inside a VM's worker: slices of instructions, timers between them, a real
// sleep while the guest halts (Atomics.waitAsync on the doorbell, so commands from the host
// still arrive), serial output flushed once a slice, and the host's CPU allowance honoured
// between bursts (cpu-throttle.ts), charged with the thread's real CPU time.
import { getHeapStatistics } from 'node:v8';
import { catchUpPace } from '../clock';
import type { VmConsole } from '../console';
import type { PcMachine } from '../machine/pc-machine';
import { CpuThrottle } from './cpu-throttle';
import { workerMemoryReport } from './memory-report';
import type { VmCommand, VmEvent, VmExitReason, VmState } from './protocol';
import { ThreadCpuClock } from './thread-cpu-time';

/** Instructions per slice: small enough that timers and commands are served every few ms. */
const SLICE = 50_000;
/**
 * The shortest slice when a timer is due sooner, so a timer storm cannot make slices all
 * overhead; small, because a slice that overshoots a timer delivers its interrupt late, and
 * a late periodic tick makes Linux's tick-counting `pit` clocksource disagree with the TSC.
 */
const MIN_SLICE = 200;
/** Wall time between yields to the worker's event loop, in ms. */
const YIELD_MS = 8;
const MAX_IDLE_MS = 100;
/**
 * The most a halted guest's clock skips ahead at once when it lags host time: well inside the
 * 4.7 s wrap of the 24-bit ACPI PM timer, which a kernel may use as its clocksource.
 */
const CATCH_UP_STEP_NS = 1e9;
/**
 * Less lag than this is not caught up while halted: following the host leaves a lag of the
 * few ns between two clock reads, and skipping those (then yielding) again and again kept an
 * idle guest's thread busy ~20 % of a core and halted only half the time.
 */
const CATCH_UP_MIN_NS = 1e6;
/** Slices shorter than this do not count towards the measured rate (too noisy). */
const RATE_SAMPLE_MIN = 2_000;
const EFLAGS_IF = 1 << 9;
/** Least wall time between two stats events. */
const STATS_MS = 50;

export interface RunLoopIo {
  post(event: VmEvent): void;
  readonly doorbell: Int32Array;
  /** The graphical console's frame and input, when the VM has one. */
  readonly console?: VmConsole;
  /** The host scheduler's control word (cpu-throttle.ts); none: unlimited. */
  readonly cpuControl?: Int32Array;
}

export class VmRunLoop {
  private state: VmState = 'created';
  private readonly pendingInput: Uint8Array[][];
  private busyMs = 0;
  /**
   * Measured guest instructions per host ns over the slices (wall time, so guest time keeps
   * up with the host while the vCPU gets less than a core): the pace of guest time while the
   * vCPU runs, and where slices end. Time outside slices is the lag that catch-up recovers.
   */
  private instructionsPerNs = 0.01;
  private throttledMs = 0;
  private haltedMs = 0;
  /** Thread CPU time at the last charge to the throttle. */
  private cpuCharged: number | undefined;
  private readonly cpuClock = new ThreadCpuClock();
  private readonly cpuAtStart: number;
  private readonly throttle: CpuThrottle;
  private lastStats = 0;

  constructor(
    private readonly machine: PcMachine,
    private readonly io: RunLoopIo,
  ) {
    this.pendingInput = machine.uarts.map(() => []);
    this.throttle = new CpuThrottle(io.cpuControl);
    this.cpuAtStart = this.cpuClock.nowMs() ?? 0;
  }

  /** CPU ms this VM's thread used since the worker started (busy wall time where unmeasurable). */
  private cpuMs(): number {
    const now = this.cpuClock.nowMs();
    return now === undefined ? this.busyMs : now - this.cpuAtStart;
  }

  private postStats(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastStats < STATS_MS) return;
    this.lastStats = now;
    const heap = getHeapStatistics();
    const disk = this.machine.storage?.counters;
    this.io.post({
      type: 'stats',
      instructions: this.machine.cpu.instructionCount,
      guestNs: this.machine.clock.now(),
      hostBusyMs: this.busyMs,
      cpuMs: this.cpuMs(),
      throttledMs: this.throttledMs,
      haltedMs: this.haltedMs,
      heapBytes: heap.total_physical_size + heap.malloced_memory + heap.external_memory,
      diskReadBytes: disk?.readBytes ?? 0,
      diskWriteBytes: disk?.writeBytes ?? 0,
      diskReads: disk?.reads ?? 0,
      diskWrites: disk?.writes ?? 0,
      eip: this.machine.cpu.getRegister('eip'),
      eflags: this.machine.cpu.getRegister('eflags'),
      halted: this.machine.cpu.halted,
    });
  }

  /** Sleep up to `ms`, woken early by a host command (the doorbell). */
  private async sleep(ms: number): Promise<void> {
    const seen = Atomics.load(this.io.doorbell, 0);
    const waited = Atomics.waitAsync(this.io.doorbell, 0, seen, ms);
    if (waited.async) await waited.value;
  }

  private setState(state: VmState): void {
    this.state = state;
    this.io.post({ type: 'state', state });
  }

  handle(command: VmCommand): void {
    const s = this.state;
    const refuse = (): void => this.io.post({ type: 'not-allowed', command: command.type, state: s });
    switch (command.type) {
      case 'start': // Created --Start--> Running
        if (s !== 'created') return refuse();
        this.machine.boot();
        this.machine.clock.resume();
        this.setState('running');
        this.startLoop();
        return;
      case 'pause': // Running --Pause--> Paused
        if (s !== 'running') return refuse();
        this.machine.clock.pause();
        this.setState('paused');
        return;
      case 'resume': // Paused --Resume--> Running
        if (s !== 'paused') return refuse();
        this.machine.clock.resume();
        this.setState('running');
        this.startLoop();
        return;
      case 'reset': // Running|Paused --Reset--> Running
        if (s !== 'running' && s !== 'paused') return refuse();
        this.machine.request = { kind: 'reset' };
        this.machine.cpu.requestStop();
        if (s === 'paused') {
          this.machine.clock.resume();
          this.setState('running');
          this.startLoop();
        }
        return;
      case 'power-button':
        if (s !== 'running' && s !== 'paused') return refuse();
        if (!this.machine.pressPowerButton()) return refuse();
        return;
      case 'stop': // any --Stop--> Exited
        if (s === 'exited') return refuse();
        this.exit({ kind: 'stopped' });
        return;
      case 'memory-report':
        this.io.post({ type: 'memory-report', report: workerMemoryReport() });
        return;
      case 'serial-input':
        if (command.port < 0 || command.port >= this.pendingInput.length) return refuse();
        this.pendingInput[command.port]!.push(command.bytes);
        this.feedSerial();
        return;
      case 'console-key':
      case 'console-scancode':
      case 'console-pointer': {
        const console = this.io.console;
        if (!console || s === 'exited') return refuse();
        if (command.type === 'console-key') console.input.key(command.keysym, command.down);
        else if (command.type === 'console-scancode') console.input.scancode(command.xt, command.keysym, command.down);
        else console.input.pointer(command.x, command.y, command.buttons);
        return;
      }
    }
  }

  private feedSerial(): void {
    this.machine.uarts.forEach((uart, i) => {
      const queue = this.pendingInput[i]!;
      while (queue.length > 0 && uart.rxSpace > 0) {
        const chunk = queue[0]!;
        const taken = uart.receive(chunk);
        if (taken >= chunk.length) queue.shift();
        else queue[0] = chunk.subarray(taken);
      }
    });
  }

  private flushSerial(): void {
    this.machine.serialSinks.forEach((sink, port) => {
      const bytes = sink.take();
      if (bytes) this.io.post({ type: 'serial-output', port, bytes });
    });
    const log = this.machine.firmware?.debugLog.take();
    if (log) this.io.post({ type: 'firmware-log', bytes: log });
  }

  private exit(reason: VmExitReason): void {
    this.flushSerial();
    this.postStats(true);
    try {
      this.machine.close();
    } catch {
      // a disk that fails to flush at exit has nothing left to tell the guest
    }
    this.machine.clock.pause();
    this.state = 'exited';
    this.io.post({ type: 'state', state: 'exited' });
    this.io.post({ type: 'exit', reason });
  }

  private startLoop(): void {
    this.loop().catch((err: unknown) => this.exit({ kind: 'error', message: `vmm: ${err instanceof Error ? err.message : String(err)}` }));
  }

  /**
   * Instructions to run before the clock's next timer is due at `pace` (at least MIN_SLICE):
   * device interrupts then come at their guest time even when the host runs the guest slowly.
   */
  private sliceBudget(pace: number): number {
    const next = this.machine.clock.nextDeadline();
    if (next === undefined) return SLICE;
    const budget = Math.ceil((next - this.machine.clock.now()) / pace);
    return budget < MIN_SLICE ? MIN_SLICE : budget > SLICE ? SLICE : budget;
  }

  private measureRate(executed: number, ms: number): void {
    if (executed < RATE_SAMPLE_MIN || ms <= 0) return;
    this.instructionsPerNs = 0.75 * this.instructionsPerNs + 0.25 * (executed / (ms * 1e6));
  }

  private async loop(): Promise<void> {
    const { machine } = this;
    while (this.state === 'running') {
      const budget = this.throttle.budgetMs();
      if (budget <= 0) {
        // Over its CPU allowance: wait for the bucket (guest time flows on; timers catch up).
        const wait = this.throttle.waitMs();
        const t = performance.now();
        machine.clock.followHost();
        await this.sleep(wait);
        this.throttledMs += performance.now() - t;
        this.postStats(false);
        continue;
      }
      const burstMs = Math.min(YIELD_MS, budget);
      const started = performance.now();
      while (this.state === 'running' && performance.now() - started < burstMs) {
        this.feedSerial();
        this.io.console?.tick(performance.now());
        const sliceStart = performance.now();
        const executedBefore = machine.cpu.instructionCount;
        const pace = catchUpPace(this.instructionsPerNs, machine.clock.lagNs());
        machine.clock.runPaced(pace);
        const reason = machine.runSlice(this.sliceBudget(pace));
        this.measureRate(machine.cpu.instructionCount - executedBefore, performance.now() - sliceStart);
        const request = machine.request;
        if (request) {
          machine.request = undefined;
          if (request.kind === 'reset' && !machine.spec.noReboot) {
            machine.cpu.reset();
            machine.boot();
            continue;
          }
          return this.exit(request.kind === 'debug-exit' ? { kind: 'debug-exit', code: request.code } : { kind: request.kind });
        }
        if (reason === 'triple-fault' || reason === 'shutdown') {
          const eip = machine.cpu.getRegister('eip').toString(16).padStart(8, '0');
          return this.exit({ kind: 'triple-fault', detail: `the guest triple-faulted; its CPU shut down at EIP ${eip}` });
        }
        if (reason === 'halt') {
          // HLT with IF clear and no NMI source on this board: only a reset could wake the CPU
          // (SDM vol. 3 §8.4 / HLT), so the machine is off for good. Linux ends `poweroff`
          // this way when it has no ACPI (kernel/reboot.c turns POWER_OFF into HALT).
          if ((machine.cpu.getRegister('eflags') & EFLAGS_IF) === 0 && !machine.cpu.nmiPending) return this.exit({ kind: 'poweroff' });
          break;
        }
      }
      const wall = performance.now() - started;
      this.busyMs += wall;
      // Charge all the thread used since the last charge (the burst, and the event loop's own
      // work between bursts), so the allowance bounds the VM's whole CPU time.
      const cpuNow = this.cpuClock.nowMs();
      this.throttle.charge(cpuNow === undefined ? wall : cpuNow - (this.cpuCharged ?? cpuNow - wall));
      this.cpuCharged = cpuNow;
      this.flushSerial();
      this.postStats(false);
      if (this.state !== 'running') return;
      if (machine.cpu.halted) {
        machine.clock.followHost();
        // Behind host time (the host could not run the guest at full speed): skip ahead to
        // the next timer instead of sleeping.
        if (machine.clock.lagNs() >= CATCH_UP_MIN_NS && machine.clock.catchUp(CATCH_UP_STEP_NS) > 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        // Sleep until the next device timer or a host command (the doorbell), whichever comes first.
        const t = performance.now();
        await this.sleep(Math.min(MAX_IDLE_MS, machine.clock.idleBudgetNs() / 1e6));
        this.haltedMs += performance.now() - t;
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }
}
