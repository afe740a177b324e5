// core/devices/ioapic: the I/O APIC (24 pins) delivering to the local APIC.
export { IoApic, type IoApicOptions, type IoApicMessage } from './io-apic';
export type { IoApicState } from './state';
