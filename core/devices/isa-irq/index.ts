// core/devices/isa-irq: ISA IRQ lines wired to the 8259 pair and the I/O APIC.
export { IsaIrqRouter, type IsaIrqRouterOptions } from './isa-irq-router';
