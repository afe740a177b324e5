// Machine-level state above the instruction decoder: HLT, interrupt shadows, the
// instruction counter and TSC, control-register writes with their TLB effects, MSRs,
// CPUID, and the glue to the x87 unit (SDM vol. 3 §2.5 CR0.EM/TS/MP/NE, §8.7 #MF).
import type { InterruptController } from '../bus';
import {
  CR0_EM, CR0_ET, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_OSFXSR, CR4_PGE, CR4_PSE, EXC_MF, EXC_NM,
  MSR_APIC_BASE, MSR_BIOS_SIGN, MSR_MCG_CAP, MSR_MCG_STATUS, MSR_MISC_ENABLE, MSR_MTRRCAP, MSR_MTRR_DEF_TYPE,
  MSR_MTRR_FIX16K_80000, MSR_MTRR_FIX16K_A0000, MSR_MTRR_FIX4K_C0000, MSR_MTRR_FIX4K_F8000, MSR_MTRR_FIX64K,
  MSR_MTRR_PHYSBASE0, MSR_MTRR_PHYSMASK7, MSR_PAT, MSR_SYSENTER_CS, MSR_SYSENTER_EIP, MSR_SYSENTER_ESP, MSR_TSC,
} from './constants';
import type { FpuHost, FpuInstruction, X87Unit } from './fpu/fpu-host';
import { CpuOperands } from './operands';

/** CR4 bits this core implements (CPUID reports exactly the matching features). */
export const CR4_SUPPORTED = 0x4 | CR4_PSE | CR4_PGE | 0x100 | CR4_OSFXSR;

export class CpuCore extends CpuOperands {
  fpu: X87Unit | undefined;
  interruptController: InterruptController | undefined;
  halted = false;
  /** Interrupts are inhibited for one instruction after STI / MOV SS / POP SS. */
  irqShadow = false;
  nmiPending = false;
  /** NMIs are blocked until the next IRET (SDM vol. 3 §6.7.1). */
  nmiBlocked = false;
  /** [0] instructions retired before the running chunk (float64: does not wrap); [1] TSC offset. */
  readonly counters = new Float64Array(2);
  /**
   * Instructions the running chunk has retired, folded into counters[0] when it ends: a small
   * integer field costs the run loop one store per instruction where a Float64Array element
   * costs a dozen machine instructions. `instructionCount` is the sum.
   */
  chunkDone = 0;
  stopRequested = false;
  shutdownReason: '' | 'triple-fault' | 'shutdown' = '';

  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  apicBase = 0xfee00900 | 0;
  readonly mtrrVar = new Int32Array(32);
  readonly mtrrFixed = new Int32Array(22);
  mtrrDefType = 0;
  pat = [0x00070406, 0x00070406];
  miscEnable = 1;
  /** The FPU-host view handed to the x87 unit. */
  readonly fpuHost: FpuHost;
  /** Reused description of the ESC instruction being executed. */
  readonly fpuInsn: { -readonly [K in keyof FpuInstruction]: FpuInstruction[K] } = {
    opcode: 0, modrm: 0, linear: 0, operand32: false, realMode: true, cs: 0, eip: 0, ds: 0, offset: 0,
  };

  constructor(...args: ConstructorParameters<typeof CpuOperands>) {
    super(...args);
    const self = this;
    // Memory at the current CPL (faults propagate as the CPU's own), plus the EFLAGS/AX
    // hand-backs of FCMOVcc, FCOMI and FNSTSW AX (SDM vol. 2) that the x87 contract names.
    const host = {
      read8: (l: number) => self.lr8(l),
      read16: (l: number) => self.lr16(l),
      read32: (l: number) => self.lr32(l),
      write8: (l: number, v: number) => self.lw8(l, v),
      write16: (l: number, v: number) => self.lw16(l, v),
      write32: (l: number, v: number) => self.lw32(l, v),
      eflags: () => self.getFlags(),
      setCompareFlags: (zfPfCf: number) => self.setFlagBits(0x8d5, zfPfCf & 0x45),
      writeAx: (v: number) => self.setReg16(0, v),
    };
    this.fpuHost = host;
  }

