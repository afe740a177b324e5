// core/devices/acpi-pm: ACPI PM1 event/control blocks, PM timer, GPE0, power button, S5.
export { AcpiPm, type AcpiPmOptions, PM_TIMER_HZ } from './acpi-pm';
export type { AcpiPmState } from './state';
