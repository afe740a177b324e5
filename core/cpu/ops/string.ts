// String instructions MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE, 16- or
// 32-bit addressing (SI/DI/CX vs ESI/EDI/ECX), DF direction. A long REP yields after a
// chunk of iterations by restarting itself, so interrupts and slices stay responsive.
import { alu } from '../alu';
import { DF, ECX, EDI, ES, ESI } from '../constants';
import type { CpuCore as C } from '../core';

const CHUNK = 16384;
const SIGN = [0, 0x80, 0x8000, 0, 0x80000000 | 0];

function rd(c: C, seg: number, off: number, size: number): number {
  return size === 1 ? c.rd8(seg, off) : size === 2 ? c.rd16(seg, off) : c.rd32(seg, off);
}
function wr(c: C, seg: number, off: number, size: number, v: number): void {
  if (size === 1) c.wr8(seg, off, v);
  else if (size === 2) c.wr16(seg, off, v);
  else c.wr32(seg, off, v);
}
function getAcc(c: C, size: number): number {
  const a = c.regs[0]!;
  return size === 1 ? a & 0xff : size === 2 ? a & 0xffff : a;
}
function setAcc(c: C, size: number, v: number): void {
  if (size === 1) c.setReg8(0, v);
  else if (size === 2) c.setReg16(0, v);
  else c.regs[0] = v;
}

/** Run `body` once or REP-style; body returns false to stop (REPE/REPNE condition). */
function repeat(c: C, body: (c: C, size: number, mask: number, step: number) => boolean, size: number, conditional: boolean): void {
  const mask = c.a32 ? -1 : 0xffff;
  const step = c.flagsReg & DF ? -size : size;
  if (c.rep === 0) {
    body(c, size, mask, step);
    return;
  }
  let n = 0;
  for (;;) {
    const cnt = c.regs[ECX]! & mask;
    if (cnt === 0) return;
    const cont = body(c, size, mask, step);
    c.regs[ECX] = (c.regs[ECX]! & ~mask) | ((cnt - 1) & mask);
    if (((cnt - 1) & mask) === 0) return;
    if (conditional) {
      const zf = c.getZF();
      if (c.rep === 0xf3 ? !zf : zf) return;
    } else if (!cont) return;
    if (++n >= CHUNK) {
      c.eip = c.startEip;
      return;
    }
  }
}
function adv(c: C, r: number, mask: number, step: number): void {
  c.regs[r] = (c.regs[r]! & ~mask) | ((c.regs[r]! + step) & mask);
}

const movsBody = (c: C, size: number, mask: number, step: number): boolean => {
  const v = rd(c, c.dataSeg, c.regs[ESI]! & mask, size);
  wr(c, ES, c.regs[EDI]! & mask, size, v);
  adv(c, ESI, mask, step);
  adv(c, EDI, mask, step);
  return true;
};
const cmpsBody = (c: C, size: number, mask: number, step: number): boolean => {
  const a = rd(c, c.dataSeg, c.regs[ESI]! & mask, size);
  const b = rd(c, ES, c.regs[EDI]! & mask, size);
  alu(c, 7, a, b, SIGN[size]!);
  adv(c, ESI, mask, step);
  adv(c, EDI, mask, step);
  return true;
};
const stosBody = (c: C, size: number, mask: number, step: number): boolean => {
  wr(c, ES, c.regs[EDI]! & mask, size, c.regs[0]!);
  adv(c, EDI, mask, step);
  return true;
};
const lodsBody = (c: C, size: number, mask: number, step: number): boolean => {
  setAcc(c, size, rd(c, c.dataSeg, c.regs[ESI]! & mask, size));
  adv(c, ESI, mask, step);
  return true;
};
const scasBody = (c: C, size: number, mask: number, step: number): boolean => {
  const b = rd(c, ES, c.regs[EDI]! & mask, size);
  alu(c, 7, getAcc(c, size), b, SIGN[size]!);
  adv(c, EDI, mask, step);
  return true;
};
const insBody = (c: C, size: number, mask: number, step: number): boolean => {
  const port = c.regs[2]! & 0xffff;
  // The destination is probed before the port is read (a fault must not lose input).
  c.writeAddr(ES, c.regs[EDI]! & mask, size);
  const v = c.ports.read(port, size as 1 | 2 | 4);
  wr(c, ES, c.regs[EDI]! & mask, size, v);
  adv(c, EDI, mask, step);
  return true;
};
const outsBody = (c: C, size: number, mask: number, step: number): boolean => {
  const v = rd(c, c.dataSeg, c.regs[ESI]! & mask, size);
  c.ports.write(c.regs[2]! & 0xffff, size as 1 | 2 | 4, size === 4 ? v >>> 0 : v);
  adv(c, ESI, mask, step);
  return true;
};

