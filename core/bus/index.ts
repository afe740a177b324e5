// core/bus (L1): port and MMIO buses (overlapping registration fails), IRQ lines,
// the CPU-facing interrupt controller interface. No device or CPU code lives here.
export * from './port-bus';
export * from './mmio-bus';
export * from './irq';
export * from './clock';
