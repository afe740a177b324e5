// Data movement: MOV forms, LEA, XCHG, PUSH/POP (incl. segment registers, PUSHA/POPA,
// PUSHF/POPF), LxS far pointers, MOVZX/MOVSX, CMOVcc, SETcc, BSWAP, XLAT, ENTER/LEAVE.
import { CS, EAX, EBP, ESP, IF, SS, VM } from '../constants';
import type { CpuCore as C } from '../core';

export function movEbGb(c: C): void { c.rmWrite8(c.getReg8(c.regField)); }
export function movEvGv16(c: C): void { c.rmWrite16(c.regs[c.regField]!); }
export function movEvGv32(c: C): void { c.rmWrite32(c.regs[c.regField]!); }
export function movGbEb(c: C): void { c.setReg8(c.regField, c.rmRead8()); }
export function movGvEv16(c: C): void { c.setReg16(c.regField, c.rmRead16()); }
export function movGvEv32(c: C): void { c.regs[c.regField] = c.rmRead32(); }
export function movEvSw(c: C): void {
  const s = c.regField;
  if (s > 5) c.ud();
  // A register destination with 32-bit operand size gets the zero-extended selector (P6 behaviour).
  if (c.modrm >= 0xc0) {
    if (c.o32) c.regs[c.modrm & 7] = c.segSel[s]!;
    else c.setReg16(c.modrm & 7, c.segSel[s]!);
  } else c.wr16(c.eaSeg, c.eaOff, c.segSel[s]!);
}
export function movSwEw(c: C): void {
  const s = c.regField;
  if (s === CS || s > 5) c.ud();
  c.loadSeg(s, c.rmRead16());
  if (s === SS) c.irqShadow = true;
}
export function lea16(c: C): void { c.requireMem(); c.setReg16(c.regField, c.eaOff); }
export function lea32(c: C): void { c.requireMem(); c.regs[c.regField] = c.eaOff; }

function moffs(c: C): number {
  return c.a32 ? c.fetch32() : c.fetch16();
}
export function movAlOb(c: C): void { const o = moffs(c); c.setReg8(0, c.rd8(c.dataSeg, o)); }
export function movAxOv16(c: C): void { const o = moffs(c); c.setReg16(0, c.rd16(c.dataSeg, o)); }
export function movAxOv32(c: C): void { const o = moffs(c); c.regs[EAX] = c.rd32(c.dataSeg, o); }
export function movObAl(c: C): void { const o = moffs(c); c.wr8(c.dataSeg, o, c.regs[EAX]!); }
export function movOvAx16(c: C): void { const o = moffs(c); c.wr16(c.dataSeg, o, c.regs[EAX]!); }
export function movOvAx32(c: C): void { const o = moffs(c); c.wr32(c.dataSeg, o, c.regs[EAX]!); }

export function movEbIb(c: C): void { if (c.regField !== 0) c.ud(); const m = c.modrm; if (m >= 0xc0) c.setReg8(m & 7, c.fetch8()); else { const v = c.fetch8(); c.wr8(c.eaSeg, c.eaOff, v); } }
export function movEvIz16(c: C): void { if (c.regField !== 0) c.ud(); const v = c.fetch16(); c.rmWrite16(v); }
export function movEvIz32(c: C): void { if (c.regField !== 0) c.ud(); const v = c.fetch32(); c.rmWrite32(v); }

export function xchgEbGb(c: C): void { const a = c.rmRead8(); c.rmWrite8(c.getReg8(c.regField)); c.setReg8(c.regField, a); }
export function xchgEvGv16(c: C): void { const a = c.rmRead16(); c.rmWrite16(c.regs[c.regField]!); c.setReg16(c.regField, a); }
export function xchgEvGv32(c: C): void { const a = c.rmRead32(); c.rmWrite32(c.regs[c.regField]!); c.regs[c.regField] = a; }

export function pushEv16(c: C): void { c.push16(c.rmRead16()); }
export function pushEv32(c: C): void { c.push32(c.rmRead32()); }
/** 8F /0: POP Ev. The address is computed with the incremented ESP (SDM vol. 2 POP). */
export function popEv16(c: C): void {
  if (c.regField !== 0) c.ud();
  const v = c.peek16(0);
  if (c.modrm >= 0xc0) { c.addSp(2); c.setReg16(c.modrm & 7, v); return; }
  const old = c.regs[ESP]!;
  c.addSp(2);
  try { c.wr16(c.eaSeg, c.eaOff, v); } catch (e) { c.regs[ESP] = old; throw e; }
}
export function popEv32(c: C): void {
  if (c.regField !== 0) c.ud();
  const v = c.peek32(0);
  if (c.modrm >= 0xc0) { c.addSp(4); c.regs[c.modrm & 7] = v; return; }
  const old = c.regs[ESP]!;
  c.addSp(4);
  try { c.wr32(c.eaSeg, c.eaOff, v); } catch (e) { c.regs[ESP] = old; throw e; }
}

export function pushSeg16(c: C, s: number): void { c.push16(c.segSel[s]!); }
/** 32-bit push of a segment register writes only the low word on P6 (SDM vol. 2 PUSH). */
export function pushSeg32(c: C, s: number): void {
  const m = c.stackMask;
  const sp = (c.regs[ESP]! - 4) & m;
  c.wr16(SS, sp, c.segSel[s]!);
  c.regs[ESP] = (c.regs[ESP]! & ~m) | sp;
}
export function popSeg16(c: C, s: number): void {
  const v = c.peek16(0);
  c.loadSeg(s, v);
  c.addSp(2);
  if (s === SS) c.irqShadow = true;
}
export function popSeg32(c: C, s: number): void {
  const v = c.peek32(0);
  c.loadSeg(s, v);
  c.addSp(4);
  if (s === SS) c.irqShadow = true;
}