  get instructionCount(): number {
    return this.counters[0]! + this.chunkDone;
  }
  /** The local APIC's IA32_APIC_BASE MSR, when the platform has one (CPUID then reports APIC). */
  apicBaseMsr: { readApicBaseMsr(): number; writeApicBaseMsr(value: number): void } | undefined;
  /** The platform's time-stamp counter (derived from the virtual clock); instructions retired when absent. */
  tscSource: { read(): number; write(value: number): void } | undefined;

  get tsc(): number {
    if (this.tscSource) return this.tscSource.read();
    return this.instructionCount + this.counters[1]!;
  }

  // ---- control registers ----
  writeCr0(v: number): void {
    v = (v | CR0_ET) & (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | 0x40000 | 0x20000000 | 0x40000000 | CR0_PG);
    if (v & CR0_PG && !(v & CR0_PE)) this.gp(0);
    const old = this.cr[0]!;
    this.cr[0] = v;
    if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) this.flushTlb(false);
    if ((old ^ v) & CR0_PE) this.modeChanged();
  }
  writeCr3(v: number): void {
    this.cr[3] = v & ~0xfe7;
    this.flushTlb((this.cr[4]! & CR4_PGE) !== 0);
  }
  writeCr4(v: number): void {
    if (v & ~CR4_SUPPORTED) this.gp(0);
    const old = this.cr[4]!;
    this.cr[4] = v;
    if ((old ^ v) & (CR4_PSE | CR4_PGE)) this.flushTlb(false);
  }

  // ---- MSRs (SDM vol. 4; the set a Pentium II has and Linux touches) ----
  /** Returns the MSR's value as [low, high] in `msrLo`/`msrHi`; #GP for unknown MSRs. */
  msrLo = 0;
  msrHi = 0;
  readMsr(n: number): void {
    let lo = 0;
    let hi = 0;
    if (n === MSR_TSC) {
      const t = this.tsc;
      lo = t % 4294967296 | 0;
      hi = Math.floor(t / 4294967296) | 0;
    } else if (n === MSR_SYSENTER_CS) lo = this.sysenterCs;
    else if (n === MSR_SYSENTER_ESP) lo = this.sysenterEsp;
    else if (n === MSR_SYSENTER_EIP) lo = this.sysenterEip;
    else if (n === MSR_APIC_BASE) lo = this.apicBaseMsr ? this.apicBaseMsr.readApicBaseMsr() | 0 : this.apicBase;
    else if (n === MSR_MTRRCAP) lo = 0x508; // 8 variable ranges, fixed ranges, write-combining
    else if (n >= MSR_MTRR_PHYSBASE0 && n <= MSR_MTRR_PHYSMASK7) {
      lo = this.mtrrVar[(n - MSR_MTRR_PHYSBASE0) * 2]!;
      hi = this.mtrrVar[(n - MSR_MTRR_PHYSBASE0) * 2 + 1]!;
    } else if (this.fixedMtrrIndex(n) >= 0) {
      const i = this.fixedMtrrIndex(n);
      lo = this.mtrrFixed[i * 2]!;
      hi = this.mtrrFixed[i * 2 + 1]!;
    } else if (n === MSR_MTRR_DEF_TYPE) lo = this.mtrrDefType;
    else if (n === MSR_PAT) { lo = this.pat[0]!; hi = this.pat[1]!; }
    else if (n === MSR_MISC_ENABLE) lo = this.miscEnable;
    else if (n === MSR_BIOS_SIGN || n === MSR_MCG_CAP || n === MSR_MCG_STATUS || n === 0x17 || n === 0x2a) lo = 0;
    else this.gp(0);
    this.msrLo = lo;
    this.msrHi = hi;
  }
  writeMsr(n: number, lo: number, hi: number): void {
    if (n === MSR_TSC) {
      const value = (hi >>> 0) * 4294967296 + (lo >>> 0);
      if (this.tscSource) this.tscSource.write(value);
      else this.counters[1] = value - this.instructionCount;
    }
    else if (n === MSR_SYSENTER_CS) this.sysenterCs = lo & 0xffff;
    else if (n === MSR_SYSENTER_ESP) this.sysenterEsp = lo;
    else if (n === MSR_SYSENTER_EIP) this.sysenterEip = lo;
    else if (n === MSR_APIC_BASE) {
      if (this.apicBaseMsr) this.apicBaseMsr.writeApicBaseMsr(lo >>> 0);
      else this.apicBase = (lo & 0xfffff900) | 0;
    }
    else if (n >= MSR_MTRR_PHYSBASE0 && n <= MSR_MTRR_PHYSMASK7) {
      this.mtrrVar[(n - MSR_MTRR_PHYSBASE0) * 2] = lo;
      this.mtrrVar[(n - MSR_MTRR_PHYSBASE0) * 2 + 1] = hi & 0xf;
    } else if (this.fixedMtrrIndex(n) >= 0) {
      const i = this.fixedMtrrIndex(n);
      this.mtrrFixed[i * 2] = lo;
      this.mtrrFixed[i * 2 + 1] = hi;
    } else if (n === MSR_MTRR_DEF_TYPE) this.mtrrDefType = lo & 0xcff;
    else if (n === MSR_PAT) { this.pat[0] = lo; this.pat[1] = hi; }
    else if (n === MSR_MISC_ENABLE) this.miscEnable = lo;
    else if (n === MSR_BIOS_SIGN || n === MSR_MCG_STATUS || n === 0x79) { /* accepted, no effect */ }
    else this.gp(0);
  }
  private fixedMtrrIndex(n: number): number {
    if (n === MSR_MTRR_FIX64K) return 0;
    if (n === MSR_MTRR_FIX16K_80000) return 1;
    if (n === MSR_MTRR_FIX16K_A0000) return 2;
    if (n >= MSR_MTRR_FIX4K_C0000 && n <= MSR_MTRR_FIX4K_F8000) return 3 + n - MSR_MTRR_FIX4K_C0000;
    return -1;
  }

  // ---- CPUID: a family 6 model 5 (Pentium II) that reports only what is implemented ----
  cpuid(): void {
    const r = this.regs;
    const leaf = r[0]!;
    if (leaf === 0) {
      r[0] = 2;
      r[3] = 0x756e6547; // "Genu"
      r[2] = 0x49656e69; // "ineI"
      r[1] = 0x6c65746e; // "ntel"
    } else if (leaf === 1) {
      r[0] = 0x652;
      r[3] = 0;
      r[1] = 0;
      r[2] = this.cpuidFeatures();
    } else if (leaf === 2) {
      r[0] = 0x03020101; // cache/TLB descriptors of a Pentium II
      r[3] = 0;
      r[1] = 0;
      r[2] = 0x0c040843;
    } else {
      r[0] = 0; r[1] = 0; r[2] = 0; r[3] = 0;
    }
  }
  /** CPUID.1:EDX. */
  cpuidFeatures(): number {
    let f = 0;
    if (this.fpu) f |= 1 << 0; // FPU
    f |= 1 << 3; // PSE
    f |= 1 << 4; // TSC
    f |= 1 << 5; // MSR
    f |= 1 << 8; // CX8
    if (this.apicBaseMsr) f |= 1 << 9; // APIC
    f |= 1 << 11; // SEP
    f |= 1 << 12; // MTRR
    f |= 1 << 13; // PGE
    f |= 1 << 15; // CMOV
    if (this.fpu) f |= 1 << 24; // FXSR
    return f;
  }

  // ---- x87 glue ----
  /** #NM / #MF checks before an ESC or WAIT (SDM vol. 3 table 2-2). */
  fpuCheck(isWait: boolean): X87Unit {
    const cr0 = this.cr[0]!;
    const fpu = this.fpu;
    if (isWait) {
      if (cr0 & CR0_TS && cr0 & CR0_MP) this.fault(EXC_NM, 0, false);
    } else if (cr0 & (CR0_EM | CR0_TS) || !fpu) this.fault(EXC_NM, 0, false);
    if (fpu && fpu.errorPending) {
      // CR0.NE=1: #MF; NE=0 would signal FERR# to the PIC (IRQ 13), which the platform wires.
      if (cr0 & CR0_NE) this.fault(EXC_MF, 0, false);
    }
    return fpu!;
  }
}
