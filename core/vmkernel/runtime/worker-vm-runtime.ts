// The VmRuntime that runs VMs: each powered-on VM is a core/vmm VmThread (its own worker
// thread, guest RAM in a SharedArrayBuffer), holding its datastore locks, admitted to the
// host's CPU scheduler. A VM boots its kernel directly or, without one, its disk or CD-ROM
// through SeaBIOS, and then has a screen (the VGA) for graphical consoles. Maps the worker's
// exits to the host's, carries COM1 both ways and reports counters (CPU, memory, disk I/O).
// A worker that dies or a guest that triple-faults ends only that VM.
//
//   powerOn: build the spec (kernel/initrd/BIOS read, disks checked) → lock the .vmx and the
//            writable disks → admit to the scheduler → start the worker → resolve once it
//            runs (any failure undoes the steps before it)
//   exit (any cause): scheduler releases it, the locks are released, exited() is called once
import { VmdeskError, createLogger, type Disposable } from '../../common';
import type { LeaseLock } from '../../storage';
import { VmThread, type VmExitReason as WorkerExitReason, type VmThreadStats } from '../../vmm';
import type { ConsoleDisplay } from '../../vmm/console';
import { CpuScheduler, entitlementOf } from '../scheduler';
import { type FirmwareImages, readFirmwareImages } from './firmware-images';
import { machineSpecOf } from './machine-spec-of';
import { lockVm, lockVmDisk } from './vm-lock';
import type { RunningVm, VmExitReason, VmLaunchSpec, VmRuntime, VmRuntimeCallbacks, VmRuntimeCounters } from './vm-runtime';

const log = createLogger('runtime');

/** How long a worker may take to answer Stop before it is terminated. */
const STOP_GRACE_MS = 3000;
const START_TIMEOUT_MS = 30_000;
/** A running worker reports at least every 100 ms; silence this long means it hangs. */
const DEFAULT_WATCHDOG_MS = 30_000;
/** COM1 is port 0 of the worker's UARTs. */
const COM1 = 0;

export interface WorkerVmRuntimeOptions {
  /** This host's id, written into the datastore locks it holds (its name). */
  readonly hostId: string;
  /** Lease of the datastore locks (default VMDESK_LEASE_MS or 16 s). */
  readonly leaseMs?: number;
  /** The host's CPU scheduler (default: every core of this machine). */
  readonly scheduler?: CpuScheduler;
  /** A worker silent this long is declared hung and stopped (default 30 s). */
  readonly watchdogMs?: number;
  /** Where SeaBIOS's images are (default /usr/share/seabios, Debian's seabios package). */
  readonly firmwareDir?: string;
}

export function workerExitReason(r: WorkerExitReason): VmExitReason {
  switch (r.kind) {
    case 'poweroff':
    case 'debug-exit':
    case 'reset': // only with noReboot, which hosted VMs do not set
      return { kind: 'guestPoweredOff' };
    case 'stopped':
      return { kind: 'poweredOff' };
    case 'triple-fault':
      return { kind: 'tripleFault', message: r.detail };
    case 'error':
      return { kind: 'crashed', message: r.message };
  }
}

class WorkerRunningVm implements RunningVm {
  private ended = false;

  readonly display: ConsoleDisplay | undefined;

  constructor(
    readonly thread: VmThread,
    private readonly memoryBytes: number,
  ) {
    this.display = thread.display;
  }

  /** Why the VM ended, when the host decided it (a hang); the worker's own reason otherwise. */
  hungFor: number | undefined;

  markEnded(): void {
    this.ended = true;
  }

  hang(ms: number): void {
    if (this.ended || this.hungFor !== undefined) return;
    this.hungFor = ms;
    this.thread.terminate();
  }

