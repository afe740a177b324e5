// System opcodes: descriptor-table registers (0F 00, 0F 01), LAR/LSL/VERR/VERW, ARPL,
// CLTS, MOV to/from CR and DR, INVD/WBINVD/INVLPG, RDMSR/WRMSR/RDTSC/RDPMC, CPUID,
// SYSENTER/SYSEXIT (SDM vol. 2), the x87 escapes D8-DF, WAIT and FXSAVE/FXRSTOR.
import {
  CR0_PE, CR0_TS, CR4_DE, CR4_PCE, CR4_TSD, CS, EAX, ECX, EDX, ESP, EXC_UD, IF, LDTR, RF, SS, TR, VM, ZF, CR0_EM,
} from '../constants';
import type { CpuCore as C } from '../core';
import { ATTR_DB, ATTR_G, ATTR_P, ATTR_S } from '../registers';

/** 0F 00: SLDT STR LLDT LTR VERR VERW. */
export function grp6(c: C): void {
  const op = c.regField;
  if (!c.protectedMode || c.v86) c.ud();
  switch (op) {
    case 0:
    case 1: {
      const v = c.segSel[op === 0 ? LDTR : TR]!;
      if (c.modrm >= 0xc0 && c.o32) c.regs[c.modrm & 7] = v;
      else c.rmWrite16(v);
      break;
    }
    case 2: c.requireCpl0(); c.loadLdt(c.rmRead16(), false); break;
    case 3: c.requireCpl0(); c.loadTr(c.rmRead16()); break;
    case 4:
    case 5: {
      const sel = c.rmRead16();
      let ok = false;
      if ((sel & ~3) !== 0 && c.readDescriptor(sel)) {
        const hi = c.descHi;
        const dpl = (hi >> 13) & 3;
        const code = (hi & 0x800) !== 0;
        const conforming = code && (hi & 0x400) !== 0;
        if (hi & 0x1000 && (conforming || (dpl >= c.cpl && dpl >= (sel & 3)))) {
          ok = op === 4 ? !code || (hi & 0x200) !== 0 : !code && (hi & 0x200) !== 0;
        }
      }
      c.setFlagBits(ZF, ok ? ZF : 0);
      break;
    }
    default: c.ud();
  }
}

/** 0F 01: SGDT SIDT LGDT LIDT SMSW LMSW INVLPG. */
export function grp7(c: C): void {
  const op = c.regField;
  switch (op) {
    case 0:
    case 1: {
      c.requireMem();
      const limit = op === 0 ? c.gdtLimit : c.idtLimit;
      const base = op === 0 ? c.gdtBase : c.idtBase;
      c.wr16(c.eaSeg, c.eaOff, limit);
      c.wr32(c.eaSeg, c.eaPlus(2), c.o32 ? base : base & 0xffffff);
      break;
    }
    case 2:
    case 3: {
      c.requireMem();
      c.requireCpl0();
      const limit = c.rd16(c.eaSeg, c.eaOff);
      let base = c.rd32(c.eaSeg, c.eaPlus(2));
      if (!c.o32) base &= 0xffffff;
      if (op === 2) { c.gdtLimit = limit; c.gdtBase = base; } else { c.idtLimit = limit; c.idtBase = base; }
      break;
    }
    case 4:
      if (c.modrm >= 0xc0 && c.o32) c.regs[c.modrm & 7] = c.cr[0]!;
      else c.rmWrite16(c.cr[0]!);
      break;
    case 6: {
      c.requireCpl0();
      const v = c.rmRead16();
      // LMSW changes PE MP EM TS only and cannot clear PE (SDM vol. 2 LMSW).
      c.writeCr0((c.cr[0]! & ~0xe) | (v & 0xf) | (c.cr[0]! & CR0_PE));
      break;
    }
    case 7:
      c.requireMem();
      c.requireCpl0();
      c.invlpg((c.segBase[c.eaSeg]! + c.eaOff) | 0);
      break;
    default: c.ud();
  }
}

/** LAR (0F 02) / LSL (0F 03). */
export function larLsl(c: C, lsl: boolean): void {
  if (!c.protectedMode || c.v86) c.ud();
  const sel = c.rmRead16();
  let ok = false;
  if ((sel & ~3) !== 0 && c.readDescriptor(sel)) {
    const hi = c.descHi;
    const dpl = (hi >> 13) & 3;
    const type = (hi >> 8) & 0x1f;
    const conforming = (type & 0x1c) === 0x1c;
    const sysOk = lsl ? [1, 2, 3, 9, 11].includes(type) : [1, 2, 3, 4, 5, 9, 11, 12].includes(type);
    if ((type & 0x10 ? true : sysOk) && (conforming || (dpl >= c.cpl && dpl >= (sel & 3)))) ok = true;
  }
  if (ok) {
    let v: number;
    if (lsl) {
      v = (c.descLo & 0xffff) | (c.descHi & 0xf0000);
      if (c.descHi & 0x800000) v = (v << 12) | 0xfff;
    } else v = c.descHi & 0x00ffff00;
    if (c.o32) c.regs[c.regField] = v; else c.setReg16(c.regField, v);
  }
  c.setFlagBits(ZF, ok ? ZF : 0);
}

