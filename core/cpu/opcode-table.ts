// THE opcode table (STYLE.md habit 5): every one-byte and 0F opcode of the Pentium II
// integer core is described once here — mnemonic, whether a ModR/M byte follows,
// whether LOCK is allowed, and its handler per operand size. The decoder's dispatch
// arrays are generated from it; tests and a future translator read the same table.
import type { CpuCore as C } from './core';
import { CS, DS, ES, FS, GS, SS } from './constants';
import * as A from './ops/arith';
import * as B from './ops/bits';
import { generatedAluForms } from './ops/alu-generated';
import { generatedCondForms } from './ops/cond-generated';
import * as J from './ops/control';
import * as M from './ops/move';
import * as S from './ops/string';
import * as Y from './ops/system';

export type Handler = (c: C) => void;

export interface OpcodeInfo {
  /** 0x00-0xFF one-byte, 0x100-0x1FF the 0F page. */
  readonly code: number;
  readonly mnemonic: string;
  readonly modrm: boolean;
  /** LOCK is accepted (with a memory destination). */
  readonly lockable: boolean;
  readonly h16: Handler;
  readonly h32: Handler;
}

const table: OpcodeInfo[] = [];
function def(code: number, mnemonic: string, flags: string, h16: Handler, h32: Handler = h16): void {
  table.push({ code, mnemonic, modrm: flags.includes('m'), lockable: flags.includes('l'), h16, h32 });
}
const ud: Handler = (c) => c.ud();
const nop: Handler = () => {};

