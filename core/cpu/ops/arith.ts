// Integer arithmetic opcodes: ALU forms 00-3F, INC/DEC, groups 80-83, F6/F7, FE,
// TEST, IMUL forms, shifts/rotates (C0/C1/D0-D3), SHLD/SHRD, BCD, CBW/CWD, SALC.
import { aaa, aad, aam, aas, alu, daa, das, dec, div, idiv, imul1, imul2, inc, mul, neg, shift, shiftDouble } from '../alu';
import { EAX, EDX } from '../constants';
import type { CpuCore as C } from '../core';

const S8 = 0x80;
const S16 = 0x8000;
const S32 = 0x80000000 | 0;

export function grp1Eb(c: C): void { // 80, 82
  const op = c.regField;
  const r = alu(c, op, c.rmRead8(), c.fetch8(), S8);
  if (op !== 7) c.rmWrite8(r);
}
export function grp1EvIz16(c: C): void {
  const op = c.regField;
  const a = c.rmRead16();
  const r = alu(c, op, a, c.fetch16(), S16);
  if (op !== 7) c.rmWrite16(r);
}
export function grp1EvIz32(c: C): void {
  const op = c.regField;
  const a = c.rmRead32();
  const r = alu(c, op, a, c.fetch32(), S32);
  if (op !== 7) c.rmWrite32(r);
}
export function grp1EvIb16(c: C): void {
  const op = c.regField;
  const a = c.rmRead16();
  const r = alu(c, op, a, ((c.fetch8() << 24) >> 24) & 0xffff, S16);
  if (op !== 7) c.rmWrite16(r);
}
export function grp1EvIb32(c: C): void {
  const op = c.regField;
  const a = c.rmRead32();
  const r = alu(c, op, a, (c.fetch8() << 24) >> 24, S32);
  if (op !== 7) c.rmWrite32(r);
}

export function testEbGb(c: C): void { alu(c, 4, c.rmRead8(), c.getReg8(c.regField), S8); }
export function testEvGv16(c: C): void { alu(c, 4, c.rmRead16(), c.regs[c.regField]!, S16); }
export function testEvGv32(c: C): void { alu(c, 4, c.rmRead32(), c.regs[c.regField]!, S32); }
export function testAlIb(c: C): void { alu(c, 4, c.regs[EAX]!, c.fetch8(), S8); }
export function testAxIw(c: C): void { alu(c, 4, c.regs[EAX]!, c.fetch16(), S16); }
export function testEaxId(c: C): void { alu(c, 4, c.regs[EAX]!, c.fetch32(), S32); }

export function incReg16(c: C, r: number): void { c.setReg16(r, inc(c, c.regs[r]! & 0xffff, S16)); }
export function incReg32(c: C, r: number): void { c.regs[r] = inc(c, c.regs[r]!, S32); }
export function decReg16(c: C, r: number): void { c.setReg16(r, dec(c, c.regs[r]! & 0xffff, S16)); }
export function decReg32(c: C, r: number): void { c.regs[r] = dec(c, c.regs[r]!, S32); }

/** F6: TEST/NOT/NEG/MUL/IMUL/DIV/IDIV Eb. */
export function grp3Eb(c: C): void {
  switch (c.regField) {
    case 0: case 1: alu(c, 4, c.rmRead8(), c.fetch8(), S8); break;
    case 2: c.rmWrite8(~c.rmRead8()); break;
    case 3: c.rmWrite8(neg(c, c.rmRead8(), S8)); break;
    case 4: mul(c, c.rmRead8(), 8); break;
    case 5: imul1(c, c.rmRead8(), 8); break;
    case 6: div(c, c.rmRead8(), 8); break;
    default: idiv(c, c.rmRead8(), 8); break;
  }
}
export function grp3Ev16(c: C): void {
  switch (c.regField) {
    case 0: case 1: alu(c, 4, c.rmRead16(), c.fetch16(), S16); break;
    case 2: c.rmWrite16(~c.rmRead16()); break;
    case 3: c.rmWrite16(neg(c, c.rmRead16(), S16)); break;
    case 4: mul(c, c.rmRead16(), 16); break;
    case 5: imul1(c, c.rmRead16(), 16); break;
    case 6: div(c, c.rmRead16(), 16); break;
    default: idiv(c, c.rmRead16(), 16); break;
  }
}
export function grp3Ev32(c: C): void {
  switch (c.regField) {
    case 0: case 1: alu(c, 4, c.rmRead32(), c.fetch32(), S32); break;
    case 2: c.rmWrite32(~c.rmRead32()); break;
    case 3: c.rmWrite32(neg(c, c.rmRead32(), S32)); break;
    case 4: mul(c, c.rmRead32(), 32); break;
    case 5: imul1(c, c.rmRead32(), 32); break;
    case 6: div(c, c.rmRead32(), 32); break;
    default: idiv(c, c.rmRead32(), 32); break;
  }
}
/** FE: INC/DEC Eb. */
export function grp4(c: C): void {
  const op = c.regField;
  if (op === 0) c.rmWrite8(inc(c, c.rmRead8(), S8));
  else if (op === 1) c.rmWrite8(dec(c, c.rmRead8(), S8));
  else c.ud();
}

