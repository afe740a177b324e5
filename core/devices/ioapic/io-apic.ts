// The I/O APIC (Intel 82093AA datasheet, plus the EOI register of version 0x20 parts):
// IOREGSEL at +0x00, IOWIN at +0x10, EOI at +0x40; registers ID, version (24 entries),
// arbitration, and the redirection table (vector, delivery mode, destination mode,
// polarity, remote IRR, trigger mode, mask, destination). Each pin is an IrqLine; messages
// go to the local APIC through the `deliver` callback the builder hands in, and the local
// APIC's EOI broadcast comes back through `eoi`.
import type { AccessSize, IrqLine, MmioDevice } from '../../bus';
import { checkState, DeviceStateError, stateNumber } from '../types';
import { IOAPIC_STATE_VERSION, type IoApicState } from './state';

export interface IoApicMessage {
  vector: number;
  /** 0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT. */
  deliveryMode: number;
  levelTriggered: boolean;
  /** Destination field and mode (false = physical APIC ID, true = logical). */
  destination: number;
  logical: boolean;
}

export interface IoApicOptions {
  deliver: (message: IoApicMessage) => void;
  /** The local APIC still requests `vector` (its IRR bit): an edge pin's last message not yet taken. */
  requested?: (vector: number) => boolean;
  /** I/O APIC ID (register 0 bits 27:24); default 1 as in the MADT. */
  id?: number;
  pins?: number;
}

const VERSION = 0x20;
const RTE_MASK = 0x1_0000;
const RTE_LEVEL = 0x8000;
const RTE_REMOTE_IRR = 0x4000;
/** Writable bits of the low dword: all but delivery status (12) and remote IRR (14). */
const RTE_LOW_WRITABLE = 0x1_afff;

export class IoApic implements MmioDevice {
  readonly pins: number;
  private readonly deliver: (message: IoApicMessage) => void;
  private readonly requested: ((vector: number) => boolean) | undefined;
  private id: number;
  private select = 0;
  private readonly low: Uint32Array;
  private readonly high: Uint32Array;
  /** Pin states as devices drive them (true = asserted). */
  private levels = 0;
  private readonly lines: IrqLine[];

  constructor(options: IoApicOptions) {
    this.pins = options.pins ?? 24;
    if (!Number.isInteger(this.pins) || this.pins < 1 || this.pins > 32) throw new RangeError(`ioapic: ${this.pins} pins is not 1..32`);
    this.deliver = options.deliver;
    this.requested = options.requested;
    this.id = (options.id ?? 1) & 0xf;
    this.low = new Uint32Array(this.pins).fill(RTE_MASK);
    this.high = new Uint32Array(this.pins);
    this.lines = Array.from({ length: this.pins }, (_, pin) => ({
      setLevel: (level: boolean) => this.setPin(pin, level),
      edgePending: () => this.edgePending(pin),
    }));
  }

  /** Input pin (GSI) `pin` as a line. */
  irq(pin: number): IrqLine {
    const line = this.lines[pin];
    if (!line) throw new RangeError(`ioapic: there is no pin ${pin}`);
    return line;
  }

  /**
   * An IrqLine carries "asserted", not the electrical level (core/bus irq.ts), so the
   * polarity bit is stored for the guest but does not invert: an active-low PCI line that a
   * device asserts arrives here as true, as it would after the board's wiring.
   */
  private asserted(pin: number): boolean {
    return ((this.levels >>> pin) & 1) === 1;
  }

  /** The local APIC still requests edge pin `pin`'s vector (IrqLine.edgePending); undefined when masked, level or not fixed/lowest-priority. */
  edgePending(pin: number): boolean | undefined {
    const rte = this.low[pin];
    if (rte === undefined || rte & (RTE_MASK | RTE_LEVEL) || ((rte >> 8) & 7) > 1 || !this.requested) return undefined;
    return this.requested(rte & 0xff);
  }

  setPin(pin: number, level: boolean): void {
    if (pin < 0 || pin >= this.pins) return;
    const was = this.asserted(pin);
    if (level) this.levels |= 1 << pin;
    else this.levels &= ~(1 << pin);
    const now = this.asserted(pin);
    const rte = this.low[pin]!;
    if (rte & RTE_LEVEL) {
      if (now) this.tryDeliverLevel(pin);
    } else if (now && !was && !(rte & RTE_MASK)) {
      // Edge: a rising (asserting) edge on an unmasked pin; masked edges are lost.
      this.send(pin);
    }
  }