// ---- one-byte opcodes ----
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
for (let op = 0; op < 8; op++) {
  const f = generatedAluForms(op);
  const b = op << 3;
  const lk = op === 7 ? 'm' : 'ml';
  def(b + 0, ALU[op]!, lk, f.ebgb);
  def(b + 1, ALU[op]!, lk, f.evgv16, f.evgv32);
  def(b + 2, ALU[op]!, 'm', f.gbeb);
  def(b + 3, ALU[op]!, 'm', f.gvev16, f.gvev32);
  def(b + 4, ALU[op]!, '', f.alib);
  def(b + 5, ALU[op]!, '', f.axiw, f.eaxid);
}
const SEGS: [number, number, number][] = [[0x06, 0x07, ES], [0x0e, -1, CS], [0x16, 0x17, SS], [0x1e, 0x1f, DS]];
for (const [push, pop, s] of SEGS) {
  def(push, 'push sreg', '', (c) => M.pushSeg16(c, s), (c) => M.pushSeg32(c, s));
  if (pop >= 0) def(pop, 'pop sreg', '', (c) => M.popSeg16(c, s), (c) => M.popSeg32(c, s));
}
def(0x27, 'daa', '', A.bcd.daa);
def(0x2f, 'das', '', A.bcd.das);
def(0x37, 'aaa', '', A.bcd.aaa);
def(0x3f, 'aas', '', A.bcd.aas);
for (let r = 0; r < 8; r++) {
  def(0x40 + r, 'inc', '', (c) => A.incReg16(c, r), (c) => A.incReg32(c, r));
  def(0x48 + r, 'dec', '', (c) => A.decReg16(c, r), (c) => A.decReg32(c, r));
  def(0x50 + r, 'push', '', (c) => c.push16(c.regs[r]!), (c) => c.push32(c.regs[r]!));
  def(0x58 + r, 'pop', '', (c) => c.setReg16(r, c.pop16()), (c) => { c.regs[r] = c.pop32(); });
  def(0xb0 + r, 'mov', '', (c) => c.setReg8(r, c.fetch8()));
  def(0xb8 + r, 'mov', '', (c) => c.setReg16(r, c.fetch16()), (c) => { c.regs[r] = c.fetch32(); });
  if (r > 0) def(0x90 + r, 'xchg', '', (c) => { const t = c.regs[r]!; c.setReg16(r, c.regs[0]!); c.setReg16(0, t); },
    (c) => { const t = c.regs[r]!; c.regs[r] = c.regs[0]!; c.regs[0] = t; });
}
def(0x60, 'pusha', '', M.pusha16, M.pusha32);
def(0x61, 'popa', '', M.popa16, M.popa32);
def(0x62, 'bound', 'm', J.bound16, J.bound32);
def(0x63, 'arpl', 'm', Y.arpl);
def(0x68, 'push', '', (c) => c.push16(c.fetch16()), (c) => c.push32(c.fetch32()));
def(0x69, 'imul', 'm', A.imulGvEvIz16, A.imulGvEvIz32);
def(0x6a, 'push', '', (c) => c.push16((c.fetch8() << 24) >> 24), (c) => c.push32((c.fetch8() << 24) >> 24));
def(0x6b, 'imul', 'm', A.imulGvEvIb16, A.imulGvEvIb32);
def(0x6c, 'insb', '', (c) => S.ins(c, 1));
def(0x6d, 'ins', '', (c) => S.ins(c, 2), (c) => S.ins(c, 4));
def(0x6e, 'outsb', '', (c) => S.outs(c, 1));
def(0x6f, 'outs', '', (c) => S.outs(c, 2), (c) => S.outs(c, 4));
for (let cc = 0; cc < 16; cc++) {
  const g = generatedCondForms(cc);
  def(0x70 + cc, 'jcc', '', g.jcc8);
  def(0x180 + cc, 'jcc', '', g.jcc16, g.jcc32);
  def(0x190 + cc, 'setcc', 'm', g.setcc);
  def(0x140 + cc, 'cmovcc', 'm', g.cmov16, g.cmov32);
}
def(0x80, 'grp1', 'ml', A.grp1Eb);
def(0x81, 'grp1', 'ml', A.grp1EvIz16, A.grp1EvIz32);
def(0x82, 'grp1', 'ml', A.grp1Eb);
def(0x83, 'grp1', 'ml', A.grp1EvIb16, A.grp1EvIb32);
def(0x84, 'test', 'm', A.testEbGb);
def(0x85, 'test', 'm', A.testEvGv16, A.testEvGv32);
def(0x86, 'xchg', 'ml', M.xchgEbGb);
def(0x87, 'xchg', 'ml', M.xchgEvGv16, M.xchgEvGv32);
def(0x88, 'mov', 'm', M.movEbGb);
def(0x89, 'mov', 'm', M.movEvGv16, M.movEvGv32);
def(0x8a, 'mov', 'm', M.movGbEb);
def(0x8b, 'mov', 'm', M.movGvEv16, M.movGvEv32);
def(0x8c, 'mov', 'm', M.movEvSw);
def(0x8d, 'lea', 'm', M.lea16, M.lea32);
def(0x8e, 'mov', 'm', M.movSwEw);
def(0x8f, 'pop', 'm', M.popEv16, M.popEv32);
def(0x90, 'nop', '', nop);
def(0x98, 'cbw', '', A.cbw, A.cwde);
def(0x99, 'cwd', '', A.cwd, A.cdq);
def(0x9a, 'call far', '', J.callFarAp);
def(0x9b, 'wait', '', Y.wait);
def(0x9c, 'pushf', '', M.pushf16, M.pushf32);
def(0x9d, 'popf', '', M.popf16, M.popf32);
def(0x9e, 'sahf', '', M.sahf);
def(0x9f, 'lahf', '', M.lahf);
def(0xa0, 'mov', '', M.movAlOb);
def(0xa1, 'mov', '', M.movAxOv16, M.movAxOv32);
def(0xa2, 'mov', '', M.movObAl);
def(0xa3, 'mov', '', M.movOvAx16, M.movOvAx32);
def(0xa4, 'movsb', '', (c) => S.movs(c, 1));
def(0xa5, 'movs', '', (c) => S.movs(c, 2), (c) => S.movs(c, 4));
def(0xa6, 'cmpsb', '', (c) => S.cmps(c, 1));
def(0xa7, 'cmps', '', (c) => S.cmps(c, 2), (c) => S.cmps(c, 4));
def(0xa8, 'test', '', A.testAlIb);
def(0xa9, 'test', '', A.testAxIw, A.testEaxId);
def(0xaa, 'stosb', '', (c) => S.stos(c, 1));
def(0xab, 'stos', '', (c) => S.stos(c, 2), (c) => S.stos(c, 4));
def(0xac, 'lodsb', '', (c) => S.lods(c, 1));
def(0xad, 'lods', '', (c) => S.lods(c, 2), (c) => S.lods(c, 4));
def(0xae, 'scasb', '', (c) => S.scas(c, 1));
def(0xaf, 'scas', '', (c) => S.scas(c, 2), (c) => S.scas(c, 4));
def(0xc0, 'grp2', 'm', (c) => A.shiftEb(c, c.fetch8()));
def(0xc1, 'grp2', 'm', (c) => A.shiftEv16(c, c.fetch8()), (c) => A.shiftEv32(c, c.fetch8()));
def(0xc2, 'ret', '', (c) => J.retNear16(c, c.fetch16()), (c) => J.retNear32(c, c.fetch16()));
def(0xc3, 'ret', '', (c) => J.retNear16(c, 0), (c) => J.retNear32(c, 0));
def(0xc4, 'les', 'm', (c) => M.loadFar16(c, ES), (c) => M.loadFar32(c, ES));
def(0xc5, 'lds', 'm', (c) => M.loadFar16(c, DS), (c) => M.loadFar32(c, DS));
def(0xc6, 'mov', 'm', M.movEbIb);
def(0xc7, 'mov', 'm', M.movEvIz16, M.movEvIz32);
def(0xc8, 'enter', '', M.enter);
def(0xc9, 'leave', '', M.leave16, M.leave32);
def(0xca, 'retf', '', (c) => c.retFar(c.o32, c.fetch16()));
def(0xcb, 'retf', '', (c) => c.retFar(c.o32, 0));
def(0xcc, 'int3', '', J.int3);
def(0xcd, 'int', '', J.intIb);
def(0xce, 'into', '', J.into);
def(0xcf, 'iret', '', J.iret);
def(0xd0, 'grp2', 'm', (c) => A.shiftEb(c, 1));
def(0xd1, 'grp2', 'm', (c) => A.shiftEv16(c, 1), (c) => A.shiftEv32(c, 1));
def(0xd2, 'grp2', 'm', (c) => A.shiftEb(c, c.regs[1]!));
def(0xd3, 'grp2', 'm', (c) => A.shiftEv16(c, c.regs[1]!), (c) => A.shiftEv32(c, c.regs[1]!));
def(0xd4, 'aam', '', A.aamIb);
def(0xd5, 'aad', '', A.aadIb);
def(0xd6, 'salc', '', A.salc);
def(0xd7, 'xlat', '', M.xlat);
for (let op = 0xd8; op <= 0xdf; op++) def(op, 'esc', 'm', (c) => Y.esc(c, op));
def(0xe0, 'loopne', '', (c) => J.loop(c, 0));
def(0xe1, 'loope', '', (c) => J.loop(c, 1));
def(0xe2, 'loop', '', (c) => J.loop(c, 2));
def(0xe3, 'jcxz', '', (c) => J.loop(c, 3));
def(0xe4, 'in', '', (c) => S.inPort(c, c.fetch8(), 1));
def(0xe5, 'in', '', (c) => S.inPort(c, c.fetch8(), 2), (c) => S.inPort(c, c.fetch8(), 4));
def(0xe6, 'out', '', (c) => S.outPort(c, c.fetch8(), 1));
def(0xe7, 'out', '', (c) => S.outPort(c, c.fetch8(), 2), (c) => S.outPort(c, c.fetch8(), 4));
def(0xe8, 'call', '', J.callRel16, J.callRel32);
def(0xe9, 'jmp', '', J.jmpRel16, J.jmpRel32);
def(0xea, 'jmp far', '', J.jmpFarAp);
def(0xeb, 'jmp', '', J.jmpRel8);
def(0xec, 'in', '', (c) => S.inPort(c, c.regs[2]! & 0xffff, 1));
def(0xed, 'in', '', (c) => S.inPort(c, c.regs[2]! & 0xffff, 2), (c) => S.inPort(c, c.regs[2]! & 0xffff, 4));
def(0xee, 'out', '', (c) => S.outPort(c, c.regs[2]! & 0xffff, 1));
def(0xef, 'out', '', (c) => S.outPort(c, c.regs[2]! & 0xffff, 2), (c) => S.outPort(c, c.regs[2]! & 0xffff, 4));
def(0xf1, 'icebp', '', J.icebp);
def(0xf4, 'hlt', '', J.hlt);
def(0xf5, 'cmc', '', J.cmc);
def(0xf6, 'grp3', 'ml', A.grp3Eb);
def(0xf7, 'grp3', 'ml', A.grp3Ev16, A.grp3Ev32);
def(0xf8, 'clc', '', J.clc);
def(0xf9, 'stc', '', J.stc);
def(0xfa, 'cli', '', J.cli);
def(0xfb, 'sti', '', J.sti);
def(0xfc, 'cld', '', J.cld);
def(0xfd, 'std', '', J.std);
def(0xfe, 'grp4', 'ml', A.grp4);
const inc16: Handler = (c) => c.rmWrite16(incEv(c, 16));
const inc32: Handler = (c) => c.rmWrite32(incEv(c, 32));
const dec16: Handler = (c) => c.rmWrite16(decEv(c, 16));
const dec32: Handler = (c) => c.rmWrite32(decEv(c, 32));
import { dec as aluDec, inc as aluInc } from './alu';
function incEv(c: C, size: number): number {
  return size === 16 ? aluInc(c, c.rmRead16(), 0x8000) : aluInc(c, c.rmRead32(), 0x80000000 | 0);
}
function decEv(c: C, size: number): number {
  return size === 16 ? aluDec(c, c.rmRead16(), 0x8000) : aluDec(c, c.rmRead32(), 0x80000000 | 0);
}
def(0xff, 'grp5', 'ml', (c) => J.grp5_16(c, inc16, dec16, M.pushEv16), (c) => J.grp5_32(c, inc32, dec32, M.pushEv32));

