// An interrupt line as a device sees it (STYLE.md habit 2): the device drives a level
// and never learns whether a PIC, an I/O APIC or a test spy listens.

export interface IrqLine {
  /** Drive the line: true = asserted. Edge-triggered receivers latch the rising edge. */
  setLevel(level: boolean): void;
  /**
   * Whether the last edge sent on this line still waits, latched in the receiver, for the CPU
   * to take it (another edge now would merge with it and be lost); undefined when the receiver
   * does not pass this line's edges on (masked, level-triggered). A source that must not lose
   * edges (the PIT's ticks) holds the next one back while this is true.
   */
  edgePending?(): boolean | undefined;
}

/** Assert then deassert: one edge, for edge-triggered ISA devices. */
export function pulse(line: IrqLine): void {
  line.setLevel(true);
  line.setLevel(false);
}

/** The CPU's view of the interrupt controller, implemented by the platform. */
export interface InterruptController {
  /** True when a maskable interrupt is pending at the CPU's INTR pin. */
  hasInterrupt(): boolean;
  /** INTA cycle: returns the vector and moves the interrupt to in-service. */
  acknowledge(): number;
}

/** An IRQ line that goes nowhere (devices left unwired in tests). */
export const unconnectedIrq: IrqLine = { setLevel() {} };