/**
 * Bulk path for REP MOVS / REP STOS: forward, flat segments, 32-bit addressing, both
 * pages already in the TLB as RAM. Moves whole runs within the current pages with
 * copyWithin/fill; returns false when the element-by-element path must take over.
 */
function bulkRep(c: C, size: number, isMovs: boolean): boolean {
  if (c.flagsReg & DF || !c.a32 || c.segFlat[ES] !== 1 || (isMovs && c.segFlat[c.dataSeg] !== 1)) return false;
  const u8 = c.u8;
  let n = 0;
  for (;;) {
    const cnt = c.regs[ECX]! >>> 0;
    if (cnt === 0) return true;
    const di = c.regs[EDI]!;
    const si = c.regs[ESI]!;
    const dp = c.ramForWrite(di);
    const sp = isMovs ? c.ramForRead(si) : 0;
    const room = isMovs ? Math.min(4096 - (di & 0xfff), 4096 - (si & 0xfff)) : 4096 - (di & 0xfff);
    const elems = Math.min(cnt, Math.floor(room / size));
    if (dp < 0 || sp < 0 || elems === 0) {
      // TLB miss, MMIO or an element straddling pages: one element the checked way (it fills the TLB).
      (isMovs ? movsBody : stosBody)(c, size, -1, size);
      c.regs[ECX] = (cnt - 1) | 0;
      if (++n >= 64 && c.regs[ECX] !== 0) { c.eip = c.startEip; return true; }
      continue;
    }
    const bytes = elems * size;
    if (isMovs) {
      // Overlap with dst just above src must replicate like the element loop does.
      if (dp > sp && dp < sp + bytes) return n > 0;
      u8.copyWithin(dp, sp, sp + bytes);
      c.regs[ESI] = (si + bytes) | 0;
    } else {
      const v = c.regs[0]!;
      if (size === 1 || (size === 2 && (v & 0xff) === ((v >> 8) & 0xff)) || (size === 4 && v === (v & 0xff) * 0x01010101)) u8.fill(v & 0xff, dp, dp + bytes);
      else if (size === 2) for (let i = 0; i < bytes; i += 2) c.view.setUint16(dp + i, v, true);
      else for (let i = 0; i < bytes; i += 4) c.view.setInt32(dp + i, v, true);
    }
    c.regs[EDI] = (di + bytes) | 0;
    c.regs[ECX] = (cnt - elems) | 0;
    if (++n >= 64 && c.regs[ECX] !== 0) {
      c.eip = c.startEip; // yield; the instruction resumes where it stopped
      return true;
    }
  }
}

export function movs(c: C, size: number): void {
  if (c.rep !== 0 && bulkRep(c, size, true)) {
    if (c.regs[ECX] === 0 || c.eip === c.startEip) return;
  }
  repeat(c, movsBody, size, false);
}
export function cmps(c: C, size: number): void { repeat(c, cmpsBody, size, true); }
export function stos(c: C, size: number): void {
  if (c.rep !== 0 && bulkRep(c, size, false)) {
    if (c.regs[ECX] === 0 || c.eip === c.startEip) return;
  }
  repeat(c, stosBody, size, false);
}
export function lods(c: C, size: number): void { repeat(c, lodsBody, size, false); }
export function scas(c: C, size: number): void { repeat(c, scasBody, size, true); }
export function ins(c: C, size: number): void { c.checkIo(c.regs[2]! & 0xffff, size); repeat(c, insBody, size, false); }
export function outs(c: C, size: number): void { c.checkIo(c.regs[2]! & 0xffff, size); repeat(c, outsBody, size, false); }

export function inPort(c: C, port: number, size: number): void {
  c.checkIo(port, size);
  setAcc(c, size, c.ports.read(port, size as 1 | 2 | 4));
}
export function outPort(c: C, port: number, size: number): void {
  c.checkIo(port, size);
  const v = getAcc(c, size);
  c.ports.write(port, size as 1 | 2 | 4, size === 4 ? v >>> 0 : v);
}
