// One counter of the 8254: modes 0–5, binary or BCD, LSB/MSB access, count and status
// latches, gate. Counting is derived from the virtual clock: the counter's state is a
// function of "ticks elapsed since the count was loaded", never stepped per instruction.
// Mode behaviour follows the Intel 8254 datasheet (231164), "Mode Definitions".
import type { PitChannelState } from './state';

export const PIT_HZ = 1_193_182;

export class PitChannel {
  mode = 0;
  bcd = false;
  /** 1 = LSB only, 2 = MSB only, 3 = LSB then MSB. */
  access = 3;
  /** The count N loaded into the counting element (0 means the maximum). */
  reload = 0x10000;
  /** Count register bytes being written in access mode 3. */
  writeLsb = 0;
  writeHigh = false;
  readHigh = false;
  latched = false;
  latchValue = 0;
  latchHigh = false;
  statusLatched = false;
  statusValue = 0;
  /** A count has been written since the last control word. */
  armed = false;
  nullCount = true;
  gate: boolean;
  /** Modes 1 and 5: a gate rising edge has started counting. */
  triggered = false;
  counting = false;
  /** PIT tick at which the elapsed count was zero (valid while counting). */
  startTick = 0;
  /** Elapsed ticks while not counting. */
  heldElapsed = 0;
  /** Modes 2/3: a count written while counting is taken at the end of the current period. */
  pendingReload = 0;
  pendingAtTick = -1;

  constructor(gate = true) {
    this.gate = gate;
  }

  private get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  private get periodic(): boolean {
    return this.mode === 2 || this.mode === 3;
  }

  /** Take a reload scheduled for a period boundary that has passed. */
  sync(tick: number): void {
    if (this.pendingAtTick >= 0 && this.counting && tick >= this.pendingAtTick) {
      this.reload = this.pendingReload;
      this.startTick = this.pendingAtTick;
      this.pendingAtTick = -1;
    }
  }

  elapsed(tick: number): number {
    this.sync(tick);
    return this.counting ? tick - this.startTick : this.heldElapsed;
  }

  count(tick: number): number {
    const e = this.elapsed(tick);
    const n = this.reload;
    switch (this.mode) {
      case 2:
        if (!this.counting) return n % this.modulus;
        return (n - (e % n)) % this.modulus;
      case 3: {
        if (!this.counting) return n % this.modulus & ~1;
        const p = e % n;
        const high = Math.ceil(n / 2);
        const c = p < high ? n - 2 * p : n - 2 * (p - high);
        return (c % this.modulus) & ~1;
      }
      default: {
        const m = this.modulus;
        return (((n - e) % m) + m) % m;
      }
    }
  }

  out(tick: number): boolean {
    const e = this.elapsed(tick);
    const n = this.reload;
    switch (this.mode) {
      case 0:
        return this.armed && e >= n;
      case 1:
        return !this.triggered || e >= n;
      case 2:
        return !this.counting || e % n !== n - 1;
      case 3:
        return !this.counting || e % n < Math.ceil(n / 2);
      case 4:
        return !this.armed || e !== n;
      default: // 5
        return !this.triggered || e !== n;
    }
  }

  /** The tick of OUT's next rising edge after `tick`, or -1 if none is coming. */
  nextRisingEdge(tick: number): number {
    if (!this.counting) return -1;
    const e = this.elapsed(tick);
    const n = this.reload;
    if (this.periodic) {
      if (this.pendingAtTick >= 0) return this.pendingAtTick;
      return this.startTick + (Math.floor(e / n) + 1) * n;
    }
    if (this.mode === 0 || this.mode === 1) return e < n ? this.startTick + n : -1;
    return e < n + 1 ? this.startTick + n + 1 : -1;
  }

  private gateLetsCount(): boolean {
    if (this.mode === 1 || this.mode === 5) return this.triggered;
    return this.gate;
  }

  private startCounting(tick: number, fromElapsed: number): void {
    this.counting = true;
    this.startTick = tick - fromElapsed;
  }

  private stopCounting(tick: number): void {
    if (!this.counting) return;
    this.heldElapsed = this.elapsed(tick);
    this.counting = false;
  }

  /** Control word with RW != 0: new mode, counting stops until a count is written. */
  setMode(mode: number, access: number, bcd: boolean, tick: number): void {
    this.stopCounting(tick);
    this.mode = mode > 5 ? mode & 3 : mode; // modes 6 and 7 are 2 and 3
    this.access = access;
    this.bcd = bcd;
    this.writeHigh = false;
    this.readHigh = false;
    this.latched = false;
    this.statusLatched = false;
    this.armed = false;
    this.triggered = false;
    this.nullCount = true;
    this.heldElapsed = 0;
    this.pendingAtTick = -1;
  }

  latchCount(tick: number): void {
    // A second latch before the first is read is ignored (datasheet "Counter Latch Command").
    if (this.latched) return;
    this.latched = true;
    this.latchHigh = false;
    this.latchValue = this.encode(this.count(tick));
  }

