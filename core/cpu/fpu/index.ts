// core/cpu/fpu: the x87 floating-point unit of a Pentium II class CPU. The integer core
// drives it through the contract in fpu-host.ts.
export type { FpuHost, FpuInstruction, X87State, X87Unit } from './fpu-host';
export { X87 } from './x87';
export { escapeKind, EscapeKind } from './x87-decode';
