// The vCPU loop inside a VM's worker: slices of instructions, timers between them, a real
// sleep while the guest halts (Atomics.waitAsync on the doorbell, so commands from the host
// still arrive), and serial output flushed once a slice.
import type { PcMachine } from '../machine/pc-machine';
import type { VmCommand, VmEvent, VmExitReason, VmState } from './protocol';

/** Instructions per slice: small enough that timers and commands are served every few ms. */
const SLICE = 50_000;
/** Wall time between yields to the worker's event loop, in ms. */
const YIELD_MS = 8;
const MAX_IDLE_MS = 100;

export interface RunLoopIo {
  post(event: VmEvent): void;
  readonly doorbell: Int32Array;
}

export class VmRunLoop {
  private state: VmState = 'created';
  private readonly pendingInput: Uint8Array[][];
  private busyMs = 0;

  constructor(
    private readonly machine: PcMachine,
    private readonly io: RunLoopIo,
  ) {
    this.pendingInput = machine.uarts.map(() => []);
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
      case 'serial-input':
        if (command.port < 0 || command.port >= this.pendingInput.length) return refuse();
        this.pendingInput[command.port]!.push(command.bytes);
        this.feedSerial();
        return;
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

  private async loop(): Promise<void> {
    const { machine, io } = this;
    while (this.state === 'running') {
      const started = performance.now();
      while (this.state === 'running' && performance.now() - started < YIELD_MS) {
        this.feedSerial();
        const reason = machine.runSlice(SLICE);
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
        if (reason === 'halt') break;
      }
      this.busyMs += performance.now() - started;
      this.flushSerial();
      io.post({ type: 'stats', instructions: machine.cpu.instructionCount, guestNs: machine.clock.now(), hostBusyMs: this.busyMs });
      if (this.state !== 'running') return;
      if (machine.cpu.halted) {
        // Sleep until the next device timer or a host command (the doorbell), whichever comes first.
        const ms = Math.min(MAX_IDLE_MS, machine.clock.idleBudgetNs() / 1e6);
        const seen = Atomics.load(io.doorbell, 0);
        const waited = Atomics.waitAsync(io.doorbell, 0, seen, ms);
        if (waited.async) await waited.value;
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }
}
