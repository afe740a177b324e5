// The MC146818 real-time clock with its CMOS RAM, behind ports 0x70 (index, bit 7 = NMI
// mask) and 0x71 (data). Time starts from the host's wall clock and then advances with the
// virtual clock; the registers are derived from that on every read, in BCD or binary and
// 12- or 24-hour form as register B asks. Update-ended, alarm and periodic flags are
// computed from guest time and raise IRQ 8 through the line handed in.
// References: Motorola MC146818A datasheet, "Register A–D" and "Interrupts".
import type { AccessSize, IrqLine, PortDevice, TimerHandle, VirtualClock } from '../../bus';
import { unconnectedIrq } from '../../bus';
import { checkState, DeviceStateError, readBytewise, stateNumber, writeBytewise } from '../types';
import { RTC_STATE_VERSION, type RtcState } from './state';
import { fillMemorySize, writeCmosChecksum } from './cmos-layout';

export interface Rtc146818Options {
  clock: VirtualClock;
  /** IRQ 8; driven high while register C's IRQF is set (until C is read). */
  irq?: IrqLine;
  /** Guest RAM in bytes, for the memory-size bytes 0x15–0x18, 0x30/0x31, 0x34/0x35. */
  ramBytes: number;
  /** Host wall-clock time in ms (default Date.now); read once at construction. */
  hostTimeMs?: () => number;
  /** Keep the RTC in host local time instead of UTC (Windows guests expect that). */
  localTime?: boolean;
}

const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;
const CENTURY = 0x32;

const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_DM_BINARY = 0x04;
const B_24H = 0x02;

const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;

/** UIP rises this long before the update cycle (datasheet: tBUC = 244 µs). */
const UIP_LEAD_MS = 0.244;
const NS_PER_MS = 1e6;

/** Registers 0, 2, 4, 6, 7, 8, 9 hold the time and date; 1, 3, 5 the alarm. */
const isTimeRegister = (reg: number): boolean => reg === CENTURY || (reg <= 9 && (reg >= 6 || reg % 2 === 0));

const toBcd = (v: number): number => ((Math.floor(v / 10) % 10) << 4) | v % 10;
const fromBcd = (v: number): number => (v >> 4) * 10 + (v & 0xf);

export class Rtc146818 implements PortDevice {
  private readonly clock: VirtualClock;
  private readonly irq: IrqLine;
  private readonly cmos = new Uint8Array(128);
  private index = 0;
  private nmiMasked = false;
  /** RTC wall time (ms since the epoch, in the RTC's zone) at guest time `baseNs`. */
  private baseMs: number;
  private baseNs: number;
  /** While register B's SET bit is on, time stands still at this value. */
  private frozenMs: number | undefined;
  /** Day-of-week register as written, relative to the computed day. */
  private dowDelta = 0;
  private flags = 0;
  private lastCheckNs: number;
  private irqLevel = false;
  private timer: TimerHandle | undefined;
  /** Called when the guest writes port 0x70 bit 7 (NMI disable). */
  onNmiMask: ((masked: boolean) => void) | undefined;

