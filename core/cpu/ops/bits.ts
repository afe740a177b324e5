// Bit and atomic opcodes of the 0F page: BT/BTS/BTR/BTC (register and immediate forms,
// with the memory bit-string addressing of SDM vol. 2 BT), BSF/BSR, XADD, CMPXCHG, CMPXCHG8B.
import { alu } from '../alu';
import { CF, EAX, EBX, ECX, EDX, ZF } from '../constants';
import type { CpuCore as C } from '../core';

/** op: 0 BT, 1 BTS, 2 BTR, 3 BTC. `bit` is the raw bit offset; `imm` says it came from an immediate. */
function bitOp(c: C, op: number, bit: number, imm: boolean, o32: boolean): void {
  const size = o32 ? 32 : 16;
  if (c.modrm >= 0xc0 || imm) {
    const b = bit & (size - 1);
    const v = o32 ? c.rmRead32() : c.rmRead16();
    const set = (v >>> b) & 1;
    c.setFlagBits(CF, set ? CF : 0);
    if (op === 0) return;
    const nv = op === 1 ? v | (1 << b) : op === 2 ? v & ~(1 << b) : v ^ (1 << b);
    if (o32) c.rmWrite32(nv); else c.rmWrite16(nv);
    return;
  }
  // Register bit offset into a memory bit string: signed, may reach outside the operand.
  const bytes = o32 ? 4 : 2;
  const sbit = o32 ? bit | 0 : (bit << 16) >> 16;
  const delta = (sbit >> (o32 ? 5 : 4)) * bytes;
  const off = c.eaPlus(delta);
  const b = sbit & (size - 1);
  const v = o32 ? c.rd32(c.eaSeg, off) : c.rd16(c.eaSeg, off);
  c.setFlagBits(CF, (v >>> b) & 1 ? CF : 0);
  if (op === 0) return;
  const nv = op === 1 ? v | (1 << b) : op === 2 ? v & ~(1 << b) : v ^ (1 << b);
  if (o32) c.wr32(c.eaSeg, off, nv); else c.wr16(c.eaSeg, off, nv);
}
export function btGv(c: C, op: number): void { bitOp(c, op, c.regs[c.regField]!, false, c.o32); }
/** 0F BA /4../7 Ev, Ib. */
export function btIb(c: C): void {
  const r = c.regField;
  if (r < 4) c.ud();
  // The immediate follows the ModR/M bytes; read it before the operand.
  bitOp(c, r - 4, c.fetch8(), true, c.o32);
}

export function bsf(c: C): void {
  const v = c.o32 ? c.rmRead32() : c.rmRead16();
  if (v === 0) { c.setFlagBits(ZF, ZF); return; }
  const i = 31 - Math.clz32(v & -v);
  if (c.o32) c.regs[c.regField] = i; else c.setReg16(c.regField, i);
  c.setFlagBits(ZF, 0);
}
export function bsr(c: C): void {
  const v = c.o32 ? c.rmRead32() : c.rmRead16();
  if (v === 0) { c.setFlagBits(ZF, ZF); return; }
  const i = 31 - Math.clz32(v);
  if (c.o32) c.regs[c.regField] = i; else c.setReg16(c.regField, i);
  c.setFlagBits(ZF, 0);
}

export function xaddEb(c: C): void {
  const d = c.rmRead8();
  const s = c.getReg8(c.regField);
  const r = alu(c, 0, d, s, 0x80);
  c.rmWrite8(r);
  c.setReg8(c.regField, d);
}
export function xaddEv(c: C): void {
  if (c.o32) {
    const d = c.rmRead32();
    const r = alu(c, 0, d, c.regs[c.regField]!, 0x80000000 | 0);
    c.rmWrite32(r);
    c.regs[c.regField] = d;
  } else {
    const d = c.rmRead16();
    const r = alu(c, 0, d, c.regs[c.regField]! & 0xffff, 0x8000);
    c.rmWrite16(r);
    c.setReg16(c.regField, d);
  }
}
export function cmpxchgEb(c: C): void {
  const d = c.rmRead8();
  const a = c.regs[EAX]! & 0xff;
  alu(c, 7, a, d, 0x80);
  if (a === d) c.rmWrite8(c.getReg8(c.regField));
  else { c.rmWrite8(d); c.setReg8(0, d); }
}
export function cmpxchgEv(c: C): void {
  if (c.o32) {
    const d = c.rmRead32();
    const a = c.regs[EAX]!;
    alu(c, 7, a, d, 0x80000000 | 0);
    if (a === d) c.rmWrite32(c.regs[c.regField]!);
    else { c.rmWrite32(d); c.regs[EAX] = d; }
  } else {
    const d = c.rmRead16();
    const a = c.regs[EAX]! & 0xffff;
    alu(c, 7, a, d, 0x8000);
    if (a === d) c.rmWrite16(c.regs[c.regField]!);
    else { c.rmWrite16(d); c.setReg16(EAX, d); }
  }
}
/** 0F C7 /1 CMPXCHG8B m64. */
export function grp9(c: C): void {
  if (c.regField !== 1 || c.modrm >= 0xc0) c.ud();
  const off2 = c.eaPlus(4);
  const lo = c.rd32(c.eaSeg, c.eaOff);
  const hi = c.rd32(c.eaSeg, off2);
  c.writeAddr(c.eaSeg, c.eaOff, 8);
  if (lo === c.regs[EAX] && hi === c.regs[EDX]) {
    c.wr32(c.eaSeg, c.eaOff, c.regs[EBX]!);
    c.wr32(c.eaSeg, off2, c.regs[ECX]!);
    c.setFlagBits(ZF, ZF);
  } else {
    c.wr32(c.eaSeg, c.eaOff, lo);
    c.wr32(c.eaSeg, off2, hi);
    c.regs[EAX] = lo;
    c.regs[EDX] = hi;
    c.setFlagBits(ZF, 0);
  }
}
