// Generated handlers for the eight classic ALU operations in their six encodings
// (Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib eAX,Iz) per operand size. Each handler is its own
// function (own type feedback, the operation inlined, no switch), built once at load time
// from the templates below — the table-driven generation STYLE.md habit 5 describes.
import type { CpuCore } from '../core';

type H = (c: CpuCore) => void;

const OPS = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const;

/** Statement computing `r` from `a`, `b` and recording flags, for op `op` with width mask `m` and sign `s`. */
export function body(op: number, m: string, s: string): string {
  switch (op) {
    case 0: return `const r = (a + b) | 0; c.setLazy(0, a, b, r, ${s});`;
    case 1: return `const r = (a | b) & ${m}; c.setLazy(4, 0, 0, r, ${s});`;
    case 2: return `const k = c.getCF() ? 1 : 0; const r = (a + b + k) | 0; c.setLazy(1, a, b, r, ${s}); c.lzCarry = k;`;
    case 3: return `const k = c.getCF() ? 1 : 0; const r = (a - b - k) | 0; c.setLazy(3, a, b, r, ${s}); c.lzCarry = k;`;
    case 4: return `const r = a & b & ${m}; c.setLazy(4, 0, 0, r, ${s});`;
    case 5: case 7: return `const r = (a - b) | 0; c.setLazy(2, a, b, r, ${s});`;
    default: return `const r = (a ^ b) & ${m}; c.setLazy(4, 0, 0, r, ${s});`;
  }
}

interface Width { readonly m: string; readonly s: string; readonly rm: string; readonly wm: string; readonly reg: string; readonly setReg: string; readonly acc: string; readonly setAcc: string; readonly imm: string }
const W8: Width = { m: '0xff', s: '0x80', rm: 'c.rmRead8()', wm: 'c.rmWrite8(r & 0xff)', reg: 'c.getReg8((c.modrm >> 3) & 7)', setReg: 'c.setReg8((c.modrm >> 3) & 7, r)', acc: 'c.regs[0] & 0xff', setAcc: 'c.setReg8(0, r)', imm: 'c.fetch8()' };
const W16: Width = { m: '0xffff', s: '0x8000', rm: 'c.rmRead16()', wm: 'c.rmWrite16(r)', reg: 'c.regs[(c.modrm >> 3) & 7] & 0xffff', setReg: 'c.setReg16((c.modrm >> 3) & 7, r)', acc: 'c.regs[0] & 0xffff', setAcc: 'c.setReg16(0, r)', imm: 'c.fetch16()' };
const W32: Width = { m: '-1', s: '-2147483648', rm: 'c.rmRead32()', wm: 'c.rmWrite32(r)', reg: 'c.regs[(c.modrm >> 3) & 7]', setReg: 'c.regs[(c.modrm >> 3) & 7] = r', acc: 'c.regs[0]', setAcc: 'c.regs[0] = r', imm: 'c.fetch32()' };

function make(name: string, src: string): H {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function(`return function ${name}(c) { ${src} };`)() as H;
}

export interface AluHandlers {
  ebgb: H; evgv16: H; evgv32: H; gbeb: H; gvev16: H; gvev32: H; alib: H; axiw: H; eaxid: H;
}

export function generatedAluForms(op: number): AluHandlers {
  const n = OPS[op]!;
  const store = op !== 7;
  const rmDst = (w: Width, tag: string) => make(`${n}_${tag}`, `const a = ${w.rm}; const b = ${w.reg}; ${body(op, w.m, w.s)} ${store ? w.wm + ';' : ''}`);
  const regDst = (w: Width, tag: string) => make(`${n}_${tag}`, `const a = ${w.reg}; const b = ${w.rm}; ${body(op, w.m, w.s)} ${store ? w.setReg + ';' : ''}`);
  const accDst = (w: Width, tag: string) => make(`${n}_${tag}`, `const a = ${w.acc}; const b = ${w.imm}; ${body(op, w.m, w.s)} ${store ? w.setAcc + ';' : ''}`);
  return {
    ebgb: rmDst(W8, 'EbGb'), evgv16: rmDst(W16, 'EwGw'), evgv32: rmDst(W32, 'EdGd'),
    gbeb: regDst(W8, 'GbEb'), gvev16: regDst(W16, 'GwEw'), gvev32: regDst(W32, 'GdEd'),
    alib: accDst(W8, 'ALIb'), axiw: accDst(W16, 'AXIw'), eaxid: accDst(W32, 'EAXId'),
  };
}

