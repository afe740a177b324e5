// QEMU's isa-debug-exit semantics for test guests: writing v ends the VM with exit status
// (v << 1) | 1, so a guest can never fake a clean 0. Only wired with `--debug-exit`.
import type { AccessSize, PortDevice } from '../../bus';
import { checkState } from '../types';

export const DEBUG_EXIT_STATE_VERSION = 1;
export interface DebugExitState {
  version: typeof DEBUG_EXIT_STATE_VERSION;
}

export class DebugExitPort implements PortDevice {
  constructor(private readonly onExit: (code: number) => void) {}

  readPort(_offset: number, size: AccessSize): number {
    return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
  }

  writePort(_offset: number, size: AccessSize, value: number): void {
    // The device is one byte wide (iosize 1): only the low byte reaches it.
    const v = value & 0xff;
    this.onExit(((v << 1) | 1) & 0x1ff);
  }

  save(): DebugExitState {
    return { version: DEBUG_EXIT_STATE_VERSION };
  }

  restore(state: DebugExitState): void {
    checkState('debug-exit', state, DEBUG_EXIT_STATE_VERSION);
  }
}