  async powerOff(): Promise<void> {
    if (this.ended) return;
    this.thread.send({ type: 'stop' });
    const timer = setTimeout(() => this.thread.terminate(), STOP_GRACE_MS);
    try {
      await this.thread.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async reset(): Promise<void> {
    if (this.ended) throw new VmdeskError('conflict', 'vm: is powered off');
    this.thread.send({ type: 'reset' });
  }

  async shutdown(): Promise<void> {
    if (this.ended) throw new VmdeskError('conflict', 'vm: is powered off');
    const refused = new Promise<boolean>((resolve) => {
      const sub = this.thread.onEvent((e) => {
        if (e.type === 'not-allowed' && e.command === 'power-button') {
          sub.dispose();
          resolve(true);
        }
      });
      setTimeout(() => {
        sub.dispose();
        resolve(false);
      }, 200);
    });
    this.thread.send({ type: 'power-button' });
    if (await refused) throw new VmdeskError('conflict', 'vm: the guest has no ACPI power button to press');
  }

  serialInput(bytes: Uint8Array): void {
    if (!this.ended) this.thread.sendSerial(COM1, bytes);
  }

  get workerStats(): VmThreadStats {
    return this.thread.stats;
  }

  counters(): VmRuntimeCounters {
    const s = this.thread.stats;
    return {
      cpuTimeMs: s.cpuMs,
      memoryUsedBytes: this.memoryBytes + s.heapBytes,
      diskReadBytes: s.diskReadBytes,
      diskWriteBytes: s.diskWriteBytes,
      diskReads: s.diskReads,
      diskWrites: s.diskWrites,
    };
  }
}

export class WorkerVmRuntime implements VmRuntime, Disposable {
  readonly scheduler: CpuScheduler;
  private readonly ownScheduler: boolean;
  private readonly running = new Map<string, WorkerRunningVm>();
  private readonly watchdog: NodeJS.Timeout;
  private firmwareImages: FirmwareImages | undefined;

  constructor(private readonly o: WorkerVmRuntimeOptions) {
    this.ownScheduler = !o.scheduler;
    this.scheduler = o.scheduler ?? new CpuScheduler();
    const limit = o.watchdogMs ?? DEFAULT_WATCHDOG_MS;
    this.watchdog = setInterval(() => {
      for (const vm of this.running.values()) if (vm.thread.currentState === 'running' && vm.thread.silentMs > limit) vm.hang(limit);
    }, Math.max(50, Math.min(2000, limit / 4)));
    this.watchdog.unref();
  }

  /** The running VM of inventory id `id` (diagnostics, tests, benchmarks). */
  vm(id: string): { readonly thread: VmThread; readonly workerStats: VmThreadStats } | undefined {
    return this.running.get(id);
  }

  private firmware(): FirmwareImages {
    this.firmwareImages ??= readFirmwareImages(this.o.firmwareDir);
    return this.firmwareImages;
  }

  async powerOn(spec: VmLaunchSpec, callbacks: VmRuntimeCallbacks): Promise<RunningVm> {
    const machine = machineSpecOf(spec, { firmware: () => this.firmware() });
    const entitlement = entitlementOf(spec.config, this.scheduler.coreMHz);
    const lockOptions = { hostId: this.o.hostId, leaseMs: this.o.leaseMs };
    const locks: LeaseLock[] = [await lockVm(spec, lockOptions)];
    const releaseLocks = (): void => locks.forEach((l) => l.dispose());
    let admission: Disposable | undefined;
    let thread: VmThread | undefined;
    try {
      for (const d of machine.disks ?? []) if (!d.readOnly) locks.push(await lockVmDisk(spec, d.path, lockOptions));
      // A VM booted through the BIOS has the VGA: give it a screen for graphical consoles.
      thread = new VmThread(machine, machine.firmware ? { screen: { name: spec.name } } : {});
      const vm = new WorkerRunningVm(thread, spec.config.memoryMB * 2 ** 20);
      admission = this.scheduler.admit(spec.id, spec.name, entitlement, {
        cpuTimeMs: () => vm.workerStats.cpuMs,
        haltedMs: () => vm.workerStats.haltedMs,
        throttledMs: () => vm.workerStats.throttledMs,
        setAllowance: (p) => thread!.setCpuAllowance(p),
      });
      const t = thread;
      t.onSerialOutput(({ port, bytes }) => {
        if (port === COM1) callbacks.serialOutput(bytes);
      });
      let lockLost = false;
      const lost = locks.map((lock) =>
        lock.onLost(() => {
          lockLost = true;
          log.warn(`${spec.name}: lost its datastore lock; powering it off`);
          t.terminate();
        }),
      );
      let started = false;
      void t.exited.then((reason) => {
        vm.markEnded();
        this.running.delete(spec.id);
        admission?.dispose();
        lost.forEach((l) => l.dispose());
        releaseLocks();
        t.dispose();
        if (!started) return;
        const mapped: VmExitReason = lockLost
          ? { kind: 'crashed', message: 'another host took its datastore lock' }
          : vm.hungFor !== undefined
            ? { kind: 'crashed', message: `its worker hung (no word from it for ${Math.round(vm.hungFor / 1000)} s) and was stopped` }
            : workerExitReason(reason);
        callbacks.exited(mapped);
      });
      await waitRunning(t, spec.name);
      started = true;
      this.running.set(spec.id, vm);
      return vm;
    } catch (err) {
      if (thread && thread.currentState !== 'exited') thread.terminate();
      thread?.dispose();
      admission?.dispose();
      releaseLocks();
      throw err;
    }
  }

  /** Hard-stops every VM this runtime runs. */
  async powerOffAll(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((vm) => vm.powerOff()));
  }

  dispose(): void {
    clearInterval(this.watchdog);
    for (const vm of this.running.values()) vm.thread.terminate();
    if (this.ownScheduler) this.scheduler.dispose();
  }
}

/** Starts the worker's VM and resolves once it is running; rejects with why it did not. */
function waitRunning(thread: VmThread, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = false;
    const timer = setTimeout(() => fail(`its worker did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    const subs: Disposable[] = [];
    const done = (): void => {
      clearTimeout(timer);
      subs.forEach((s) => s.dispose());
    };
    const fail = (why: string): void => {
      done();
      reject(new VmdeskError('unavailable', `vm ${name}: cannot power on: ${why}`));
    };
    const onState = (state: string): void => {
      if (state === 'created' && !sent) {
        sent = true;
        thread.send({ type: 'start' });
      } else if (state === 'running') {
        done();
        resolve();
      }
    };
    subs.push(thread.onState(onState));
    void thread.exited.then((r) => fail(exitText(r)));
    if (thread.currentState === 'created') onState('created');
  });
}

function exitText(r: WorkerExitReason): string {
  switch (r.kind) {
    case 'error':
      return r.message;
    case 'triple-fault':
      return r.detail;
    default:
      return `the VM stopped at once (${r.kind})`;
  }
}
