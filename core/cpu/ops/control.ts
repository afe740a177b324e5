// Control flow (Jcc is generated in cond-generated.ts): JMP/CALL/RET near and far, LOOP/JCXZ, INT/INTO/INT3/ICEBP, IRET,
// BOUND, HLT, flag instructions (CLC..STD, CMC, CLI/STI with IOPL checks).
import { CF, CS, DF, ECX, EXC_BP, EXC_BR, EXC_DB, EXC_OF, IF } from '../constants';
import type { CpuCore as C } from '../core';

/** Near jump target with operand-size wrap; #GP if outside CS limit. */
function jumpTo(c: C, target: number): void {
  if (c.o32 !== true) target &= 0xffff; // `!== true`: a bare boolean test checks every falsy kind
  if (target >>> 0 > c.segLimit[CS]! >>> 0 && c.protectedMode) c.gp(0);
  c.eip = target;
}

export function jmpRel8(c: C): void { const d = (c.fetch8() << 24) >> 24; jumpTo(c, (c.eip + d) | 0); }
export function jmpRel16(c: C): void { const d = c.fetch16(); jumpTo(c, (c.eip + d) | 0); }
export function jmpRel32(c: C): void { const d = c.fetch32(); jumpTo(c, (c.eip + d) | 0); }
export function callRel16(c: C): void {
  const d = c.fetch16();
  const t = (c.eip + d) & 0xffff;
  if (t > c.segLimit[CS]! >>> 0 && c.protectedMode) c.gp(0);
  c.push16(c.eip);
  c.eip = t;
}
export function callRel32(c: C): void {
  const d = c.fetch32();
  const t = (c.eip + d) | 0;
  if (t >>> 0 > c.segLimit[CS]! >>> 0 && c.protectedMode) c.gp(0);
  c.push32(c.eip);
  c.eip = t;
}
export function retNear16(c: C, imm: number): void {
  const t = c.peek16(0);
  if (t > c.segLimit[CS]! >>> 0 && c.protectedMode) c.gp(0);
  c.addSp(2 + imm);
  c.eip = t;
}
export function retNear32(c: C, imm: number): void {
  const t = c.peek32(0);
  if (t >>> 0 > c.segLimit[CS]! >>> 0 && c.protectedMode) c.gp(0);
  c.addSp(4 + imm);
  c.eip = t;
}
export function jmpFarAp(c: C): void {
  const off = c.o32 ? c.fetch32() : c.fetch16();
  const sel = c.fetch16();
  c.jmpFar(sel, off);
}
export function callFarAp(c: C): void {
  const off = c.o32 ? c.fetch32() : c.fetch16();
  const sel = c.fetch16();
  c.callFar(sel, off, c.o32);
}

/** FF group: INC/DEC/CALL/CALLF/JMP/JMPF/PUSH Ev. */
export function grp5_16(c: C, inc: (c: C) => void, dec: (c: C) => void, push: (c: C) => void): void {
  switch (c.regField) {
    case 0: inc(c); break;
    case 1: dec(c); break;
    case 2: {
      const t = c.rmRead16();
      if (t > c.segLimit[CS]! >>> 0 && c.protectedMode) c.gp(0);
      c.push16(c.eip);
      c.eip = t;
      break;
    }
    case 3: {
      c.requireMem();
      const off = c.rd16(c.eaSeg, c.eaOff);
      c.callFar(c.rd16(c.eaSeg, c.eaPlus(2)), off, false);
      break;
    }
    case 4: jumpTo(c, c.rmRead16()); break;
    case 5: {
      c.requireMem();
      const off = c.rd16(c.eaSeg, c.eaOff);
      c.jmpFar(c.rd16(c.eaSeg, c.eaPlus(2)), off);
      break;
    }
    case 6: push(c); break;
    default: c.ud();
  }
}
export function grp5_32(c: C, inc: (c: C) => void, dec: (c: C) => void, push: (c: C) => void): void {
  switch (c.regField) {
    case 0: inc(c); break;
    case 1: dec(c); break;
    case 2: {
      const t = c.rmRead32();
      if (t >>> 0 > c.segLimit[CS]! >>> 0 && c.protectedMode) c.gp(0);
      c.push32(c.eip);
      c.eip = t;
      break;
    }
    case 3: {
      c.requireMem();
      const off = c.rd32(c.eaSeg, c.eaOff);
      c.callFar(c.rd16(c.eaSeg, c.eaPlus(4)), off, true);
      break;
    }
    case 4: jumpTo(c, c.rmRead32()); break;
    case 5: {
      c.requireMem();
      const off = c.rd32(c.eaSeg, c.eaOff);
      c.jmpFar(c.rd16(c.eaSeg, c.eaPlus(4)), off);
      break;
    }
    case 6: push(c); break;
    default: c.ud();
  }
}

