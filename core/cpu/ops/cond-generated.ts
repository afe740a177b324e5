// Generated handlers for the condition-code families (Jcc rel8/rel16/rel32, SETcc, CMOVcc):
// one function per condition, so each has its own type feedback and its condition is
// straight-line code instead of `cond(cc)`'s switch on a closure variable (16 closures of
// one source function share one optimised body, where `cc` is not a constant). Built once
// at load time, like alu-generated.ts. Conditions: SDM vol. 1 appendix B, table B-1.
import type { CpuCore } from '../core';

type H = (c: CpuCore) => void;

/** Condition `cc` (0..15) as an expression over the lazy-flag getters. */
function condition(cc: number): string {
  let e: string;
  switch (cc >> 1) {
    case 0: e = 'c.getOF()'; break;
    case 1: e = 'c.getCF()'; break;
    case 2: e = 'c.getZF()'; break;
    case 3: e = '(c.getCF() || c.getZF())'; break;
    case 4: e = 'c.getSF()'; break;
    case 5: e = 'c.getPF()'; break;
    case 6: e = '(c.getSF() !== c.getOF())'; break;
    default: e = '(c.getZF() || c.getSF() !== c.getOF())'; break;
  }
  return cc & 1 ? `!${e}` : e;
}

// Near jump: wrap to 16 bits without 32-bit operand size (`!== true`: V8 tests a bare boolean
// field for every falsy kind); #GP outside the CS limit in
// protected mode (SDM vol. 2 Jcc). Segment 1 is CS.
const JUMP = 'if (c.o32 !== true) t &= 0xffff; if (t >>> 0 > c.segLimit[1] >>> 0 && c.protectedMode) c.gp(0); c.eip = t;';

function make(name: string, src: string): H {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function(`return function ${name}(c) { ${src} };`)() as H;
}

export interface CondHandlers {
  jcc8: H; jcc16: H; jcc32: H; setcc: H; cmov16: H; cmov32: H;
}

export function generatedCondForms(cc: number): CondHandlers {
  const k = condition(cc);
  const n = `cc${cc.toString(16)}`;
  return {
    jcc8: make(`j${n}_rel8`, `const d = (c.fetch8() << 24) >> 24; if (${k}) { let t = (c.eip + d) | 0; ${JUMP} }`),
    jcc16: make(`j${n}_rel16`, `const d = (c.fetch16() << 16) >> 16; if (${k}) { let t = (c.eip + d) | 0; ${JUMP} }`),
    jcc32: make(`j${n}_rel32`, `const d = c.fetch32(); if (${k}) { let t = (c.eip + d) | 0; ${JUMP} }`),
    setcc: make(`set${n}`, `c.rmWrite8(${k} ? 1 : 0);`),
    cmov16: make(`cmov${n}_16`, `const v = c.rmRead16(); if (${k}) c.setReg16((c.modrm >> 3) & 7, v);`),
    cmov32: make(`cmov${n}_32`, `const v = c.rmRead32(); if (${k}) c.regs[(c.modrm >> 3) & 7] = v;`),
  };
}
