// The seam between the host's management plane and VM execution. The host (VmRegistry)
// powers VMs on through a VmRuntime; WorkerVmRuntime (worker-vm-runtime.ts, over core/vmm's
// VmThread) implements it and is handed to the HostAgent by whoever assembles the host (the
// CLI's embedded host, Electron main). NoVmRuntime, for hosts that must not run VMs (tests
// of the management plane), refuses every power-on with a typed error.
//
// Transitions the host drives (one RunningVm per power-on):
//   PoweredOff --powerOn--> Running        (powerOn resolves once the worker runs)
//   Running --powerOff--> PoweredOff       (hard stop; exited({kind:'poweredOff'}) follows)
//   Running --reset--> Running             (hard reset, same worker, same RunningVm)
//   Running --shutdown--> Running … --> PoweredOff  (ACPI power button; the guest decides)
//   Running --(guest powers off | triple fault | worker crash)--> PoweredOff via exited()
import { VmdeskError } from '../../common';
import type { ConsoleDisplay } from '../../vmm/console';
import type { VmConfig } from '../vmx';

export interface VmLaunchSpec {
  /** Inventory id, "vm-3". */
  readonly id: string;
  readonly name: string;
  /** Absolute host paths. */
  readonly vmxFile: string;
  readonly folder: string;
  readonly datastore: { readonly name: string; readonly path: string };
  /** The .vmx as read at power-on. File names in it are relative to `folder`. */
  readonly config: VmConfig;
  /**
   * Host path of a file the .vmx names: a datastore path ("[ds] dir/file") on one of the
   * host's datastores, an absolute path, or one relative to `folder` (the default when absent).
   */
  readonly resolveFile?: (file: string) => string;
}

export type VmExitReason =
  | { readonly kind: 'poweredOff' } // the host's powerOff()
  | { readonly kind: 'guestPoweredOff' } // ACPI S5 from the guest (after shutdown() or by itself)
  | { readonly kind: 'tripleFault'; readonly message: string }
  | { readonly kind: 'crashed'; readonly message: string }; // the worker died or threw

export interface VmRuntimeCallbacks {
  /** Bytes the guest wrote to serial port 1 (COM1). Called on the host's thread. */
  serialOutput(bytes: Uint8Array): void;
  /** Called exactly once, when the VM has stopped for good; the RunningVm is dead after it. */
  exited(reason: VmExitReason): void;
}

/** Cumulative counters since power-on; the host turns them into rates. */
export interface VmRuntimeCounters {
  /** CPU time the VM's worker thread(s) used, ms. */
  readonly cpuTimeMs: number;
  /** Host memory the VM takes: its guest RAM plus the worker's own measured memory, bytes. */
  readonly memoryUsedBytes: number;
  readonly diskReadBytes: number;
  readonly diskWriteBytes: number;
  /** Read and write requests the guest's disks and CD-ROM served. */
  readonly diskReads: number;
  readonly diskWrites: number;
}

export interface RunningVm {
  /** Hard power off. Resolves when the worker has stopped (exited() has been called). */
  powerOff(): Promise<void>;
  /** Hard reset: the guest reboots in the same worker. */
  reset(): Promise<void>;
  /** Press the ACPI power button; resolves once pressed, not when the guest is off. */
  shutdown(): Promise<void>;
  /** Bytes typed into serial port 1. */
  serialInput(bytes: Uint8Array): void;
  counters(): VmRuntimeCounters;
  /** The VM's screen and keyboard for graphical consoles (VMs that boot through the BIOS). */
  readonly display?: ConsoleDisplay;
}

export interface VmRuntime {
  /** Starts the VM (its worker, devices, disks and the datastore lock on them). Rejects with a
   *  VmdeskError naming the reason (bad kernel, disk locked by another host…). */
  powerOn(spec: VmLaunchSpec, callbacks: VmRuntimeCallbacks): Promise<RunningVm>;
}

export class VmRuntimeUnavailableError extends VmdeskError {
  constructor(name: string) {
    super('unavailable', `host: this build cannot run VMs yet (the VM worker of core/vmm is not part of it); ${name} stays powered off`);
  }
}

/** The runtime of a build without core/vmm: every power-on fails with a typed error. */
export class NoVmRuntime implements VmRuntime {
  powerOn(spec: VmLaunchSpec): Promise<RunningVm> {
    return Promise.reject(new VmRuntimeUnavailableError(spec.name));
  }
}
