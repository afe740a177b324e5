// The host side of one VM: allocates guest RAM (shared with the worker, so the host can
// read it while the VM runs), starts the VM's worker thread and speaks protocol.ts to it.
// A worker that crashes is reported as the VM's exit; the host process stays up. The host's
// CPU scheduler sets the VM's allowance through a shared control word (setCpuAllowance).
import type { Worker } from 'node:worker_threads';
import { Emitter, type Disposable, startWorker } from '../common';
import { GuestMemory } from '../memory';
import { type ConsoleDisplay, SharedFrame } from './console';
import type { MachineSpec } from './machine/machine-spec';
import { CPU_CONTROL_BYTES, CPU_UNLIMITED } from './worker/cpu-throttle';
import type { WorkerMemoryReport } from './worker/memory-report';
import type { VmCommand, VmEvent, VmExitReason, VmState, VmWorkerInit } from './worker/protocol';

export interface VmThreadOptions {
  /** Give the VM a screen for graphical consoles (a frame of this many pixels at most). */
  readonly screen?: { readonly name: string; readonly capacityPixels?: number };
}

/** V8's young-generation limit of a VM's worker (test/bench/host-idle-memory.ts). */
const WORKER_YOUNG_GENERATION_MB = 2;

/** Enough for 1920×1200 at 32 bpp. */
const DEFAULT_SCREEN_PIXELS = 1920 * 1200;

/** The worker's latest counters (protocol.ts 'stats'), zero before the first report. */
export type VmThreadStats = Omit<Extract<VmEvent, { type: 'stats' }>, 'type'>;

export class VmThread implements Disposable {
  readonly memory: GuestMemory;
  /** The VM's screen and input for RFB consoles, when it was made with `screen`. */
  readonly display: ConsoleDisplay | undefined;
  private readonly worker: Worker;
  private readonly doorbell = new Int32Array(new SharedArrayBuffer(4));
  private readonly cpuControl = new Int32Array(new SharedArrayBuffer(CPU_CONTROL_BYTES));
  private latest: VmThreadStats = {
    instructions: 0,
    guestNs: 0,
    hostBusyMs: 0,
    cpuMs: 0,
    throttledMs: 0,
    haltedMs: 0,
    heapBytes: 0,
    diskReadBytes: 0,
    diskWriteBytes: 0,
    diskReads: 0,
    diskWrites: 0,
    eip: 0,
    eflags: 0,
    halted: false,
  };
  private readonly onSerialEmitter = new Emitter<{ port: number; bytes: Uint8Array }>();
  readonly onSerialOutput = this.onSerialEmitter.event;
  private readonly onStateEmitter = new Emitter<VmState>();
  readonly onState = this.onStateEmitter.event;
  private readonly onEventEmitter = new Emitter<VmEvent>();
  readonly onEvent = this.onEventEmitter.event;
  /** Resolves once, when the VM has exited for any reason. */
  readonly exited: Promise<VmExitReason>;
  private state: VmState = 'created';
  private lastHeard = performance.now();
  private exitReason: VmExitReason | undefined;

