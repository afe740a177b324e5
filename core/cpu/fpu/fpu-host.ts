// The contract between the integer core and the x87 unit. The CPU decodes an ESC
// instruction (D8..DF), makes the #NM and #MF checks of Intel SDM vol. 1 §8.7 and
// vol. 3 §2.5 (CR0.EM/TS/MP/NE), computes the operand's linear address and calls
// `X87Unit.execute`. Memory goes through the host, whose accessors throw the CPU's
// own fault (page fault, #GP) so a faulting FPU instruction restarts cleanly.
//
// `escapeKind(opcode, modrm)` (core/cpu/fpu/index.ts) tells the decoder which encodings are
// reserved (#UD: FISTTP is SSE3, not a Pentium II's) and which are the no-wait control forms
// that skip the pending-#MF check. WAIT/FWAIT (9B) never reaches the unit: the CPU raises #MF
// when `errorPending` is set (and CR0.NE; else FERR#/IRQ 13), otherwise it is a no-op.
// The unit hands results that are not FPU state back through three host methods: `eflags`
// (FCMOVcc reads it), `setCompareFlags` (FCOMI family) and `writeAx` (FNSTSW AX).

export interface FpuHost {
  read8(linear: number): number;
  read16(linear: number): number;
  read32(linear: number): number;
  write8(linear: number, value: number): void;
  write16(linear: number, value: number): void;
  write32(linear: number, value: number): void;
  /**
   * EFLAGS as the CPU currently holds them; FCMOVcc reads CF (bit 0), PF (bit 2) and ZF (bit 6).
   * Called only by FCMOVcc, so a lazy-flags core may materialize them here.
   */
  eflags(): number;
  /**
   * FCOMI/FCOMIP/FUCOMI/FUCOMIP result: the CPU sets ZF, PF and CF from `zfPfCf` (EFLAGS bit
   * positions: 0x40 ZF, 0x04 PF, 0x01 CF) and clears OF, SF and AF (SDM vol. 2 FCOMI).
   */
  setCompareFlags(zfPfCf: number): void;
  /** FNSTSW AX (DF E0): the CPU writes `value` (16 bits) to AX. */
  writeAx(value: number): void;
}

/** What the CPU knows about the instruction being executed, for FIP/FDP/FOP and env layouts. */
export interface FpuInstruction {
  /** Opcode byte D8..DF. */
  readonly opcode: number;
  readonly modrm: number;
  /** Linear address of the memory operand; ignored when modrm.mod == 3. */
  readonly linear: number;
  /** Operand size is 32 bits (affects FSTENV/FLDENV/FSAVE/FRSTOR layouts). */
  readonly operand32: boolean;
  /** Real or virtual-8086 mode (the env layouts differ from protected mode). */
  readonly realMode: boolean;
  /** CS:EIP of the instruction and the operand's segment:offset, recorded as FIP/FDP. */
  readonly cs: number;
  readonly eip: number;
  readonly ds: number;
  readonly offset: number;
}

export interface X87Unit {
  /** Execute one ESC instruction. Throws only what the host's memory accessors throw. */
  execute(insn: FpuInstruction): void;
  /** An unmasked exception is pending (FSW.ES): the next waiting FPU instruction or WAIT raises #MF / FERR#. */
  readonly errorPending: boolean;
  /** FXSAVE / FXRSTOR (0F AE /0, /1) of the 512-byte area at `linear` (16-byte aligned; the CPU checks). */
  fxsave(linear: number): void;
  fxrstor(linear: number): void;
  /** Power-on / RESET state (differs from FNINIT: FCW 0x0040 per SDM vol. 3 §9.1.1 table 9-1). */
  reset(): void;
  saveState(): X87State;
  restoreState(state: X87State): void;
}

/** Plain, versioned, JSON-safe x87 state for checkpoints and live migration. */
export interface X87State {
  readonly version: 1;
  readonly fcw: number;
  readonly fsw: number;
  /** Tag word in the full 2-bit-per-register form. */
  readonly ftw: number;
  /** Physical registers R0..R7, each 10 bytes little-endian as a hex string of 20 digits. */
  readonly regs: readonly string[];
  readonly fip: number;
  readonly fcs: number;
  readonly fdp: number;
  readonly fds: number;
  readonly fop: number;
  readonly mxcsr: number;
}