// ---- 0F page ----
def(0x100, 'grp6', 'm', Y.grp6);
def(0x101, 'grp7', 'm', Y.grp7);
def(0x102, 'lar', 'm', (c) => Y.larLsl(c, false));
def(0x103, 'lsl', 'm', (c) => Y.larLsl(c, true));
def(0x106, 'clts', '', Y.clts);
def(0x108, 'invd', '', Y.wbinvd);
def(0x109, 'wbinvd', '', Y.wbinvd);
def(0x10b, 'ud2', '', ud);
for (let op = 0x118; op <= 0x11f; op++) def(op, 'nop Ev', 'm', nop); // hint NOPs (P6)
def(0x120, 'mov r,cr', 'm', Y.movRCr);
def(0x121, 'mov r,dr', 'm', Y.movRDr);
def(0x122, 'mov cr,r', 'm', Y.movCrR);
def(0x123, 'mov dr,r', 'm', Y.movDrR);
def(0x130, 'wrmsr', '', Y.wrmsr);
def(0x131, 'rdtsc', '', Y.rdtsc);
def(0x132, 'rdmsr', '', Y.rdmsr);
def(0x133, 'rdpmc', '', Y.rdpmc);
def(0x134, 'sysenter', '', Y.sysenter);
def(0x135, 'sysexit', '', Y.sysexit);
def(0x1a0, 'push fs', '', (c) => M.pushSeg16(c, FS), (c) => M.pushSeg32(c, FS));
def(0x1a1, 'pop fs', '', (c) => M.popSeg16(c, FS), (c) => M.popSeg32(c, FS));
def(0x1a2, 'cpuid', '', Y.cpuid);
def(0x1a3, 'bt', 'm', (c) => B.btGv(c, 0));
def(0x1a4, 'shld', 'm', (c) => A.shld16(c, c.fetch8()), (c) => A.shld32(c, c.fetch8()));
def(0x1a5, 'shld', 'm', (c) => A.shld16(c, c.regs[1]!), (c) => A.shld32(c, c.regs[1]!));
def(0x1a8, 'push gs', '', (c) => M.pushSeg16(c, GS), (c) => M.pushSeg32(c, GS));
def(0x1a9, 'pop gs', '', (c) => M.popSeg16(c, GS), (c) => M.popSeg32(c, GS));
def(0x1ab, 'bts', 'ml', (c) => B.btGv(c, 1));
def(0x1ac, 'shrd', 'm', (c) => A.shrd16(c, c.fetch8()), (c) => A.shrd32(c, c.fetch8()));
def(0x1ad, 'shrd', 'm', (c) => A.shrd16(c, c.regs[1]!), (c) => A.shrd32(c, c.regs[1]!));
def(0x1ae, 'grp15', 'm', Y.grp15);
def(0x1af, 'imul', 'm', A.imulGvEv16, A.imulGvEv32);
def(0x1b0, 'cmpxchg', 'ml', B.cmpxchgEb);
def(0x1b1, 'cmpxchg', 'ml', B.cmpxchgEv);
def(0x1b2, 'lss', 'm', (c) => M.loadFar16(c, SS), (c) => M.loadFar32(c, SS));
def(0x1b3, 'btr', 'ml', (c) => B.btGv(c, 2));
def(0x1b4, 'lfs', 'm', (c) => M.loadFar16(c, FS), (c) => M.loadFar32(c, FS));
def(0x1b5, 'lgs', 'm', (c) => M.loadFar16(c, GS), (c) => M.loadFar32(c, GS));
def(0x1b6, 'movzx', 'm', M.movzxGvEb16, M.movzxGvEb32);
def(0x1b7, 'movzx', 'm', M.movzxGvEw16, M.movzxGvEw32);
def(0x1ba, 'grp8', 'ml', B.btIb);
def(0x1bb, 'btc', 'ml', (c) => B.btGv(c, 3));
def(0x1bc, 'bsf', 'm', B.bsf);
def(0x1bd, 'bsr', 'm', B.bsr);
def(0x1be, 'movsx', 'm', M.movsxGvEb16, M.movsxGvEb32);
def(0x1bf, 'movsx', 'm', M.movsxGvEw16, M.movsxGvEw32);
def(0x1c0, 'xadd', 'ml', B.xaddEb);
def(0x1c1, 'xadd', 'ml', B.xaddEv);
def(0x1c7, 'grp9', 'ml', B.grp9);
for (let r = 0; r < 8; r++) def(0x1c8 + r, 'bswap', '', (c) => M.bswap(c, r));

