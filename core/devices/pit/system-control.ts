// Port 0x61, "system control port B" of the PC/AT: counter 2's gate (bit 0) and speaker
// data enable (bit 1) on write; on read also the refresh-request toggle (bit 4, which flips
// every 15.085 µs and which Linux's and BIOS delay loops poll) and counter 2's OUT (bit 5).
import type { AccessSize, PortDevice, VirtualClock } from '../../bus';
import { checkState, readBytewise, stateNumber, writeBytewise } from '../types';
import type { Pit8254 } from './pit8254';
import { PORT61_STATE_VERSION, type Port61State } from './state';

const REFRESH_PERIOD_NS = 15_085;

export interface SystemControlPortOptions {
  clock: VirtualClock;
  pit: Pit8254;
  /** Speaker on/off (bit 0 and bit 1 both set: counter 2 square wave reaches the speaker). */
  onSpeaker?: (enabled: boolean) => void;
}

export class SystemControlPortB implements PortDevice {
  private controlBits = 0;

  constructor(private readonly options: SystemControlPortOptions) {}

  readPort(offset: number, size: AccessSize): number {
    return readBytewise(offset, size, (o) => {
      if (o !== 0) return 0xff;
      const refresh = Math.floor(this.options.clock.now() / REFRESH_PERIOD_NS) & 1;
      return (this.controlBits & 0x0f) | (refresh << 4) | (this.options.pit.out(2) ? 0x20 : 0);
    });
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    writeBytewise(offset, size, value, (o, v) => {
      if (o !== 0) return;
      const before = this.controlBits;
      this.controlBits = v & 0x0f;
      this.options.pit.setGate(2, (v & 1) !== 0);
      const speaker = (v & 3) === 3;
      if (speaker !== ((before & 3) === 3)) this.options.onSpeaker?.(speaker);
    });
  }

  save(): Port61State {
    return { version: PORT61_STATE_VERSION, control: this.controlBits };
  }

  restore(state: Port61State): void {
    checkState('port61', state, PORT61_STATE_VERSION);
    this.controlBits = stateNumber('port61', state, 'control') & 0x0f;
  }
}