export function arpl(c: C): void {
  if (!c.protectedMode || c.v86) c.ud();
  const d = c.rmRead16();
  const s = c.regs[c.regField]! & 0xffff;
  if ((d & 3) < (s & 3)) {
    c.rmWrite16((d & ~3) | (s & 3));
    c.setFlagBits(ZF, ZF);
  } else c.setFlagBits(ZF, 0);
}

export function clts(c: C): void { c.requireCpl0(); c.cr[0] &= ~CR0_TS; }
export function wbinvd(c: C): void { c.requireCpl0(); }

/** 0F 20 / 0F 22: MOV r32, CRn and MOV CRn, r32 (the mod field is ignored). */
export function movRCr(c: C): void {
  c.requireCpl0();
  const n = c.regField;
  if (n === 1 || n > 4) c.ud();
  c.regs[c.modrm & 7] = c.cr[n]!;
}
export function movCrR(c: C): void {
  c.requireCpl0();
  const n = c.regField;
  const v = c.regs[c.modrm & 7]!;
  if (n === 0) c.writeCr0(v);
  else if (n === 2) c.cr[2] = v;
  else if (n === 3) c.writeCr3(v);
  else if (n === 4) c.writeCr4(v);
  else c.ud();
}
function drIndex(c: C): number {
  let n = c.regField;
  if (n === 4 || n === 5) {
    if (c.cr[4]! & CR4_DE) c.ud();
    n += 2;
  }
  return n;
}
export function movRDr(c: C): void {
  c.requireCpl0();
  const n = drIndex(c);
  c.regs[c.modrm & 7] = n === 6 ? c.dr[6]! | 0xffff0ff0 : n === 7 ? c.dr[7]! | 0x400 : c.dr[n]!;
}
export function movDrR(c: C): void {
  c.requireCpl0();
  c.dr[drIndex(c)] = c.regs[c.modrm & 7]!;
}

export function rdmsr(c: C): void {
  c.requireCpl0();
  c.readMsr(c.regs[ECX]! >>> 0);
  c.regs[EAX] = c.msrLo;
  c.regs[EDX] = c.msrHi;
}
export function wrmsr(c: C): void {
  c.requireCpl0();
  c.writeMsr(c.regs[ECX]! >>> 0, c.regs[EAX]!, c.regs[EDX]!);
}
export function rdtsc(c: C): void {
  if (c.cr[4]! & CR4_TSD && (c.cpl !== 0 || c.v86) && c.protectedMode) c.gp(0);
  const t = c.tsc;
  c.regs[EAX] = t % 4294967296 | 0;
  c.regs[EDX] = Math.floor(t / 4294967296) | 0;
}
export function rdpmc(c: C): void {
  if (!(c.cr[4]! & CR4_PCE) && (c.cpl !== 0 || c.v86) && c.protectedMode) c.gp(0);
  if (c.regs[ECX]! >>> 0 > 1) c.gp(0);
  c.regs[EAX] = 0;
  c.regs[EDX] = 0;
}
export function cpuid(c: C): void { c.cpuid(); }

function loadFlat(c: C, seg: number, sel: number, code: boolean, dpl: number): void {
  c.segSel[seg] = sel;
  c.segBase[seg] = 0;
  c.segLimit[seg] = -1;
  c.segAttr[seg] = ATTR_P | ATTR_S | (dpl << 5) | (code ? 0xb : 3) | ATTR_DB | ATTR_G;
  c.updateSegRanges(seg);
}
/** SYSENTER / SYSEXIT load fixed flat segments (SDM vol. 2 SYSENTER). */
export function sysenter(c: C): void {
  const cs = c.sysenterCs & 0xfffc;
  if (!c.protectedMode || cs === 0) c.gp(0);
  c.flagsReg &= ~(VM | IF | RF);
  c.setCpl(0);
  loadFlat(c, CS, cs, true, 0);
  loadFlat(c, SS, (cs + 8) & 0xffff, false, 0);
  c.regs[ESP] = c.sysenterEsp;
  c.eip = c.sysenterEip;
  c.refreshAllSegs();
}
export function sysexit(c: C): void {
  const cs = c.sysenterCs & 0xfffc;
  if (!c.protectedMode || c.v86 || c.cpl !== 0 || cs === 0) c.gp(0);
  c.setCpl(3);
  loadFlat(c, CS, ((cs + 16) | 3) & 0xffff, true, 3);
  loadFlat(c, SS, ((cs + 24) | 3) & 0xffff, false, 3);
  c.regs[ESP] = c.regs[ECX]!;
  c.eip = c.regs[EDX]!;
}

