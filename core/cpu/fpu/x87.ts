// The x87 unit of a Pentium II class CPU as the integer core sees it (X87Unit in
// fpu-host.ts): ESC dispatch with FIP/FDP/FOP bookkeeping, FXSAVE/FXRSTOR, snapshots.
// Arithmetic lives in the float80-* modules, the instructions in x87-memory.ts and
// x87-register.ts, the stack and status machinery in x87-core.ts. Nothing here throws on its
// own: only the host's memory accessors do (the CPU's faults).

import type { FpuInstruction, X87Unit } from './fpu-host';
import { X87Core } from './x87-core';
import { fxrstor, fxsave } from './x87-env';
import { execMem } from './x87-memory';
import { execReg } from './x87-register';

export class X87 extends X87Core implements X87Unit {
  execute(insn: FpuInstruction): void {
    const op = insn.opcode & 7;
    const modrm = insn.modrm;
    const reg = (modrm >> 3) & 7;
    if (modrm >= 0xc0) {
      if (!isControlReg(op, modrm)) {
        this.fop = (op << 8) | modrm;
        this.fip = insn.eip;
        this.fcs = insn.cs;
      }
      execReg(this, op, reg, modrm & 7, modrm);
      return;
    }
    execMem(this, op, reg, insn);
    // Recorded only once the memory accesses have succeeded: an instruction that page-faults
    // has not executed and leaves the pointers of the previous one.
    if (!isControlMem(op, reg)) {
      this.fop = (op << 8) | modrm;
      this.fip = insn.eip;
      this.fcs = insn.cs;
      this.fdp = insn.offset;
      this.fds = insn.ds;
    }
  }

  fxsave(linear: number): void {
    fxsave(this, linear);
  }

  fxrstor(linear: number): void {
    fxrstor(this, linear);
  }
}

/** Register-form control instructions, which leave FIP/FOP alone: FNCLEX, FNINIT, FNSTSW AX, FNENI/FNDISI/FNSETPM. */
function isControlReg(op: number, modrm: number): boolean {
  return (op === 3 && modrm >= 0xe0 && modrm <= 0xe4) || (op === 7 && modrm === 0xe0);
}

/** Memory-form control instructions: FLDENV, FLDCW, FNSTENV, FNSTCW, FRSTOR, FNSAVE, FNSTSW. */
function isControlMem(op: number, reg: number): boolean {
  return (op === 1 && reg >= 4) || (op === 5 && (reg === 4 || reg === 6 || reg === 7));
}


