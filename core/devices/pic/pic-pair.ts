// The PC/AT's two 8259As: the slave's INT drives the master's IR2 (ISA IRQ 8–15 behind
// IRQ 2), and the PIIX's ELCR (0x4D0/0x4D1) selects edge or level sensing per input.
// The pair is the CPU's interrupt controller in PIC mode, and the ExtINT source behind the
// local APIC's LINT0 in virtual-wire mode.
import type { AccessSize, InterruptController, IrqLine, PortDevice } from '../../bus';
import { checkState, DeviceStateError, readBytewise, writeBytewise } from '../types';
import { Pic8259 } from './pic8259';
import { PIC_STATE_VERSION, type PicPairState } from './state';

/** ELCR bits that exist: IRQ0–2 (master) and IRQ8, IRQ13 (slave) are always edge (PIIX3 datasheet, ELCR1/ELCR2). */
const ELCR_MASTER_MASK = 0xf8;
const ELCR_SLAVE_MASK = 0xde;
const CASCADE_INPUT = 2;

export class PicPair implements InterruptController {
  readonly master = new Pic8259(true, ELCR_MASTER_MASK);
  readonly slave = new Pic8259(false, ELCR_SLAVE_MASK);
  private intr = false;
  private readonly lines: IrqLine[];
  /** Called whenever the INTR output changes (the CPU may wake from HLT). */
  onIntrChange: ((asserted: boolean) => void) | undefined;

  /** Command/data ports of the master (the builder maps them at 0x20). */
  readonly masterPorts: PortDevice;
  /** Command/data ports of the slave (0xA0). */
  readonly slavePorts: PortDevice;
  /** The two ELCR bytes (0x4D0: IRQ0–7, 0x4D1: IRQ8–15). */
  readonly elcrPorts: PortDevice;

  constructor() {
    this.lines = Array.from({ length: 16 }, (_, n) => ({
      setLevel: (level: boolean) => this.setIrq(n, level),
      edgePending: () => this.edgePending(n),
    }));
    this.masterPorts = this.chipPorts(this.master);
    this.slavePorts = this.chipPorts(this.slave);
    this.elcrPorts = {
      readPort: (offset, size) => readBytewise(offset, size, (o) => (o === 0 ? this.master.elcr : o === 1 ? this.slave.elcr : 0xff)),
      writePort: (offset, size, value) =>
        writeBytewise(offset, size, value, (o, v) => {
          if (o === 0) this.setElcr(this.master, v);
          else if (o === 1) this.setElcr(this.slave, v);
        }),
    };
  }

  /** ISA IRQ `n` (0..15) as a line a device drives. IRQ 2 is the cascade and ignores input. */
  irq(n: number): IrqLine {
    const line = this.lines[n];
    if (!line) throw new RangeError(`pic: there is no ISA IRQ ${n}`);
    return line;
  }

  /** ISA IRQ `n`'s last edge is latched, not yet acknowledged (IrqLine.edgePending). */
  edgePending(n: number): boolean | undefined {
    if (n === CASCADE_INPUT) return undefined;
    if (n < 8) return this.master.edgeRequested(n);
    return this.master.imr & (1 << CASCADE_INPUT) ? undefined : this.slave.edgeRequested(n - 8);
  }

  setIrq(n: number, level: boolean): void {
    if (n === CASCADE_INPUT || n < 0 || n > 15) return;
    if (n < 8) this.master.setInput(n, level);
    else this.slave.setInput(n - 8, level);
    this.update();
  }

  hasInterrupt(): boolean {
    return this.intr;
  }

  acknowledge(): number {
    const n = this.master.acknowledge();
    let vector: number;
    if (n < 0) {
      // The request went away before INTA: spurious IRQ 7, ISR untouched.
      vector = this.master.vectorBase | 7;
    } else if (n === CASCADE_INPUT && (this.master.cascade & (1 << CASCADE_INPUT)) !== 0) {
      const s = this.slave.acknowledge();
      // Spurious on the slave: IRQ 15's vector; the master's ISR bit 2 stays set, as on hardware.
      vector = s < 0 ? this.slave.vectorBase | 7 : this.slave.vectorBase | s;
    } else {
      vector = this.master.vectorBase | n;
    }
    this.update();
    return vector;
  }

  /** Recompute the cascade input and the INTR output. */
  private update(): void {
    const slaveOut = this.slave.pending() >= 0;
    // The cascade input follows the slave's INT level: robust to back-to-back slave requests.
    const m = this.master;
    if (slaveOut) {
      m.irr |= 1 << CASCADE_INPUT;
      m.lines |= 1 << CASCADE_INPUT;
    } else {
      m.irr &= ~(1 << CASCADE_INPUT);
      m.lines &= ~(1 << CASCADE_INPUT);
    }
    const intr = m.pending() >= 0;
    if (intr !== this.intr) {
      this.intr = intr;
      this.onIntrChange?.(intr);
    }
  }

  private setElcr(chip: Pic8259, value: number): void {
    chip.elcr = value & chip.elcrMask;
    // Inputs now level-sensitive follow their pins at once.
    chip.irr = (chip.irr & ~chip.elcr) | (chip.lines & chip.elcr);
    this.update();
  }

  private chipPorts(chip: Pic8259): PortDevice {
    const readByte = (o: number): number => (o === 0 ? chip.readCommand() : o === 1 ? chip.readData() : 0xff);
    const writeByte = (o: number, v: number): void => {
      if (o === 0) chip.writeCommand(v);
      else if (o === 1) chip.writeData(v);
    };
    return {
      readPort: (offset: number, size: AccessSize) => {
        const v = readBytewise(offset, size, readByte);
        this.update();
        return v;
      },
      writePort: (offset: number, size: AccessSize, value: number) => {
        writeBytewise(offset, size, value, writeByte);
        this.update();
      },
    };
  }

  save(): PicPairState {
    return { version: PIC_STATE_VERSION, master: this.master.save(), slave: this.slave.save() };
  }

  restore(state: PicPairState): void {
    checkState('pic', state, PIC_STATE_VERSION);
    if (typeof state.master !== 'object' || typeof state.slave !== 'object' || !state.master || !state.slave) {
      throw new DeviceStateError('pic: saved state lacks the master or slave chip');
    }
    this.master.restore(state.master);
    this.slave.restore(state.slave);
    this.intr = false;
    this.update();
  }
}