export function pusha16(c: C): void {
  const sp = c.regs[ESP]!;
  for (let r = 0; r < 8; r++) c.push16(r === ESP ? sp : c.regs[r]!);
}
export function pusha32(c: C): void {
  const sp = c.regs[ESP]!;
  for (let r = 0; r < 8; r++) c.push32(r === ESP ? sp : c.regs[r]!);
}
export function popa16(c: C): void {
  for (let r = 7; r >= 0; r--) {
    const v = c.pop16();
    if (r !== ESP) c.setReg16(r, v);
  }
}
export function popa32(c: C): void {
  for (let r = 7; r >= 0; r--) {
    const v = c.pop32();
    if (r !== ESP) c.regs[r] = v;
  }
}

export function pushf16(c: C): void {
  if (c.v86 && c.iopl < 3) c.gp(0);
  c.push16(c.getFlags());
}
export function pushf32(c: C): void {
  if (c.v86 && c.iopl < 3) c.gp(0);
  c.push32(c.getFlags() & ~(VM | 0x10000)); // VM and RF read as 0 in the pushed image
}
export function popf16(c: C): void {
  if (c.v86 && c.iopl < 3) c.gp(0);
  const wasIf = c.flagsReg & IF;
  c.writeFlags(c.pop16(), false, false);
  if (!wasIf && c.flagsReg & IF) c.attention = true;
}
export function popf32(c: C): void {
  if (c.v86 && c.iopl < 3) c.gp(0);
  const wasIf = c.flagsReg & IF;
  c.writeFlags(c.pop32(), true, false);
  if (!wasIf && c.flagsReg & IF) c.attention = true;
}
export function sahf(c: C): void { c.setFlagBits(0xd5, c.getReg8(4)); }
export function lahf(c: C): void { c.setReg8(4, c.getFlags() & 0xff); }

/** LES/LDS/LSS/LFS/LGS: offset then selector. */
export function loadFar16(c: C, s: number): void {
  c.requireMem();
  const off = c.rd16(c.eaSeg, c.eaOff);
  const sel = c.rd16(c.eaSeg, c.eaPlus(2));
  c.loadSeg(s, sel);
  c.setReg16(c.regField, off);
  if (s === SS) c.irqShadow = true;
}
export function loadFar32(c: C, s: number): void {
  c.requireMem();
  const off = c.rd32(c.eaSeg, c.eaOff);
  const sel = c.rd16(c.eaSeg, c.eaPlus(4));
  c.loadSeg(s, sel);
  c.regs[c.regField] = off;
  if (s === SS) c.irqShadow = true;
}

export function movzxGvEb16(c: C): void { c.setReg16(c.regField, c.rmRead8()); }
export function movzxGvEb32(c: C): void { c.regs[c.regField] = c.rmRead8(); }
export function movzxGvEw16(c: C): void { c.setReg16(c.regField, c.rmRead16()); }
export function movzxGvEw32(c: C): void { c.regs[c.regField] = c.rmRead16(); }
export function movsxGvEb16(c: C): void { c.setReg16(c.regField, (c.rmRead8() << 24) >> 24); }
export function movsxGvEb32(c: C): void { c.regs[c.regField] = (c.rmRead8() << 24) >> 24; }
export function movsxGvEw16(c: C): void { c.setReg16(c.regField, c.rmRead16()); }
export function movsxGvEw32(c: C): void { c.regs[c.regField] = (c.rmRead16() << 16) >> 16; }

/** CMOVcc reads its source even when the condition is false (a memory fault still happens). */
export function bswap(c: C, r: number): void {
  const v = c.regs[r]!;
  c.regs[r] = (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}
export function xlat(c: C): void {
  const off = c.a32 ? (c.regs[3]! + (c.regs[EAX]! & 0xff)) | 0 : (c.regs[3]! + (c.regs[EAX]! & 0xff)) & 0xffff;
  c.setReg8(0, c.rd8(c.dataSeg, off));
}

export function enter(c: C): void {
  const size = c.fetch16();
  const level = c.fetch8() & 31;
  const o32 = c.o32;
  const m = c.stackMask;
  if (o32) c.push32(c.regs[EBP]!); else c.push16(c.regs[EBP]!);
  const frame = c.regs[ESP]! & m;
  if (level > 0) {
    let bp = c.regs[EBP]!;
    for (let i = 1; i < level; i++) {
      bp = o32 ? (bp - 4) & m : (bp - 2) & m;
      if (o32) c.push32(c.rd32(SS, bp)); else c.push16(c.rd16(SS, bp));
    }
    if (o32) c.push32(frame); else c.push16(frame);
  }
  // Probe the whole new frame before committing ESP (SDM vol. 2 ENTER).
  const newSp = (c.regs[ESP]! - size) & m;
  if (size > 0) c.writeAddr(SS, newSp, 1);
  if (o32) c.regs[EBP] = (c.regs[EBP]! & ~m) | frame; else c.setReg16(EBP, frame);
  c.regs[ESP] = (c.regs[ESP]! & ~m) | newSp;
}
export function leave16(c: C): void {
  const m = c.stackMask;
  c.regs[ESP] = (c.regs[ESP]! & ~m) | (c.regs[EBP]! & m);
  c.setReg16(EBP, c.pop16());
}
export function leave32(c: C): void {
  const m = c.stackMask;
  c.regs[ESP] = (c.regs[ESP]! & ~m) | (c.regs[EBP]! & m);
  c.regs[EBP] = c.pop32();
}
