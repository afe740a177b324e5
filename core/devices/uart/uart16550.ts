// The NS16550A UART: RBR/THR, IER, IIR/FCR, LCR (DLAB), MCR, LSR, MSR, SCR; 16-byte FIFOs
// with receiver trigger levels; the five interrupt sources in the datasheet's priority
// order (line status, received data, character timeout, THR empty, modem status); loopback.
// Bytes go out to the backend at once (the transmitter is never busy); bytes come in when
// the builder's pump calls `receive`, which takes only what the FIFO has room for.
// On a PC board OUT2 gates the IRQ line. Reference: TI/National PC16550D datasheet.
import type { AccessSize, IrqLine, PortDevice, TimerHandle, VirtualClock } from '../../bus';
import { unconnectedIrq } from '../../bus';
import { checkState, readBytewise, stateNumber, writeBytewise } from '../types';
import { UART_STATE_VERSION, type UartState } from './state';

/** What a UART is connected to: stdio, a TCP socket, a file, a test. */
export interface SerialBackend {
  /** A byte the guest transmitted. */
  write(byte: number): void;
  /** The guest has read from the receive FIFO: there is room for more `receive` calls. */
  rxReady?(): void;
}

export interface ModemInputs {
  cts: boolean;
  dsr: boolean;
  ri: boolean;
  dcd: boolean;
}

export interface Uart16550Options {
  clock: VirtualClock;
  irq?: IrqLine;
  backend?: SerialBackend;
  /** PC wiring: IRQ reaches the PIC only while MCR.OUT2 is set (default true). */
  out2GatesIrq?: boolean;
}

const FIFO_SIZE = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;
const INPUT_CLOCK_HZ = 1_843_200 / 16; // divisor 1 = 115200 baud

const IER_RDA = 0x01;
const IER_THRE = 0x02;
const IER_RLS = 0x04;
const IER_MS = 0x08;

const LSR_DR = 0x01;
const LSR_OE = 0x02;
const LSR_ERRORS = 0x1e;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const MCR_LOOP = 0x10;
const MCR_OUT2 = 0x08;

export const IIR_NONE = 0x01;
export const IIR_LINE_STATUS = 0x06;
export const IIR_RX_DATA = 0x04;
export const IIR_TIMEOUT = 0x0c;
export const IIR_THRE = 0x02;
export const IIR_MODEM = 0x00;

export class Uart16550 implements PortDevice {
  private readonly clock: VirtualClock;
  private readonly irq: IrqLine;
  private readonly out2Gates: boolean;
  private backend: SerialBackend | undefined;

  private rx: number[] = [];
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private lsrErrors = 0;
  private scr = 0;
  private divisor = 1;
  private fifoEnabled = false;
  private triggerLevel = 1;
  private fcrDma = false;
  private threPending = false;
  private msrDelta = 0;
  private inputs: ModemInputs = { cts: true, dsr: true, ri: false, dcd: true };
  private lastRxActivityNs = 0;
  private timeoutTimer: TimerHandle | undefined;
  private irqLevel = false;

  constructor(options: Uart16550Options) {
    this.clock = options.clock;
    this.irq = options.irq ?? unconnectedIrq;
    this.out2Gates = options.out2GatesIrq ?? true;
    this.backend = options.backend;
  }

  attach(backend: SerialBackend | undefined): void {
    this.backend = backend;
  }

  /** Room left in the receive FIFO (the holding register when FIFOs are off). */
  get rxSpace(): number {
    return (this.fifoEnabled ? FIFO_SIZE : 1) - this.rx.length;
  }

  /** Bytes from the outside world; returns how many were taken. Ignored in loopback. */
  receive(bytes: ArrayLike<number>): number {
    if (this.mcr & MCR_LOOP) return 0;
    const n = Math.min(bytes.length, Math.max(0, this.rxSpace));
    for (let i = 0; i < n; i++) this.rx.push(bytes[i]! & 0xff);
    if (n > 0) this.rxActivity();
    return n;
  }

  /** Modem status inputs from the backend (CTS, DSR, RI, DCD). */
  setModemInputs(inputs: Partial<ModemInputs>): void {
    const before = this.modemLines();
    this.inputs = { ...this.inputs, ...inputs };
    this.modemChanged(before);
  }

  readPort(offset: number, size: AccessSize): number {
    return readBytewise(offset, size, (o) => this.readRegister(o));
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    writeBytewise(offset, size, value, (o, v) => this.writeRegister(o, v));
  }