/** LOOP/LOOPE/LOOPNE/JCXZ: the counter is CX or ECX by address size. */
export function loop(c: C, kind: number): void {
  const d = (c.fetch8() << 24) >> 24;
  let cnt: number;
  if (kind === 3) cnt = c.a32 ? c.regs[ECX]! : c.regs[ECX]! & 0xffff;
  else if (c.a32) cnt = c.regs[ECX] = (c.regs[ECX]! - 1) | 0;
  else { cnt = (c.regs[ECX]! - 1) & 0xffff; c.setReg16(ECX, cnt); }
  let take: boolean;
  switch (kind) {
    case 0: take = cnt !== 0 && !c.getZF(); break; // LOOPNE
    case 1: take = cnt !== 0 && c.getZF(); break; // LOOPE
    case 2: take = cnt !== 0; break; // LOOP
    default: take = cnt === 0; break; // JCXZ
  }
  if (take) jumpTo(c, (c.eip + d) | 0);
}

export function intIb(c: C): void { const v = c.fetch8(); c.interrupt(v, true, false, 0, 0); }
export function int3(c: C): void { c.interrupt(EXC_BP, true, false, 0, 0); }
export function into(c: C): void { if (c.getOF()) c.interrupt(EXC_OF, true, false, 0, 0); }
/** F1 ICEBP: a #DB trap delivered like a hardware event (no gate DPL check). */
export function icebp(c: C): void { c.interrupt(EXC_DB, false, false, 0, 0); }
export function iret(c: C): void {
  const wasIf = c.flagsReg & IF;
  c.nmiBlocked = false;
  c.iret(c.o32);
  if (!wasIf && c.flagsReg & IF) c.attention = true;
}
export function bound16(c: C): void {
  c.requireMem();
  const i = (c.regs[c.regField]! << 16) >> 16;
  const lo = (c.rd16(c.eaSeg, c.eaOff) << 16) >> 16;
  const hi = (c.rd16(c.eaSeg, c.eaPlus(2)) << 16) >> 16;
  if (i < lo || i > hi) c.fault(EXC_BR, 0, false);
}
export function bound32(c: C): void {
  c.requireMem();
  const i = c.regs[c.regField]!;
  const lo = c.rd32(c.eaSeg, c.eaOff);
  const hi = c.rd32(c.eaSeg, c.eaPlus(4));
  if (i < lo || i > hi) c.fault(EXC_BR, 0, false);
}
export function hlt(c: C): void {
  c.requireCpl0();
  c.halted = true;
  c.attention = true;
}

export function clc(c: C): void { c.setFlagBits(CF, 0); }
export function stc(c: C): void { c.setFlagBits(CF, CF); }
export function cmc(c: C): void { c.setFlagBits(CF, c.getCF() ? 0 : CF); }
export function cld(c: C): void { c.flagsReg &= ~DF; }
export function std(c: C): void { c.flagsReg |= DF; }
/** CLI/STI need CPL <= IOPL in protected mode, IOPL 3 in v86 (no VME/PVI here). */
export function cli(c: C): void {
  if (c.protectedMode && (c.v86 ? c.iopl < 3 : c.cpl > c.iopl)) c.gp(0);
  c.flagsReg &= ~IF;
}
export function sti(c: C): void {
  if (c.protectedMode && (c.v86 ? c.iopl < 3 : c.cpl > c.iopl)) c.gp(0);
  if (!(c.flagsReg & IF)) {
    c.flagsReg |= IF;
    c.irqShadow = true;
    c.attention = true;
  }
}
