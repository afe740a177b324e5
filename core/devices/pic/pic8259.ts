// One Intel 8259A programmable interrupt controller: initialization words ICW1–ICW4,
// operation words OCW1–OCW3, IRR/ISR/IMR, priority rotation, special mask mode, auto-EOI,
// poll mode. The pair (pic-pair.ts) wires two of them in cascade. References are to the
// 8259A datasheet (Intel 231468), "Programming the 8259A".
import type { PicChipState } from './state';

export class Pic8259 {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Level of each input pin as last driven. */
  lines = 0;
  /** Inputs that are level-sensitive (from ELCR, or all with ICW1.LTIM). */
  elcr = 0;
  /** Bits of `elcr` the platform lets software change. */
  readonly elcrMask: number;
  vectorBase = 0;
  /** Lowest-priority level; the highest priority is (lowest + 1) & 7. */
  lowestPriority = 7;
  icwStep = 0;
  icw4Needed = false;
  single = false;
  levelTriggeredAll = false;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  specialMask = false;
  readIsr = false;
  poll = false;
  /** ICW3: on the master the inputs with a slave; on a slave its cascade id. */
  cascade = 0;
  initialized = false;

  constructor(
    readonly isMaster: boolean,
    elcrMask: number,
  ) {
    this.elcrMask = elcrMask;
  }

  private levelSensitive(mask: number): boolean {
    return this.levelTriggeredAll || (this.elcr & mask) !== 0;
  }

  /** Drive input `n` (0..7). Edge inputs latch a rising edge; level inputs follow the pin. */
  setInput(n: number, level: boolean): void {
    const mask = 1 << n;
    const was = (this.lines & mask) !== 0;
    if (level) this.lines |= mask;
    else this.lines &= ~mask;
    if (this.levelSensitive(mask)) {
      if (level) this.irr |= mask;
      else this.irr &= ~mask;
    } else if (level && !was) {
      this.irr |= mask;
    }
  }

  /** Edge input `n`'s request is latched in IRR; undefined if the input is masked or level-sensed. */
  edgeRequested(n: number): boolean | undefined {
    const mask = 1 << n;
    if (this.levelSensitive(mask) || this.imr & mask) return undefined;
    return (this.irr & mask) !== 0;
  }

  /** Priority 0 (highest) .. 7 of input n under the current rotation. */
  private priorityOf(n: number): number {
    return (n - this.lowestPriority - 1) & 7;
  }

  /** The highest-priority input set in `bits`, or -1. */
  private highest(bits: number): number {
    if (bits === 0) return -1;
    for (let p = 0; p < 8; p++) {
      const n = (this.lowestPriority + 1 + p) & 7;
      if (bits & (1 << n)) return n;
    }
    return -1;
  }

  /** The input that would be delivered now, or -1: IRR not masked, above every blocking ISR bit. */
  pending(): number {
    const req = this.irr & ~this.imr;
    const n = this.highest(req);
    if (n < 0) return -1;
    let blocking = this.isr;
    // Special mask mode: a masked in-service level does not inhibit lower ones (OCW3 SMM).
    if (this.specialMask) blocking &= ~this.imr;
    // Special fully nested mode: the master lets a slave's higher request through its own
    // in-service cascade input (ICW4 SFNM).
    if (this.isMaster && this.specialFullyNested) blocking &= ~this.cascade;
    const inService = this.highest(blocking);
    if (inService >= 0 && this.priorityOf(inService) <= this.priorityOf(n)) return -1;
    return n;
  }

