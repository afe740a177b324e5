// The typed messages between a VM's worker thread and its host (STYLE.md habit 4).
//
// States and transitions (the worker answers anything else with `not-allowed`):
//   Created --Start--> Running
//   Running --Pause--> Paused        Paused --Resume--> Running
//   Running|Paused --Reset--> Running (the machine restarts from its boot entry)
//   Running|Paused --PowerButton--> (the guest decides; ACPI S5 ends in Exited)
//   any --Stop--> Exited (reason 'stopped')
//   Running --(guest powers off / debug-exit / triple fault / reset with noReboot)--> Exited
// Running also waits, between bursts, while the VM is over the CPU allowance the host keeps
// in the shared control word (cpu-throttle.ts); that is not a state, commands still work.
import type { MachineSpec } from '../machine/machine-spec';
import type { WorkerMemoryReport } from './memory-report';

export type VmState = 'created' | 'running' | 'paused' | 'exited';

/** host → worker */
export type VmCommand =
  | { readonly type: 'start' }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'reset' }
  | { readonly type: 'power-button' }
  | { readonly type: 'stop' }
  | { readonly type: 'serial-input'; readonly port: number; readonly bytes: Uint8Array }
  /** Any state: answered with a 'memory-report' event (diagnostics, benchmarks). */
  | { readonly type: 'memory-report' }
  // Graphical console input (any state but exited; refused when the VM has no console).
  | { readonly type: 'console-key'; readonly keysym: number; readonly down: boolean }
  | { readonly type: 'console-pointer'; readonly x: number; readonly y: number; readonly buttons: number }
  | { readonly type: 'console-scancode'; readonly xt: number; readonly keysym: number; readonly down: boolean };

export type VmExitReason =
  | { readonly kind: 'poweroff' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'debug-exit'; readonly code: number }
  | { readonly kind: 'triple-fault'; readonly detail: string }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'error'; readonly message: string };

/** worker → host */
export type VmEvent =
  | { readonly type: 'state'; readonly state: VmState }
  | { readonly type: 'serial-output'; readonly port: number; readonly bytes: Uint8Array }
  | { readonly type: 'exit'; readonly reason: VmExitReason }
  /** What the BIOS wrote to its debug console (port 0x402), batched per slice. */
  | { readonly type: 'firmware-log'; readonly bytes: Uint8Array }
  | { readonly type: 'not-allowed'; readonly command: VmCommand['type']; readonly state: VmState }
  | { readonly type: 'memory-report'; readonly report: WorkerMemoryReport }
  | {
      readonly type: 'stats';
      readonly instructions: number;
      readonly guestNs: number;
      /** Wall ms spent running guest slices. */
      readonly hostBusyMs: number;
      /** CPU ms the worker thread used (its real CPU time where the OS tells it). */
      readonly cpuMs: number;
      /** Wall ms spent waiting for the host's CPU allowance (cpu-throttle.ts). */
      readonly throttledMs: number;
      /** Wall ms spent asleep because the guest halted (HLT with nothing due). */
      readonly haltedMs: number;
      /** The worker isolate's own memory (V8 heap, malloc, external), bytes; guest RAM is not in it. */
      readonly heapBytes: number;
      /** Bytes and requests the guest's IDE disks and CD-ROM served since power-on. */
      readonly diskReadBytes: number;
      readonly diskWriteBytes: number;
      readonly diskReads: number;
      readonly diskWrites: number;
      /** Where the vCPU was at the report: EIP, EFLAGS, and whether it sat in HLT (diagnostics). */
      readonly eip: number;
      readonly eflags: number;
      readonly halted: boolean;
    };

/** What the worker is started with (workerData payload). */
export interface VmWorkerInit {
  readonly spec: MachineSpec;
  /** RAM and dirty bitmap, allocated by the host so it can read guest memory. */
  readonly ram: SharedArrayBuffer;
  readonly dirty: SharedArrayBuffer;
  /** Int32 doorbell: the host bumps [0] and notifies when it posts a command. */
  readonly doorbell: SharedArrayBuffer;
  /** The screen consoles read (console/shared-frame.ts), when the VM has consoles. */
  readonly frame?: SharedArrayBuffer;
  /** The host scheduler's CPU control word (cpu-throttle.ts). */
  readonly cpuControl: SharedArrayBuffer;
}
