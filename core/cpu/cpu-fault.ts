// The one object thrown inside the CPU when an instruction faults. It is allocated once:
// the vector and error code live on the CPU, so raising a fault allocates nothing.

export class CpuFault {
  readonly isCpuFault = true;
}

/** Thrown by the core for #PF, #GP, ...; caught by the run loop, which delivers it. */
export const FAULT = new CpuFault();

/** Errors in how the host drives the CPU (bad register name, bad saved state). */
import { VmdeskError } from '../common';
export class CpuError extends VmdeskError {
  constructor(message: string) {
    super('cpu', message);
  }
}
