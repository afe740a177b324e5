// core/vmm (L3): one VM — the PC builder, kernel loaders, ACPI tables, the virtual clock,
// the VM's worker thread and its typed protocol.
export { VmThread, type VmThreadOptions } from './vm-thread';
export type { MachineSpec } from './machine/machine-spec';
export type { VmCommand, VmEvent, VmExitReason, VmState } from './worker/protocol';
export * from './initramfs';
export { isBzImage } from './boot';
export type { VmThreadStats } from './vm-thread';
export type { WorkerMemoryReport } from './worker/memory-report';