  constructor(options: Rtc146818Options) {
    if (!Number.isFinite(options.ramBytes) || options.ramBytes < 0) {
      throw new RangeError(`rtc: RAM size ${options.ramBytes} is not a byte count`);
    }
    this.clock = options.clock;
    this.irq = options.irq ?? unconnectedIrq;
    const host = (options.hostTimeMs ?? Date.now)();
    const zone = options.localTime ? -new Date(host).getTimezoneOffset() * 60_000 : 0;
    this.baseMs = host + zone;
    this.baseNs = this.clock.now();
    this.lastCheckNs = this.baseNs;
    this.cmos[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.cmos[REG_B] = B_24H;
    this.cmos[REG_D] = 0x80; // VRT: battery good
    this.cmos[0x14] = 0x02; // equipment: math coprocessor present, VGA
    fillMemorySize(this.cmos, options.ramBytes);
    writeCmosChecksum(this.cmos);
  }

  /** Whether the guest has set port 0x70 bit 7 (NMIs disabled). */
  get nmiDisabled(): boolean {
    return this.nmiMasked;
  }

  readPort(offset: number, size: AccessSize): number {
    return readBytewise(offset, size, (o) => (o === 1 ? this.readRegister(this.index) : 0xff));
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    writeBytewise(offset, size, value, (o, v) => {
      if (o === 0) {
        this.index = v & 0x7f;
        const masked = (v & 0x80) !== 0;
        if (masked !== this.nmiMasked) {
          this.nmiMasked = masked;
          this.onNmiMask?.(masked);
        }
      } else if (o === 1) {
        this.writeRegister(this.index, v);
      }
    });
  }

  // ---- time ------------------------------------------------------------------------

  private nowMs(nowNs = this.clock.now()): number {
    if (this.frozenMs !== undefined) return this.frozenMs;
    return this.baseMs + (nowNs - this.baseNs) / NS_PER_MS;
  }

  private get binary(): boolean {
    return (this.cmos[REG_B]! & B_DM_BINARY) !== 0;
  }

  private enc(v: number): number {
    return this.binary ? v : toBcd(v);
  }

  private dec(v: number): number {
    return this.binary ? v : fromBcd(v);
  }

  private encodeHour(h: number): number {
    if (this.cmos[REG_B]! & B_24H) return this.enc(h);
    const h12 = h % 12 === 0 ? 12 : h % 12;
    return this.enc(h12) | (h >= 12 ? 0x80 : 0);
  }

  private decodeHour(v: number): number {
    if (this.cmos[REG_B]! & B_24H) return this.dec(v & 0x7f);
    const h12 = this.dec(v & 0x7f) % 12;
    return v & 0x80 ? h12 + 12 : h12;
  }

  private timeRegister(reg: number, ms: number): number {
    const d = new Date(Math.floor(ms / 1000) * 1000);
    switch (reg) {
      case 0:
        return this.enc(d.getUTCSeconds());
      case 2:
        return this.enc(d.getUTCMinutes());
      case 4:
        return this.encodeHour(d.getUTCHours());
      case 6:
        return this.enc((((d.getUTCDay() + this.dowDelta) % 7) + 7) % 7 + 1);
      case 7:
        return this.enc(d.getUTCDate());
      case 8:
        return this.enc(d.getUTCMonth() + 1);
      case 9:
        return this.enc(d.getUTCFullYear() % 100);
      default: // century
        return this.enc(Math.floor(d.getUTCFullYear() / 100) % 100);
    }
  }

  /** Replace one field of the current time; out-of-range values roll over like Date does. */
  private setTimeField(reg: number, raw: number): void {
    const ms = this.nowMs();
    const d = new Date(ms);
    let [year, month, day, hour, min, sec] = [
      d.getUTCFullYear(),
      d.getUTCMonth(),
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    ];
    const v = this.dec(raw);
    switch (reg) {
      case 0:
        sec = v;
        break;
      case 2:
        min = v;
        break;
      case 4:
        hour = this.decodeHour(raw);
        break;
      case 6:
        this.dowDelta = (v - 1 - d.getUTCDay()) % 7;
        return;
      case 7:
        day = v;
        break;
      case 8:
        month = v - 1;
        break;
      case 9:
        year = Math.floor(year / 100) * 100 + (v % 100);
        break;
      default:
        year = v * 100 + (year % 100);
    }
    const next = Date.UTC(year, month, day, hour, min, sec) + (ms - Math.floor(ms / 1000) * 1000);
    if (!Number.isFinite(next)) return; // garbage the Date range cannot hold: ignore
    const dow = new Date(next).getUTCDay();
    this.dowDelta = (this.dowDelta + d.getUTCDay() - dow) % 7;
    if (this.frozenMs !== undefined) {
      this.frozenMs = next;
    } else {
      this.baseMs = next;
      this.baseNs = this.clock.now();
    }
  }

  // ---- registers -------------------------------------------------------------------

  private readRegister(reg: number): number {
    const now = this.clock.now();
    if (isTimeRegister(reg)) return this.timeRegister(reg, this.nowMs(now));
    switch (reg) {
      case REG_A: {
        const ms = this.nowMs(now);
        const frac = ms - Math.floor(ms / 1000) * 1000;
        const uip = this.frozenMs === undefined && frac >= 1000 - UIP_LEAD_MS;
        return (this.cmos[REG_A]! & 0x7f) | (uip ? 0x80 : 0);
      }
      case REG_C: {
        this.updateFlags(now);
        const v = this.flags;
        this.flags = 0;
        this.setIrq(false);
        this.rearm();
        return v;
      }
      case REG_D:
        return 0x80;
      default:
        return this.cmos[reg]!;
    }
  }

  private writeRegister(reg: number, value: number): void {
    const now = this.clock.now();
    if (isTimeRegister(reg)) {
      this.updateFlags(now);
      this.setTimeField(reg, value);
      this.lastCheckNs = now;
      this.rearm();
      return;
    }
    switch (reg) {
      case REG_A:
        this.updateFlags(now);
        this.cmos[REG_A] = value & 0x7f;
        break;
      case REG_B: {
        this.updateFlags(now);
        const before = this.cmos[REG_B]!;
        // SET stops updates and clears UIE (datasheet, register B bit 7).
        const b = value & B_SET ? value & ~B_UIE : value;
        if (b & B_SET && !(before & B_SET)) this.frozenMs = this.nowMs(now);
        if (!(b & B_SET) && before & B_SET && this.frozenMs !== undefined) {
          this.baseMs = this.frozenMs;
          this.baseNs = now;
          this.frozenMs = undefined;
        }
        this.cmos[REG_B] = b & 0xff;
        this.lastCheckNs = now;
        this.refreshIrq();
        break;
      }
      case REG_C:
      case REG_D:
        break; // read-only
      default:
        this.cmos[reg] = value & 0xff;
    }
    this.rearm();
  }

  // ---- interrupts ------------------------------------------------------------------

  private periodNs(): number {
    const rs = this.cmos[REG_A]! & 0x0f;
    if (rs === 0) return 0;
    const shift = rs < 3 ? rs + 6 : rs - 1;
    return (2 ** shift * 1e9) / 32768;
  }

  private alarmMatches(ms: number): boolean {
    for (const [alarm, field] of [
      [1, 0],
      [3, 2],
      [5, 4],
    ] as const) {
      const a = this.cmos[alarm]!;
      if ((a & 0xc0) === 0xc0) continue; // "don't care" code
      if (a !== this.timeRegister(field, ms)) return false;
    }
    return true;
  }

  /** Set PF/UF/AF for every period and second boundary passed since the last look. */
  private updateFlags(now: number): void {
    const from = this.lastCheckNs;
    if (now <= from) return;
    this.lastCheckNs = now;
    const period = this.periodNs();
    if (period > 0 && Math.floor(now / period) > Math.floor(from / period)) this.flags |= C_PF;
    if (this.frozenMs === undefined) {
      const a = Math.floor(this.nowMs(from) / 1000);
      const b = Math.floor(this.nowMs(now) / 1000);
      if (b > a) {
        this.flags |= C_UF;
        for (let s = a + 1, n = 0; s <= b && n < 86_400; s++, n++) {
          if (this.alarmMatches(s * 1000)) {
            this.flags |= C_AF;
            break;
          }
        }
      }
    }
    this.refreshIrq();
  }

  private refreshIrq(): void {
    const b = this.cmos[REG_B]!;
    const enabled = this.flags & ((b & B_PIE ? C_PF : 0) | (b & B_AIE ? C_AF : 0) | (b & B_UIE ? C_UF : 0));
    if (enabled) this.flags |= C_IRQF;
    else this.flags &= ~C_IRQF;
    this.setIrq(enabled !== 0);
  }

  private setIrq(level: boolean): void {
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq.setLevel(level);
  }

  /** Schedule the next event an enabled interrupt waits for (while IRQF is clear). */
  private rearm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.flags & C_IRQF) return; // nothing new can be signalled until C is read
    const b = this.cmos[REG_B]!;
    const now = this.clock.now();
    let next = Infinity;
    const period = this.periodNs();
    if (b & B_PIE && period > 0) next = (Math.floor(now / period) + 1) * period;
    if (b & (B_UIE | B_AIE) && this.frozenMs === undefined) {
      const ms = this.nowMs(now);
      const boundaryMs = (Math.floor(ms / 1000) + 1) * 1000;
      next = Math.min(next, this.baseNs + (boundaryMs - this.baseMs) * NS_PER_MS);
    }
    if (next === Infinity) return;
    this.timer = this.clock.schedule(Math.ceil(next), (t) => {
      this.timer = undefined;
      this.updateFlags(t);
      this.rearm();
    });
  }

  // ---- saved state -----------------------------------------------------------------

  save(): RtcState {
    return {
      version: RTC_STATE_VERSION,
      cmos: Array.from(this.cmos),
      index: this.index,
      nmiMasked: this.nmiMasked,
      baseMs: this.baseMs,
      baseNs: this.baseNs,
      frozenMs: this.frozenMs ?? null,
      dowDelta: this.dowDelta,
      flags: this.flags,
      lastCheckNs: this.lastCheckNs,
    };
  }

  restore(state: RtcState): void {
    checkState('rtc', state, RTC_STATE_VERSION);
    if (!Array.isArray(state.cmos) || state.cmos.length !== 128) throw new DeviceStateError('rtc: saved state needs 128 CMOS bytes');
    this.cmos.set(state.cmos.map((v) => Number(v) & 0xff));
    this.index = stateNumber('rtc', state, 'index') & 0x7f;
    this.nmiMasked = !!state.nmiMasked;
    this.baseMs = stateNumber('rtc', state, 'baseMs');
    this.baseNs = stateNumber('rtc', state, 'baseNs');
    this.frozenMs = typeof state.frozenMs === 'number' ? state.frozenMs : undefined;
    this.dowDelta = stateNumber('rtc', state, 'dowDelta') % 7;
    this.flags = stateNumber('rtc', state, 'flags') & 0xf0;
    this.lastCheckNs = stateNumber('rtc', state, 'lastCheckNs');
    this.irqLevel = false;
    this.refreshIrq();
    this.rearm();
  }
}