export function imulGvEvIz16(c: C): void { const a = c.rmRead16(); c.setReg16(c.regField, imul2(c, a, c.fetch16(), 16)); }
export function imulGvEvIz32(c: C): void { const a = c.rmRead32(); c.regs[c.regField] = imul2(c, a, c.fetch32(), 32); }
export function imulGvEvIb16(c: C): void { const a = c.rmRead16(); c.setReg16(c.regField, imul2(c, a, (c.fetch8() << 24) >> 24, 16)); }
export function imulGvEvIb32(c: C): void { const a = c.rmRead32(); c.regs[c.regField] = imul2(c, a, (c.fetch8() << 24) >> 24, 32); }
export function imulGvEv16(c: C): void { c.setReg16(c.regField, imul2(c, c.regs[c.regField]!, c.rmRead16(), 16)); }
export function imulGvEv32(c: C): void { c.regs[c.regField] = imul2(c, c.regs[c.regField]!, c.rmRead32(), 32); }

// ---- shifts: count sources 1, CL, imm8 ----
export function shiftEb(c: C, count: number): void {
  const v = c.rmRead8();
  count &= 31;
  if (count === 0) return;
  c.rmWrite8(shift(c, c.regField, v, count, S8));
}
export function shiftEv16(c: C, count: number): void {
  const v = c.rmRead16();
  count &= 31;
  if (count === 0) return;
  c.rmWrite16(shift(c, c.regField, v, count, S16));
}
export function shiftEv32(c: C, count: number): void {
  const v = c.rmRead32();
  count &= 31;
  if (count === 0) return;
  c.rmWrite32(shift(c, c.regField, v, count, S32));
}

export function shld16(c: C, count: number): void {
  const d = c.rmRead16();
  count &= 31;
  if (count) c.rmWrite16(shiftDouble(c, true, d, c.regs[c.regField]!, count, S16));
}
export function shld32(c: C, count: number): void {
  const d = c.rmRead32();
  count &= 31;
  if (count) c.rmWrite32(shiftDouble(c, true, d, c.regs[c.regField]!, count, S32));
}
export function shrd16(c: C, count: number): void {
  const d = c.rmRead16();
  count &= 31;
  if (count) c.rmWrite16(shiftDouble(c, false, d, c.regs[c.regField]!, count, S16));
}
export function shrd32(c: C, count: number): void {
  const d = c.rmRead32();
  count &= 31;
  if (count) c.rmWrite32(shiftDouble(c, false, d, c.regs[c.regField]!, count, S32));
}

export const bcd = { daa, das, aaa, aas };
export function aamIb(c: C): void { aam(c, c.fetch8()); }
export function aadIb(c: C): void { aad(c, c.fetch8()); }

export function cbw(c: C): void { c.setReg16(EAX, (c.regs[EAX]! << 24) >> 24); }
export function cwde(c: C): void { c.regs[EAX] = (c.regs[EAX]! << 16) >> 16; }
export function cwd(c: C): void { c.setReg16(EDX, (c.regs[EAX]! << 16) >> 31); }
export function cdq(c: C): void { c.regs[EDX] = c.regs[EAX]! >> 31; }
/** D6 SALC (undocumented, present on all IA-32 CPUs): AL = CF ? FF : 00. */
export function salc(c: C): void { c.setReg8(0, c.getCF() ? 0xff : 0); }