// ---- x87 ----
const FPU_WAIT = 0;
const FPU_NOWAIT = 1;
const FPU_INVALID = 2;
/**
 * Class of an ESC encoding (SDM vol. 2 appendix A.5, x87 opcode map, for a Pentium II):
 * waiting, no-wait control forms (FNINIT FNCLEX FNSTSW FNSTCW FNSTENV FNSAVE FNENI FNDISI
 * FNSETPM skip the #MF check), or reserved (#UD; FISTTP is SSE3, not here).
 */
export function fpuClass(op: number, modrm: number): number {
  const o = op & 7;
  const reg = (modrm >> 3) & 7;
  const rm = modrm & 7;
  if (modrm < 0xc0) {
    if (o === 1) return reg === 1 ? FPU_INVALID : reg >= 6 ? FPU_NOWAIT : FPU_WAIT;
    if (o === 3) return reg === 1 || reg === 4 || reg === 6 ? FPU_INVALID : FPU_WAIT;
    if (o === 5) return reg === 1 || reg === 5 ? FPU_INVALID : reg >= 6 ? FPU_NOWAIT : FPU_WAIT;
    if (o === 7) return reg === 1 ? FPU_INVALID : FPU_WAIT;
    return FPU_WAIT;
  }
  switch (o) {
    case 1:
      if (reg === 2) return modrm === 0xd0 ? FPU_WAIT : FPU_INVALID; // FNOP
      if (reg === 4) return rm === 2 || rm === 3 || rm >= 6 ? FPU_INVALID : FPU_WAIT; // FCHS FABS FTST FXAM
      if (reg === 5) return modrm === 0xef ? FPU_INVALID : FPU_WAIT; // constants
      return FPU_WAIT;
    case 2:
      return reg <= 3 || modrm === 0xe9 ? FPU_WAIT : FPU_INVALID; // FCMOVcc, FUCOMPP
    case 3:
      if (reg <= 3 || reg === 5 || reg === 6) return FPU_WAIT; // FCMOVNcc, FUCOMI, FCOMI
      if (reg === 4) return modrm <= 0xe4 ? FPU_NOWAIT : FPU_INVALID; // FNENI FNDISI FNCLEX FNINIT FNSETPM
      return FPU_INVALID;
    case 5:
      return reg >= 6 ? FPU_INVALID : FPU_WAIT;
    case 6:
      return reg === 3 && modrm !== 0xd9 ? FPU_INVALID : FPU_WAIT; // FCOMPP
    case 7:
      if (reg === 4) return modrm === 0xe0 ? FPU_NOWAIT : FPU_INVALID; // FNSTSW AX
      return reg === 7 ? FPU_INVALID : FPU_WAIT;
    default:
      return FPU_WAIT;
  }
}
export function esc(c: C, op: number): void {
  const m = c.modrm;
  const cr0 = c.cr[0]!;
  if (cr0 & (CR0_EM | CR0_TS) || !c.fpu) c.fault(7, 0, false);
  const kind = fpuClass(op, m);
  if (kind === FPU_INVALID) c.fault(EXC_UD, 0, false);
  const fpu = kind === FPU_NOWAIT ? c.fpu : c.fpuCheck(false);
  const i = c.fpuInsn;
  i.opcode = op;
  i.modrm = m;
  i.operand32 = c.o32;
  i.realMode = !c.protectedMode || c.v86;
  i.cs = c.segSel[CS]!;
  i.eip = c.startEip;
  if (m < 0xc0) {
    i.linear = (c.segBase[c.eaSeg]! + c.eaOff) | 0;
    i.ds = c.segSel[c.eaSeg]!;
    i.offset = c.eaOff;
  }
  fpu.execute(i);
}
export function wait(c: C): void {
  if (!c.fpu) {
    const cr0 = c.cr[0]!;
    if (cr0 & CR0_TS && cr0 & 2) c.fault(7, 0, false);
    return;
  }
  c.fpuCheck(true);
}
/** 0F AE: /0 FXSAVE, /1 FXRSTOR; the SSE and later forms are #UD on this CPU. */
export function grp15(c: C): void {
  const op = c.regField;
  if (op > 1 || c.modrm >= 0xc0 || !c.fpu) c.fault(EXC_UD, 0, false);
  const cr0 = c.cr[0]!;
  if (cr0 & (CR0_EM | CR0_TS)) c.fault(7, 0, false);
  const lin = (c.segBase[c.eaSeg]! + c.eaOff) | 0;
  if (lin & 15) c.gp(0);
  c.writeAddr(c.eaSeg, c.eaOff, 1);
  if (op === 0) c.fpu.fxsave(lin);
  else c.fpu.fxrstor(lin);
}