  // ---- registers -------------------------------------------------------------------

  private get dlab(): boolean {
    return (this.lcr & 0x80) !== 0;
  }

  private readRegister(o: number): number {
    switch (o) {
      case 0:
        return this.dlab ? this.divisor & 0xff : this.readRbr();
      case 1:
        return this.dlab ? (this.divisor >> 8) & 0xff : this.ier;
      case 2: {
        const id = this.interruptId();
        // Reading IIR while it reports THRE clears that source (datasheet, Table "Interrupt Control").
        if (id === IIR_THRE) {
          this.threPending = false;
          this.updateIrq();
        }
        return id | (this.fifoEnabled ? 0xc0 : 0);
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5: {
        const v = this.lsr();
        this.lsrErrors = 0;
        this.updateIrq();
        return v;
      }
      case 6: {
        const v = this.msr();
        this.msrDelta = 0;
        this.updateIrq();
        return v;
      }
      case 7:
        return this.scr;
      default:
        return 0xff;
    }
  }

  private writeRegister(o: number, v: number): void {
    switch (o) {
      case 0:
        if (this.dlab) this.divisor = (this.divisor & 0xff00) | v;
        else this.transmit(v);
        break;
      case 1:
        if (this.dlab) {
          this.divisor = (this.divisor & 0xff) | (v << 8);
        } else {
          const before = this.ier;
          this.ier = v & 0x0f;
          // Enabling ETBEI with the THR empty raises THRE at once.
          if (!(before & IER_THRE) && this.ier & IER_THRE) this.threPending = true;
        }
        break;
      case 2:
        this.writeFcr(v);
        break;
      case 3:
        this.lcr = v;
        break;
      case 4: {
        const before = this.modemLines();
        this.mcr = v & 0x1f;
        this.modemChanged(before);
        break;
      }
      case 7:
        this.scr = v;
        break;
      default:
        break; // LSR and MSR are read-only (factory test writes are ignored)
    }
    this.updateIrq();
  }

  private writeFcr(v: number): void {
    const enable = (v & 1) !== 0;
    if (enable !== this.fifoEnabled) {
      // Changing FIFO mode clears both FIFOs.
      this.rx = [];
      this.fifoEnabled = enable;
    }
    if (!enable) return;
    if (v & 0x02) this.rx = [];
    this.fcrDma = (v & 0x08) !== 0;
    this.triggerLevel = TRIGGER_LEVELS[(v >> 6) & 3];
    if (v & 0x02) this.backend?.rxReady?.();
  }

  private readRbr(): number {
    const byte = this.rx.shift();
    if (byte === undefined) return 0;
    this.rxActivity();
    this.backend?.rxReady?.();
    return byte;
  }

  private transmit(byte: number): void {
    this.threPending = false;
    if (this.mcr & MCR_LOOP) {
      if (this.rxSpace > 0) this.rx.push(byte);
      else this.lsrErrors |= LSR_OE; // overrun: the byte is lost
      this.rxActivity();
    } else {
      try {
        this.backend?.write(byte);
      } catch {
        // A failing backend (closed socket) must not hurt the guest: the byte is dropped.
      }
    }
    // The transmitter is never busy: THR and the shift register are empty again.
    this.threPending = true;
  }

  private lsr(): number {
    let v = LSR_THRE | LSR_TEMT | this.lsrErrors;
    if (this.rx.length > 0) v |= LSR_DR;
    return v;
  }

  /** The four modem lines as MSR bits 4–7 would show them. */
  private modemLines(): number {
    if (this.mcr & MCR_LOOP) {
      // Loopback: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2 (datasheet, MCR bit 4).
      const m = this.mcr;
      return ((m & 0x02 ? 1 : 0) << 4) | ((m & 0x01 ? 1 : 0) << 5) | ((m & 0x04 ? 1 : 0) << 6) | ((m & 0x08 ? 1 : 0) << 7);
    }
    const i = this.inputs;
    return (i.cts ? 0x10 : 0) | (i.dsr ? 0x20 : 0) | (i.ri ? 0x40 : 0) | (i.dcd ? 0x80 : 0);
  }

  private modemChanged(before: number): void {
    const after = this.modemLines();
    const changed = before ^ after;
    if (changed & 0x10) this.msrDelta |= 0x01;
    if (changed & 0x20) this.msrDelta |= 0x02;
    if (changed & 0x40 && !(after & 0x40)) this.msrDelta |= 0x04; // TERI: RI trailing edge
    if (changed & 0x80) this.msrDelta |= 0x08;
    this.updateIrq();
  }

  private msr(): number {
    return this.modemLines() | this.msrDelta;
  }

  // ---- interrupts ------------------------------------------------------------------

  private charTimeNs(): number {
    const bits = 1 + 5 + (this.lcr & 3) + (this.lcr & 0x08 ? 1 : 0) + (this.lcr & 0x04 ? 2 : 1);
    const baud = INPUT_CLOCK_HZ / (this.divisor || 0x10000);
    return (bits / baud) * 1e9;
  }

  private timeoutDue(): boolean {
    return this.fifoEnabled && this.rx.length > 0 && this.clock.now() >= this.lastRxActivityNs + 4 * this.charTimeNs();
  }

  /** The highest-priority pending source (IIR bits 3..0). */
  interruptId(): number {
    const ier = this.ier;
    if (ier & IER_RLS && this.lsrErrors & (LSR_OE | LSR_ERRORS)) return IIR_LINE_STATUS;
    if (ier & IER_RDA) {
      if (this.fifoEnabled ? this.rx.length >= this.triggerLevel : this.rx.length > 0) return IIR_RX_DATA;
      if (this.timeoutDue()) return IIR_TIMEOUT;
    }
    if (ier & IER_THRE && this.threPending) return IIR_THRE;
    if (ier & IER_MS && this.msrDelta) return IIR_MODEM;
    return IIR_NONE;
  }

  private rxActivity(): void {
    this.lastRxActivityNs = this.clock.now();
    this.timeoutTimer?.cancel();
    this.timeoutTimer = undefined;
    if (this.fifoEnabled && this.rx.length > 0) {
      this.timeoutTimer = this.clock.schedule(this.lastRxActivityNs + 4 * this.charTimeNs(), () => {
        this.timeoutTimer = undefined;
        this.updateIrq();
      });
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    const pending = this.interruptId() !== IIR_NONE;
    const level = pending && (!this.out2Gates || (this.mcr & MCR_OUT2) !== 0);
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq.setLevel(level);
  }

  // ---- saved state -----------------------------------------------------------------

  save(): UartState {
    return {
      version: UART_STATE_VERSION,
      rx: [...this.rx],
      ier: this.ier,
      lcr: this.lcr,
      mcr: this.mcr,
      lsrErrors: this.lsrErrors,
      scr: this.scr,
      divisor: this.divisor,
      fifoEnabled: this.fifoEnabled,
      triggerLevel: this.triggerLevel,
      fcrDma: this.fcrDma,
      threPending: this.threPending,
      msrDelta: this.msrDelta,
      inputs: { ...this.inputs },
      lastRxActivityNs: this.lastRxActivityNs,
    };
  }

  restore(state: UartState): void {
    checkState('uart', state, UART_STATE_VERSION);
    const n = (f: string): number => stateNumber('uart', state, f);
    this.rx = Array.isArray(state.rx) ? state.rx.slice(0, FIFO_SIZE).map((b) => Number(b) & 0xff) : [];
    this.ier = n('ier') & 0x0f;
    this.lcr = n('lcr') & 0xff;
    this.mcr = n('mcr') & 0x1f;
    this.lsrErrors = n('lsrErrors') & 0x1e;
    this.scr = n('scr') & 0xff;
    this.divisor = n('divisor') & 0xffff;
    this.fifoEnabled = !!state.fifoEnabled;
    this.triggerLevel = TRIGGER_LEVELS.includes(state.triggerLevel as 1) ? state.triggerLevel : 1;
    this.fcrDma = !!state.fcrDma;
    this.threPending = !!state.threPending;
    this.msrDelta = n('msrDelta') & 0x0f;
    const i = state.inputs ?? {};
    this.inputs = { cts: !!i.cts, dsr: !!i.dsr, ri: !!i.ri, dcd: !!i.dcd };
    this.lastRxActivityNs = n('lastRxActivityNs');
    this.irqLevel = false;
    this.timeoutTimer?.cancel();
    this.timeoutTimer = undefined;
    if (this.fifoEnabled && this.rx.length > 0) {
      this.timeoutTimer = this.clock.schedule(this.lastRxActivityNs + 4 * this.charTimeNs(), () => this.updateIrq());
    }
    this.updateIrq();
  }
}
