// The 8254 programmable interval timer: three counters at 1.193182 MHz, a control word
// port, counter-latch and read-back commands. Counter 0's OUT drives the IRQ line handed in
// (ISA IRQ 0); counter 2's gate and OUT are reached through port 0x61 (system-control.ts).
import type { AccessSize, IrqLine, PortDevice, TimerHandle, VirtualClock } from '../../bus';
import { ticksAt, timeOfTick, unconnectedIrq } from '../../bus';
import { checkState, DeviceStateError, readBytewise, writeBytewise } from '../types';
import { PIT_HZ, PitChannel } from './pit-channel';
import { PIT_STATE_VERSION, type PitState } from './state';

export interface Pit8254Options {
  clock: VirtualClock;
  /** Counter 0's OUT (a rising edge per period in modes 2 and 3). */
  irq0?: IrqLine;
}

export class Pit8254 implements PortDevice {
  readonly channels: readonly [PitChannel, PitChannel, PitChannel];
  private readonly clock: VirtualClock;
  private readonly irq0: IrqLine;
  private timer: TimerHandle | undefined;

  constructor(options: Pit8254Options) {
    this.clock = options.clock;
    this.irq0 = options.irq0 ?? unconnectedIrq;
    // Counters 0 and 1 have their gates tied high on the PC; counter 2's comes from port 0x61.
    this.channels = [new PitChannel(true), new PitChannel(true), new PitChannel(false)];
  }

  private tick(): number {
    return ticksAt(this.clock.now(), PIT_HZ);
  }

  readPort(offset: number, size: AccessSize): number {
    return readBytewise(offset, size, (o) => {
      if (o < 0 || o > 2) return 0xff; // the control word register is write-only
      return this.channels[o]!.readByte(this.tick());
    });
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    writeBytewise(offset, size, value, (o, v) => {
      if (o >= 0 && o <= 2) {
        this.channels[o]!.writeByte(v, this.tick());
        if (o === 0) this.rearm();
      } else if (o === 3) {
        this.control(v);
      }
    });
  }

  private control(v: number): void {
    const tick = this.tick();
    const select = v >> 6;
    if (select === 3) {
      // Read-back: bit 5 = 0 latches counts, bit 4 = 0 latches status, bits 3..1 pick counters.
      for (let c = 0; c < 3; c++) {
        if (!(v & (2 << c))) continue;
        const ch = this.channels[c]!;
        if (!(v & 0x20)) ch.latchCount(tick);
        if (!(v & 0x10)) ch.latchStatus(tick);
      }
      return;
    }
    const ch = this.channels[select]!;
    const access = (v >> 4) & 3;
    if (access === 0) {
      ch.latchCount(tick);
      return;
    }
    ch.setMode((v >> 1) & 7, access, (v & 1) !== 0, tick);
    if (select === 0) this.rearm();
  }

  /** Counter 2's gate (port 0x61 bit 0). */
  setGate(channel: number, level: boolean): void {
    const ch = this.channels[channel];
    if (!ch) return;
    ch.setGate(level, this.tick());
    if (channel === 0) this.rearm();
  }

  /** Level of a counter's OUT now. */
  out(channel: number): boolean {
    return this.channels[channel]?.out(this.tick()) ?? false;
  }

  /**
   * Schedule counter 0's next rising edge on the virtual clock. After a delivered edge the
   * next one counts from that edge, so edges the host was too busy to deliver on time are
   * still delivered, one per timer pass so the guest can take each (like KVM's reinjecting
   * PIT): Linux's check_timer() wants ticks in a short TSC window, and jiffies keep pace.
   * More than a second behind, the counter resynchronises and the backlog is dropped.
   */
  private rearm(afterEdge?: number): void {
    this.timer?.cancel();
    this.timer = undefined;
    const ch = this.channels[0];
    const now = this.tick();
    let next = afterEdge === undefined ? ch.nextRisingEdge(now) : ch.nextRisingEdge(afterEdge);
    if (afterEdge !== undefined && (next <= afterEdge || now - next > PIT_HZ)) next = ch.nextRisingEdge(now);
    if (next < 0) return;
    // A late edge waits for the next pass of the clock's timers (its deadline is after this one's).
    const at = Math.max(timeOfTick(next, PIT_HZ), this.clock.now() + 1);
    this.timer = this.clock.schedule(at, () => this.edgeDue(next));
  }

  /**
   * Counter 0's rising edge `edge` (in PIT ticks) is due. While the guest has not yet taken the
   * last one (its interrupts off longer than a period: an emulated CPU runs such stretches many
   * times slower than hardware), a second edge would merge with it in the controller and the
   * tick would be lost, so jiffies fall behind the TSC; the edge waits instead, asking again
   * every quarter period, for up to a second (a guest that never takes it loses it).
   */
  private edgeDue(edge: number): void {
    this.timer = undefined;
    const now = this.tick();
    if (this.irq0.edgePending?.() === true && now - edge < PIT_HZ) {
      const period = this.channels[0]!.nextRisingEdge(edge) - edge;
      const retry = now + Math.max(1, Math.floor(period / 4));
      this.timer = this.clock.schedule(timeOfTick(retry, PIT_HZ), () => this.edgeDue(edge));
      return;
    }
    this.irq0.setLevel(true);
    this.irq0.setLevel(false);
    this.rearm(edge);
  }

  save(): PitState {
    return { version: PIT_STATE_VERSION, channels: this.channels.map((c) => c.save()) };
  }

  restore(state: PitState): void {
    checkState('pit', state, PIT_STATE_VERSION);
    if (!Array.isArray(state.channels) || state.channels.length !== 3) throw new DeviceStateError('pit: saved state needs 3 channels');
    state.channels.forEach((s, i) => this.channels[i]!.restore(s));
    this.rearm();
  }
}
