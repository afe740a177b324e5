// The ACPI fixed-hardware power-management block (ACPI 6.x §4.8): PM1a event block
// (PM1_STS / PM1_EN), PM1a control (SCI_EN, SLP_TYP, SLP_EN), the 24-bit PM timer at
// 3.579545 MHz derived from the virtual clock, and GPE0 status/enable. The power button
// sets PWRBTN_STS and raises SCI; SLP_EN with the S5 sleep type calls the power-off
// callback. Ports and the SCI line are wired by the builder (each block is a PortDevice).
import type { AccessSize, IrqLine, PortDevice, TimerHandle, VirtualClock } from '../../bus';
import { ticksAt, timeOfTick, unconnectedIrq } from '../../bus';
import { checkState, readBytewise, stateNumber, writeBytewise } from '../types';
import { ACPI_PM_STATE_VERSION, type AcpiPmState } from './state';

export const PM_TIMER_HZ = 3_579_545;

export interface AcpiPmOptions {
  clock: VirtualClock;
  /** The SCI (ISA IRQ 9, level, active high in the MADT override). */
  sci?: IrqLine;
  /** SLP_EN with SLP_TYP equal to the `_S5` value. */
  onPowerOff: () => void;
  /** SLP_EN with another sleep type (S1–S4 are not supported; the builder may log it). */
  onSleep?: (sleepType: number) => void;
  /** SLP_TYP of `_S5` in the DSDT (default 0). */
  s5SleepType?: number;
}

const STS_TMR = 0x0001;
const STS_PWRBTN = 0x0100;
const STS_SLPBTN = 0x0200;
const STS_RTC = 0x0400;
const STS_WAK = 0x8000;
/** Status bits that exist here (timer, bus master, global, power/sleep button, RTC, wake). */
const STS_BITS = 0x8731;
/** Enable bits that can raise SCI: timer, global, power/sleep button, RTC. */
const EN_BITS = 0x0721;
const CNT_SCI_EN = 0x0001;
const CNT_SLP_EN = 0x2000;
const TIMER_CARRY_TICKS = 1 << 23;

export class AcpiPm {
  /** PM1a_EVT_BLK: 4 bytes, PM1_STS at +0, PM1_EN at +2. */
  readonly eventBlock: PortDevice;
  /** PM1a_CNT_BLK: 2 bytes. */
  readonly controlBlock: PortDevice;
  /** PM_TMR_BLK: 4 bytes, read-only. */
  readonly timerBlock: PortDevice;
  /** GPE0_BLK: 4 bytes, GPE0_STS at +0, GPE0_EN at +2. */
  readonly gpe0Block: PortDevice;

  private readonly clock: VirtualClock;
  private readonly sci: IrqLine;
  private readonly options: AcpiPmOptions;
  private status = 0;
  private enable = 0;
  private control = CNT_SCI_EN;
  private gpeStatus = 0;
  private gpeEnable = 0;
  /** Bit-23 period of the PM timer last looked at, for TMR_STS. */
  private lastCarry = 0;
  private timer: TimerHandle | undefined;
  private sciLevel = false;

  constructor(options: AcpiPmOptions) {
    this.options = options;
    this.clock = options.clock;
    this.sci = options.sci ?? unconnectedIrq;
    this.lastCarry = Math.floor(this.ticks() / TIMER_CARRY_TICKS);
    this.eventBlock = {
      readPort: (o: number, size: AccessSize) =>
        readBytewise(o, size, (b) => {
          this.updateTimerStatus();
          if (b === 0 || b === 1) return this.status >> (8 * b);
          if (b === 2 || b === 3) return this.enable >> (8 * (b - 2));
          return 0xff;
        }),
      writePort: (o: number, size: AccessSize, v: number) => {
        writeBytewise(o, size, v, (b, x) => {
          // PM1_STS bits are write-1-to-clear; PM1_EN is read/write.
          if (b === 0 || b === 1) this.status &= ~((x << (8 * b)) & STS_BITS);
          else if (b === 2) this.enable = (this.enable & 0xff00) | (x & EN_BITS & 0xff);
          else if (b === 3) this.enable = (this.enable & 0x00ff) | ((x << 8) & EN_BITS);
        });
        this.refresh();
      },
    };
    this.controlBlock = {
      readPort: (o: number, size: AccessSize) => readBytewise(o, size, (b) => (b < 2 ? (this.control >> (8 * b)) & 0xff : 0xff)),
      writePort: (o: number, size: AccessSize, v: number) => {
        let written = this.control;
        let touchedHigh = false;
        writeBytewise(o, size, v, (b, x) => {
          if (b === 0) written = (written & 0xff00) | x;
          else if (b === 1) {
            written = (written & 0x00ff) | (x << 8);
            touchedHigh = true;
          }
        });
        this.writeControl(written, touchedHigh);
      },
    };
    this.timerBlock = {
      readPort: (o: number, size: AccessSize) => {
        // One sample for the whole access: a 32-bit IN must not tear across a byte carry.
        const value = this.timerValue();
        return readBytewise(o, size, (b) => (b < 3 ? (value >> (8 * b)) & 0xff : 0));
      },
      writePort: () => {},
    };
    this.gpe0Block = {
      readPort: (o: number, size: AccessSize) =>
        readBytewise(o, size, (b) => {
          if (b < 2) return this.gpeStatus >> (8 * b);
          if (b < 4) return this.gpeEnable >> (8 * (b - 2));
          return 0xff;
        }),
      writePort: (o: number, size: AccessSize, v: number) => {
        writeBytewise(o, size, v, (b, x) => {
          if (b < 2) this.gpeStatus &= ~(x << (8 * b));
          else if (b === 2) this.gpeEnable = (this.gpeEnable & 0xff00) | x;
          else if (b === 3) this.gpeEnable = (this.gpeEnable & 0x00ff) | (x << 8);
        });
        this.refresh();
      },
    };
  }

