// Saved state of the I/O APIC.
export const IOAPIC_STATE_VERSION = 1;

export interface IoApicState {
  version: typeof IOAPIC_STATE_VERSION;
  id: number;
  select: number;
  low: number[];
  high: number[];
  levels: number;
}