export const OPCODES: readonly OpcodeInfo[] = table;

/** Dispatch arrays generated from the table: index (o32 << 9) | code. Missing codes are #UD. */
export const HANDLERS: Handler[] = new Array<Handler>(1024).fill(ud);
export const HAS_MODRM = new Uint8Array(512);
export const LOCKABLE = new Uint8Array(512);
/** Prefix bytes are decoded before the table and are not entries of it. */
export const PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3];
for (const e of table) {
  if (HANDLERS[e.code] !== ud) throw new Error(`cpu: opcode table defines ${e.code.toString(16)} twice`);
  HANDLERS[e.code] = e.h16;
  HANDLERS[512 | e.code] = e.h32;
  HAS_MODRM[e.code] = e.modrm ? 1 : 0;
  LOCKABLE[e.code] = e.lockable ? 1 : 0;
}

/** LOCK is legal only on the read-modify-write forms with a memory destination (SDM vol. 2 LOCK). */
export function lockAllowed(code: number, modrm: number): boolean {
  if (!LOCKABLE[code] || modrm >= 0xc0) return false;
  const r = (modrm >> 3) & 7;
  switch (code) {
    case 0x80: case 0x81: case 0x82: case 0x83: return r !== 7;
    case 0xf6: case 0xf7: return r === 2 || r === 3;
    case 0xfe: case 0xff: return r < 2;
    case 0x1ba: return r >= 5;
    case 0x1c7: return r === 1;
    default: return true;
  }
}