  constructor(spec: MachineSpec, options: VmThreadOptions = {}) {
    this.memory = GuestMemory.allocate(spec.memoryMB * 2 ** 20);
    const frame = options.screen ? SharedFrame.allocate(options.screen.capacityPixels ?? DEFAULT_SCREEN_PIXELS, options.screen.name) : undefined;
    this.display = frame && {
      frame,
      input: {
        key: (keysym, down) => this.send({ type: 'console-key', keysym, down }),
        pointer: (x, y, buttons) => this.send({ type: 'console-pointer', x, y, buttons }),
        scancode: (xt, keysym, down) => this.send({ type: 'console-scancode', xt, keysym, down }),
      },
    };
    Atomics.store(this.cpuControl, 0, CPU_UNLIMITED);
    const init: VmWorkerInit = {
      spec,
      ram: this.memory.state.ram,
      dirty: this.memory.state.dirty,
      doorbell: this.doorbell.buffer as SharedArrayBuffer,
      cpuControl: this.cpuControl.buffer as SharedArrayBuffer,
      ...(frame ? { frame: frame.buffer } : {}),
    };
    // A small young generation: the run loop allocates little (no allocation per instruction),
    // and an idle VM's garbage fills the young generation up to its limit before a scavenge,
    // so the limit is resident per VM (4 MiB here cost ~2 MiB more per idle VM than 2).
    this.worker = startWorker({ source: new URL('./worker/vm-worker.ts', import.meta.url), bundle: 'vm' }, init, { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    let resolveExit!: (r: VmExitReason) => void;
    this.exited = new Promise((r) => (resolveExit = r));
    const finish = (reason: VmExitReason): void => {
      if (this.exitReason) return;
      this.exitReason = reason;
      if (this.state !== 'exited') {
        this.state = 'exited';
        this.onStateEmitter.fire('exited');
      }
      resolveExit(reason);
      void this.worker.terminate();
    };
    this.worker.on('message', (event: VmEvent) => {
      this.lastHeard = performance.now();
      this.onEventEmitter.fire(event);
      switch (event.type) {
        case 'serial-output':
          this.onSerialEmitter.fire({ port: event.port, bytes: event.bytes });
          break;
        case 'state':
          this.state = event.state;
          this.onStateEmitter.fire(event.state);
          break;
        case 'exit':
          finish(event.reason);
          break;
        case 'stats': {
          const { type: _, ...stats } = event;
          this.latest = stats;
          break;
        }
      }
    });
    this.worker.on('error', (err) => finish({ kind: 'error', message: `vmm: the VM's worker crashed: ${err.message}` }));
    this.worker.on('exit', (code) => finish({ kind: 'error', message: `vmm: the VM's worker ended unexpectedly (exit code ${code})` }));
  }

  get currentState(): VmState {
    return this.state;
  }

  /** Wall ms since the worker last posted anything (a running loop reports every ≤100 ms). */
  get silentMs(): number {
    return performance.now() - this.lastHeard;
  }

  /** The worker's latest counters (CPU time, instructions, its own memory). */
  get stats(): VmThreadStats {
    return this.latest;
  }

  /** The worker isolate's memory as V8 accounts for it; rejects if the VM exits first. */
  memoryReport(): Promise<WorkerMemoryReport> {
    return new Promise((resolve, reject) => {
      if (this.exitReason) return reject(new Error('vmm: the VM has exited'));
      const sub = this.onEvent((e) => {
        if (e.type !== 'memory-report') return;
        sub.dispose();
        resolve(e.report);
      });
      void this.exited.then(() => {
        sub.dispose();
        reject(new Error('vmm: the VM exited before it reported its memory'));
      });
      this.send({ type: 'memory-report' });
    });
  }

  /** Thousandths of one host core the VM may use from now on; undefined: no limit. */
  setCpuAllowance(permille: number | undefined): void {
    const value = permille === undefined ? CPU_UNLIMITED : Math.max(0, Math.round(permille));
    const before = Atomics.exchange(this.cpuControl, 0, value);
    // Wake a throttled loop so a raised allowance takes effect now (a halted guest sleeps on).
    if (before !== CPU_UNLIMITED && (value === CPU_UNLIMITED || value > before)) {
      Atomics.add(this.doorbell, 0, 1);
      Atomics.notify(this.doorbell, 0);
    }
  }

  /** Kill the worker thread outright (what a crash looks like to the host); exited follows. */
  terminate(): void {
    void this.worker.terminate();
  }

  send(command: VmCommand): void {
    if (this.exitReason) return;
    this.worker.postMessage(command);
    // Wake a halted guest's sleep so the command is handled now.
    Atomics.add(this.doorbell, 0, 1);
    Atomics.notify(this.doorbell, 0);
  }

  sendSerial(port: number, bytes: Uint8Array): void {
    this.send({ type: 'serial-input', port, bytes });
  }

  dispose(): void {
    if (!this.exitReason) {
      this.send({ type: 'stop' });
      void this.worker.terminate();
    }
    this.onSerialEmitter.dispose();
    this.onStateEmitter.dispose();
    this.onEventEmitter.dispose();
  }
}
