// core/devices/lapic: the xAPIC local APIC, which is also the CPU's interrupt controller in
// APIC mode (composed over the 8259 pair through LINT0 ExtINT).
export { LocalApic, type LocalApicOptions } from './local-apic';
export type { LapicState } from './state';