  latchStatus(tick: number): void {
    if (this.statusLatched) return;
    this.statusLatched = true;
    // Status byte: OUT, null count, RW1 RW0, M2 M1 M0, BCD (datasheet "Read-Back Command").
    this.statusValue =
      (this.out(tick) ? 0x80 : 0) | (this.nullCount ? 0x40 : 0) | (this.access << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }

  private encode(value: number): number {
    if (!this.bcd) return value & 0xffff;
    const v = value % 10000;
    return ((Math.floor(v / 1000) % 10) << 12) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 10) % 10) << 4) | v % 10;
  }

  private decode(value: number): number {
    if (!this.bcd) return value === 0 ? 0x10000 : value;
    const d = (s: number): number => Math.min(9, (value >> s) & 0xf);
    const v = d(12) * 1000 + d(8) * 100 + d(4) * 10 + d(0);
    return v === 0 ? 10000 : v;
  }

  readByte(tick: number): number {
    if (this.statusLatched) {
      this.statusLatched = false;
      return this.statusValue;
    }
    const value = this.latched ? this.latchValue : this.encode(this.count(tick));
    let byte: number;
    let done: boolean;
    if (this.access === 1) {
      byte = value & 0xff;
      done = true;
    } else if (this.access === 2) {
      byte = (value >> 8) & 0xff;
      done = true;
    } else {
      const high = this.latched ? this.latchHigh : this.readHigh;
      byte = high ? (value >> 8) & 0xff : value & 0xff;
      done = high;
      if (this.latched) this.latchHigh = !high;
      else this.readHigh = !high;
    }
    if (this.latched && done) this.latched = false;
    return byte;
  }

  writeByte(value: number, tick: number): void {
    let count: number;
    if (this.access === 1) {
      count = value;
    } else if (this.access === 2) {
      count = value << 8;
    } else if (!this.writeHigh) {
      this.writeLsb = value;
      this.writeHigh = true;
      // Mode 0: writing the first byte stops the count (datasheet, Mode 0).
      if (this.mode === 0) {
        this.stopCounting(tick);
        this.armed = false;
      }
      return;
    } else {
      this.writeHigh = false;
      count = this.writeLsb | (value << 8);
    }
    this.loadCount(this.decode(count), tick);
  }

  private loadCount(n: number, tick: number): void {
    this.nullCount = false;
    if (this.periodic && this.counting && this.armed) {
      // Modes 2 and 3 take a new count at the end of the current period.
      const e = this.elapsed(tick);
      this.pendingReload = n;
      this.pendingAtTick = this.startTick + (Math.floor(e / this.reload) + 1) * this.reload;
      return;
    }
    this.reload = n;
    this.armed = true;
    this.pendingAtTick = -1;
    if (this.mode === 1 || this.mode === 5) {
      // Waits for a gate trigger; an already-running count is not disturbed.
      return;
    }
    this.heldElapsed = 0;
    this.counting = false;
    if (this.gateLetsCount()) this.startCounting(tick, 0);
  }

  setGate(level: boolean, tick: number): void {
    if (level === this.gate) return;
    this.gate = level;
    switch (this.mode) {
      case 0:
      case 4:
        // Gate low suspends counting; high resumes.
        if (!level) this.stopCounting(tick);
        else if (this.armed) this.startCounting(tick, this.heldElapsed);
        break;
      case 2:
      case 3:
        // Gate low stops and forces OUT high; a rising edge reloads and restarts.
        if (!level) {
          this.stopCounting(tick);
          this.heldElapsed = 0;
        } else if (this.armed) {
          this.sync(tick);
          this.startCounting(tick, 0);
        }
        break;
      default:
        // Modes 1 and 5: a rising edge (re)triggers the count.
        if (level && this.armed) {
          this.triggered = true;
          this.startCounting(tick, 0);
        }
    }
  }

  save(): PitChannelState {
    return {
      mode: this.mode,
      bcd: this.bcd,
      access: this.access,
      reload: this.reload,
      writeLsb: this.writeLsb,
      writeHigh: this.writeHigh,
      readHigh: this.readHigh,
      latched: this.latched,
      latchValue: this.latchValue,
      latchHigh: this.latchHigh,
      statusLatched: this.statusLatched,
      statusValue: this.statusValue,
      armed: this.armed,
      nullCount: this.nullCount,
      gate: this.gate,
      triggered: this.triggered,
      counting: this.counting,
      startTick: this.startTick,
      heldElapsed: this.heldElapsed,
      pendingReload: this.pendingReload,
      pendingAtTick: this.pendingAtTick,
    };
  }

  restore(s: PitChannelState): void {
    const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
    this.mode = num(s.mode, 0) & 7;
    if (this.mode > 5) this.mode &= 3;
    this.bcd = !!s.bcd;
    this.access = [1, 2, 3].includes(s.access) ? s.access : 3;
    this.reload = Math.min(0x10000, Math.max(1, num(s.reload, 0x10000)));
    this.writeLsb = num(s.writeLsb, 0) & 0xff;
    this.writeHigh = !!s.writeHigh;
    this.readHigh = !!s.readHigh;
    this.latched = !!s.latched;
    this.latchValue = num(s.latchValue, 0) & 0xffff;
    this.latchHigh = !!s.latchHigh;
    this.statusLatched = !!s.statusLatched;
    this.statusValue = num(s.statusValue, 0) & 0xff;
    this.armed = !!s.armed;
    this.nullCount = !!s.nullCount;
    this.gate = !!s.gate;
    this.triggered = !!s.triggered;
    this.counting = !!s.counting;
    this.startTick = num(s.startTick, 0);
    this.heldElapsed = Math.max(0, num(s.heldElapsed, 0));
    this.pendingReload = Math.min(0x10000, Math.max(1, num(s.pendingReload, 0x10000)));
    this.pendingAtTick = num(s.pendingAtTick, -1);
  }
}
