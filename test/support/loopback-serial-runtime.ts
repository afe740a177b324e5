// A VmRuntime for testing the host's side of the seam (power states, console plumbing,
// stats, exit handling) before core/vmm's worker exists. It is NOT a VM and boots nothing:
// its "serial port" is a loopback cable that echoes what is typed, prefixed by a banner, and
// it can be told to die the way a crashed worker would.
import type { RunningVm, VmExitReason, VmLaunchSpec, VmRuntime, VmRuntimeCallbacks, VmRuntimeCounters } from '../../core/vmkernel';

export class LoopbackSerialRuntime implements VmRuntime {
  readonly running = new Map<string, { vm: RunningVm; crash(message: string): void; guestPowerOff(): void }>();
  shutdownRequests = 0;

  async powerOn(spec: VmLaunchSpec, callbacks: VmRuntimeCallbacks): Promise<RunningVm> {
    const started = Date.now();
    let alive = true;
    const exit = (reason: VmExitReason): void => {
      if (!alive) return;
      alive = false;
      this.running.delete(spec.id);
      callbacks.exited(reason);
    };
    const vm: RunningVm = {
      powerOff: async () => exit({ kind: 'poweredOff' }),
      reset: async () => callbacks.serialOutput(new TextEncoder().encode('\r\n[loopback reset]\r\n')),
      shutdown: async () => {
        this.shutdownRequests++;
      },
      serialInput: (bytes) => {
        if (alive) callbacks.serialOutput(bytes);
      },
      counters: (): VmRuntimeCounters => ({ cpuTimeMs: (Date.now() - started) / 2, memoryUsedBytes: 4 << 20, diskReadBytes: 0, diskWriteBytes: 0, diskReads: 0, diskWrites: 0 }),
    };
    this.running.set(spec.id, { vm, crash: (message) => exit({ kind: 'crashed', message }), guestPowerOff: () => exit({ kind: 'guestPoweredOff' }) });
    queueMicrotask(() => callbacks.serialOutput(new TextEncoder().encode(`loopback serial of ${spec.name} (${spec.config.memoryMB} MB)\r\n`)));
    return vm;
  }
}