  private tryDeliverLevel(pin: number): void {
    const rte = this.low[pin]!;
    if (rte & RTE_MASK || rte & RTE_REMOTE_IRR || !this.asserted(pin)) return;
    this.low[pin] = rte | RTE_REMOTE_IRR;
    this.send(pin);
  }

  private send(pin: number): void {
    const rte = this.low[pin]!;
    this.deliver({
      vector: rte & 0xff,
      deliveryMode: (rte >> 8) & 7,
      levelTriggered: (rte & RTE_LEVEL) !== 0,
      destination: this.high[pin]! >>> 24,
      logical: (rte & 0x800) !== 0,
    });
  }

  /** EOI broadcast from the local APIC for `vector`: clears remote IRR and re-sends if still asserted. */
  eoi(vector: number): void {
    for (let pin = 0; pin < this.pins; pin++) {
      const rte = this.low[pin]!;
      if ((rte & 0xff) === (vector & 0xff) && rte & RTE_REMOTE_IRR) {
        this.low[pin] = rte & ~RTE_REMOTE_IRR;
        if (rte & RTE_LEVEL) this.tryDeliverLevel(pin);
      }
    }
  }

  readMmio(offset: number, size: AccessSize): number {
    let v: number;
    const reg = offset & 0xf0;
    if (reg === 0x00) v = this.select;
    else if (reg === 0x10) v = this.readRegister(this.select);
    else v = 0;
    v >>>= (offset & 3) * 8;
    return size === 4 ? v >>> 0 : size === 2 ? v & 0xffff : v & 0xff;
  }

  writeMmio(offset: number, size: AccessSize, value: number): void {
    const reg = offset & 0xf0;
    if (reg === 0x00) {
      this.select = value & 0xff;
    } else if (reg === 0x10) {
      let v = value >>> 0;
      if (size !== 4) {
        const shift = (offset & 3) * 8;
        const mask = (size === 2 ? 0xffff : 0xff) << shift;
        v = ((this.readRegister(this.select) & ~mask) | ((v << shift) & mask)) >>> 0;
      }
      this.writeRegister(this.select, v);
    } else if (reg === 0x40) {
      this.eoi(value & 0xff);
    }
  }

  private readRegister(index: number): number {
    if (index === 0x00) return this.id << 24;
    if (index === 0x01) return ((this.pins - 1) << 16) | VERSION;
    if (index === 0x02) return this.id << 24;
    if (index >= 0x10 && index < 0x10 + 2 * this.pins) {
      const pin = (index - 0x10) >> 1;
      return index & 1 ? this.high[pin]! : this.low[pin]!;
    }
    return 0;
  }

  private writeRegister(index: number, v: number): void {
    if (index === 0x00) {
      this.id = (v >>> 24) & 0xf;
      return;
    }
    if (index < 0x10 || index >= 0x10 + 2 * this.pins) return;
    const pin = (index - 0x10) >> 1;
    if (index & 1) {
      this.high[pin] = v & 0xff000000;
      return;
    }
    const before = this.low[pin]!;
    let next = (v & RTE_LOW_WRITABLE) | (before & RTE_REMOTE_IRR);
    // Switching a pin to edge clears remote IRR (Linux's EOI trick on old I/O APICs relies on it).
    if (!(next & RTE_LEVEL)) next &= ~RTE_REMOTE_IRR;
    this.low[pin] = next >>> 0;
    if (next & RTE_LEVEL) this.tryDeliverLevel(pin);
  }

  save(): IoApicState {
    return {
      version: IOAPIC_STATE_VERSION,
      id: this.id,
      select: this.select,
      low: Array.from(this.low),
      high: Array.from(this.high),
      levels: this.levels >>> 0,
    };
  }

  restore(state: IoApicState): void {
    checkState('ioapic', state, IOAPIC_STATE_VERSION);
    if (!Array.isArray(state.low) || !Array.isArray(state.high) || state.low.length !== this.pins || state.high.length !== this.pins) {
      throw new DeviceStateError(`ioapic: saved state needs ${this.pins} redirection entries`);
    }
    this.id = stateNumber('ioapic', state, 'id') & 0xf;
    this.select = stateNumber('ioapic', state, 'select') & 0xff;
    this.low.set(state.low.map((x) => Number(x) & (RTE_LOW_WRITABLE | RTE_REMOTE_IRR)));
    this.high.set(state.high.map((x) => Number(x) & 0xff000000));
    this.levels = stateNumber('ioapic', state, 'levels') | 0;
  }
}
