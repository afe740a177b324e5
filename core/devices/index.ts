// core/devices (L2): the PC platform's device models, one folder each (model, saved state,
// index.ts). A device gets its IRQ lines, clock, callbacks and backends handed in; only
// the VM builder (core/vmm) knows port numbers, IRQ numbers and who listens.
export * from './pic';
export * from './pit';
export * from './rtc';
export * from './i8042';
export * from './uart';
export * from './port92';
export * from './post';
export * from './debug-exit';
export * from './pci';
export * from './lapic';
export * from './ioapic';
export * from './acpi-pm';
export * from './isa-irq';
export * from './ide';
export * from './vga';
export * from './fw-cfg';
export { type A20Gate, SimpleA20Gate, DeviceStateError } from './types';
