// The board wiring of ISA interrupt lines: each ISA IRQ goes to its 8259 input and, when an
// I/O APIC is present, to a GSI (identity except for the MADT's source overrides, e.g.
// IRQ 0 -> GSI 2 on this platform). Devices get `irq(n)` and never learn either controller.
import type { IrqLine } from '../../bus';

export interface IsaIrqRouterOptions {
  /** ISA IRQ n -> 8259 input n (0..15); usually the PicPair. */
  pic: { irq(n: number): IrqLine };
  /** GSI -> I/O APIC pin; omit in PIC-only machines. */
  ioapic?: { irq(pin: number): IrqLine; readonly pins: number };
  /** ISA IRQ -> GSI where it differs from identity (the MADT interrupt source overrides). */
  overrides?: Readonly<Record<number, number>>;
}

export class IsaIrqRouter {
  private readonly lines: IrqLine[];

  constructor(options: IsaIrqRouterOptions) {
    this.lines = Array.from({ length: 16 }, (_, n) => {
      const targets: IrqLine[] = [options.pic.irq(n)];
      const gsi = options.overrides?.[n] ?? n;
      if (options.ioapic && gsi >= 0 && gsi < options.ioapic.pins) targets.push(options.ioapic.irq(gsi));
      return {
        setLevel(l: boolean) {
          for (const t of targets) t.setLevel(l);
        },
        // Pending while every controller that passes the line on still holds the last edge: one
        // that has taken it (or a PIC latched but unheard, its INTR unused in APIC mode) does not hold it.
        edgePending() {
          let answer: boolean | undefined;
          for (const t of targets) {
            const p = t.edgePending?.();
            if (p === false) return false;
            if (p === true) answer = true;
          }
          return answer;
        },
      };
    });
  }

  /** ISA IRQ `n` (0..15) as one line feeding both controllers. */
  irq(n: number): IrqLine {
    const line = this.lines[n];
    if (!line) throw new RangeError(`isa-irq: there is no ISA IRQ ${n}`);
    return line;
  }
}