  /**
   * INTA: returns the acknowledged input, or -1 if the request went away (spurious: the
   * caller supplies IR7's vector and ISR is not set, per the datasheet's "Interrupt Sequence").
   */
  acknowledge(): number {
    const n = this.pending();
    if (n < 0) return -1;
    const mask = 1 << n;
    if (!this.levelSensitive(mask)) this.irr &= ~mask;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.lowestPriority = n;
    } else {
      this.isr |= mask;
    }
    return n;
  }

  /** Reads of the even port: poll word, ISR or IRR (OCW3 RR/RIS, P). */
  readCommand(): number {
    if (this.poll) {
      this.poll = false;
      const n = this.acknowledge();
      return n < 0 ? 0 : 0x80 | n;
    }
    return this.readIsr ? this.isr : this.irr;
  }

  readData(): number {
    if (this.poll) {
      this.poll = false;
      const n = this.acknowledge();
      return n < 0 ? 0 : 0x80 | n;
    }
    return this.imr;
  }

  writeCommand(value: number): void {
    if (value & 0x10) {
      this.icw1(value);
    } else if (value & 0x08) {
      this.ocw3(value);
    } else {
      this.ocw2(value);
    }
  }

  writeData(value: number): void {
    switch (this.icwStep) {
      case 2:
        // ICW2: T7–T3 of the vector; the low three bits come from the input number (8086 mode).
        this.vectorBase = value & 0xf8;
        this.icwStep = this.single ? (this.icw4Needed ? 4 : 0) : 3;
        break;
      case 3:
        this.cascade = this.isMaster ? value & 0xff : value & 7;
        this.icwStep = this.icw4Needed ? 4 : 0;
        break;
      case 4:
        this.autoEoi = (value & 0x02) !== 0;
        this.specialFullyNested = (value & 0x10) !== 0;
        this.icwStep = 0;
        break;
      default:
        this.imr = value & 0xff; // OCW1
    }
    if (this.icwStep === 0) this.initialized = true;
  }

  private icw1(value: number): void {
    // ICW1 resets: IMR cleared, IR7 lowest priority, special mask off, read IRR, and the
    // edge sense latch cleared so an input must rise again (datasheet "Initialization Command Words").
    this.icwStep = 2;
    this.icw4Needed = (value & 0x01) !== 0;
    this.single = (value & 0x02) !== 0;
    this.levelTriggeredAll = (value & 0x08) !== 0;
    this.imr = 0;
    this.isr = 0;
    this.irr = this.levelTriggeredAll ? this.lines : this.lines & this.elcr;
    this.lowestPriority = 7;
    this.specialMask = false;
    this.readIsr = false;
    this.poll = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.cascade = this.isMaster ? 0 : 7;
  }

  private ocw2(value: number): void {
    const level = value & 7;
    switch ((value >> 5) & 7) {
      case 0: // rotate in automatic EOI mode (clear)
        this.rotateOnAutoEoi = false;
        break;
      case 4: // rotate in automatic EOI mode (set)
        this.rotateOnAutoEoi = true;
        break;
      case 1: // non-specific EOI
      case 5: {
        // rotate on non-specific EOI
        const n = this.highest(this.specialMask ? this.isr & ~this.imr : this.isr);
        if (n >= 0) {
          this.isr &= ~(1 << n);
          if (value & 0x80) this.lowestPriority = n;
        }
        break;
      }
      case 3: // specific EOI
        this.isr &= ~(1 << level);
        break;
      case 7: // rotate on specific EOI
        this.isr &= ~(1 << level);
        this.lowestPriority = level;
        break;
      case 6: // set priority
        this.lowestPriority = level;
        break;
      default: // 2: no operation
        break;
    }
  }

  private ocw3(value: number): void {
    if (value & 0x04) this.poll = true;
    if (value & 0x02) this.readIsr = (value & 0x01) !== 0;
    if (value & 0x40) this.specialMask = (value & 0x20) !== 0;
  }

  save(): PicChipState {
    return {
      irr: this.irr,
      isr: this.isr,
      imr: this.imr,
      lines: this.lines,
      elcr: this.elcr,
      vectorBase: this.vectorBase,
      lowestPriority: this.lowestPriority,
      icwStep: this.icwStep,
      icw4Needed: this.icw4Needed,
      single: this.single,
      levelTriggeredAll: this.levelTriggeredAll,
      autoEoi: this.autoEoi,
      rotateOnAutoEoi: this.rotateOnAutoEoi,
      specialFullyNested: this.specialFullyNested,
      specialMask: this.specialMask,
      readIsr: this.readIsr,
      poll: this.poll,
      cascade: this.cascade,
      initialized: this.initialized,
    };
  }

  restore(s: PicChipState): void {
    this.irr = s.irr & 0xff;
    this.isr = s.isr & 0xff;
    this.imr = s.imr & 0xff;
    this.lines = s.lines & 0xff;
    this.elcr = s.elcr & this.elcrMask;
    this.vectorBase = s.vectorBase & 0xf8;
    this.lowestPriority = s.lowestPriority & 7;
    this.icwStep = [0, 2, 3, 4].includes(s.icwStep) ? s.icwStep : 0;
    this.icw4Needed = !!s.icw4Needed;
    this.single = !!s.single;
    this.levelTriggeredAll = !!s.levelTriggeredAll;
    this.autoEoi = !!s.autoEoi;
    this.rotateOnAutoEoi = !!s.rotateOnAutoEoi;
    this.specialFullyNested = !!s.specialFullyNested;
    this.specialMask = !!s.specialMask;
    this.readIsr = !!s.readIsr;
    this.poll = !!s.poll;
    this.cascade = s.cascade & 0xff;
    this.initialized = !!s.initialized;
  }
}