  private ticks(): number {
    return ticksAt(this.clock.now(), PM_TIMER_HZ);
  }

  /** The PM timer's 24-bit count now. */
  timerValue(): number {
    return this.ticks() % 0x100_0000;
  }

  /** The user pressed the power button (ACPI §4.8.2.2.1.1 fixed power button). */
  pressPowerButton(): void {
    this.status |= STS_PWRBTN;
    this.refresh();
  }

  pressSleepButton(): void {
    this.status |= STS_SLPBTN;
    this.refresh();
  }

  /** RTC alarm wake status (RTC_STS), for a builder that wires the RTC alarm here. */
  signalRtc(): void {
    this.status |= STS_RTC;
    this.refresh();
  }

  /** Set general-purpose event `bit` (0–15) of GPE0. */
  raiseGpe(bit: number): void {
    if (bit < 0 || bit > 15) return;
    this.gpeStatus |= 1 << bit;
    this.refresh();
  }

  private writeControl(v: number, touchedHigh: boolean): void {
    // SCI_EN is always on (no SMI_CMD), SLP_EN is write-only (reads 0).
    this.control = (v & 0x1c06) | CNT_SCI_EN;
    if (touchedHigh && v & CNT_SLP_EN) {
      const type = (v >> 10) & 7;
      this.status |= STS_WAK;
      if (type === (this.options.s5SleepType ?? 0)) this.options.onPowerOff();
      else this.options.onSleep?.(type);
    }
  }

  private updateTimerStatus(): void {
    const carry = Math.floor(this.ticks() / TIMER_CARRY_TICKS);
    if (carry !== this.lastCarry) {
      this.lastCarry = carry;
      this.status |= STS_TMR;
    }
  }

  private refresh(): void {
    this.updateTimerStatus();
    const level = (this.status & this.enable & EN_BITS) !== 0 || (this.gpeStatus & this.gpeEnable) !== 0;
    if (level !== this.sciLevel) {
      this.sciLevel = level;
      this.sci.setLevel(level);
    }
    this.armTimer();
  }

  /** With TMR_EN, wake at the next bit-23 transition so TMR_STS can raise SCI. */
  private armTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!(this.enable & STS_TMR) || this.status & STS_TMR) return;
    const next = (this.lastCarry + 1) * TIMER_CARRY_TICKS;
    this.timer = this.clock.schedule(timeOfTick(next, PM_TIMER_HZ), () => {
      this.timer = undefined;
      this.refresh();
    });
  }

  save(): AcpiPmState {
    return {
      version: ACPI_PM_STATE_VERSION,
      status: this.status,
      enable: this.enable,
      control: this.control,
      gpeStatus: this.gpeStatus,
      gpeEnable: this.gpeEnable,
      lastCarry: this.lastCarry,
    };
  }

  restore(state: AcpiPmState): void {
    checkState('acpi-pm', state, ACPI_PM_STATE_VERSION);
    const n = (f: string): number => stateNumber('acpi-pm', state, f);
    this.status = n('status') & STS_BITS;
    this.enable = n('enable') & EN_BITS;
    this.control = (n('control') & 0x1c06) | CNT_SCI_EN;
    this.gpeStatus = n('gpeStatus') & 0xffff;
    this.gpeEnable = n('gpeEnable') & 0xffff;
    this.lastCarry = n('lastCarry');
    this.sciLevel = false;
    this.refresh();
  }
}
