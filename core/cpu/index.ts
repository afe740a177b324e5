// core/cpu (L2): the IA-32 (Pentium II class) CPU. Sees memory, ports and MMIO only
// through core/memory and core/bus; the x87 unit plugs in through fpu/fpu-host.ts.
export { Cpu, type CpuOptions, type CpuState, type SegmentState, type RegisterName, type FlatModeEntry } from './cpu';
export type { StopReason } from './constants';
export { CpuError } from './cpu-fault';
export type { X87Unit, X87State, FpuHost, FpuInstruction } from './fpu/fpu-host';
export { OPCODES, type OpcodeInfo } from './opcode-table';
