// Port 0x92, "system control port A" (PS/2 and every chipset since): bit 1 gates A20 the
// fast way, bit 0 written 1 pulses the CPU reset (it reads back 0 as the reset is a pulse).
// The A20 gate and the reset line are handed in.
import type { AccessSize, PortDevice } from '../../bus';
import { type A20Gate, checkState, readBytewise, writeBytewise } from '../types';

export interface Port92Options {
  a20: A20Gate;
  onReset: () => void;
}

export const PORT92_STATE_VERSION = 1;
export interface Port92State {
  version: typeof PORT92_STATE_VERSION;
}

export class Port92 implements PortDevice {
  constructor(private readonly options: Port92Options) {}

  readPort(offset: number, size: AccessSize): number {
    return readBytewise(offset, size, (o) => (o === 0 ? (this.options.a20.enabled ? 0x02 : 0x00) : 0xff));
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    writeBytewise(offset, size, value, (o, v) => {
      if (o !== 0) return;
      this.options.a20.setEnabled((v & 0x02) !== 0);
      if (v & 0x01) this.options.onReset();
    });
  }

  /** All state lives in the shared A20 gate; the version is kept for the snapshot tree. */
  save(): Port92State {
    return { version: PORT92_STATE_VERSION };
  }

  restore(state: Port92State): void {
    checkState('port92', state, PORT92_STATE_VERSION);
  }
}
