// Handlers specialised for one ModR/M shape, for entries of the decoded-instruction cache
// (decoded-cache.ts): the hottest 32-bit forms of a Linux boot (MOV, LEA, the ALU ops and
// group 1 with register or memory operand, shifts by an immediate) with the register/memory
// choice and the group's operation fixed, so neither is re-tested per execution. Each does
// exactly what the generic handler of opcode-table.ts does for that shape. Generated once at
// load time, one function per form (own type feedback), like alu-generated.ts.
import type { CpuCore } from '../core';
import { shift } from '../alu';
import { body } from './alu-generated';

type H = (c: CpuCore) => void;

const M32 = '-1';
const S32 = '-2147483648';
const REG = 'c.regs[(c.modrm >> 3) & 7]';
const RM = 'c.regs[c.modrm & 7]';
const MEM_READ = 'c.rd32(c.eaSeg, c.eaOff)';
const memWrite = (v: string): string => `c.wr32(c.eaSeg, c.eaOff, ${v})`;

function make(name: string, src: string): H {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('shift', `return function ${name}(c) { ${src} };`)(shift) as H;
}

/** Index: ((code with the o32 bit) * 2 + memory form) * 8 + ModR/M reg field. */
const TABLE: (H | undefined)[] = new Array<H | undefined>(1024 * 16).fill(undefined);
function put(code: number, mem: boolean, reg: number | 'any', h: H): void {
  for (let r = 0; r < 8; r++) if (reg === 'any' || reg === r) TABLE[((512 | code) * 2 + (mem ? 1 : 0)) * 8 + r] = h;
}

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
for (let op = 0; op < 8; op++) {
  const n = ALU[op]!;
  const store = op !== 7;
  const b = op << 3;
  // Ev,Gv and Gv,Ev (SDM vol. 2 ADD…CMP).
  put(b + 1, false, 'any', make(`${n}_RdGd`, `const a = ${RM}; const b = ${REG}; ${body(op, M32, S32)} ${store ? `${RM} = r;` : ''}`));
  put(b + 1, true, 'any', make(`${n}_MdGd`, `const a = ${MEM_READ}; const b = ${REG}; ${body(op, M32, S32)} ${store ? memWrite('r') + ';' : ''}`));
  put(b + 3, false, 'any', make(`${n}_GdRd`, `const a = ${REG}; const b = ${RM}; ${body(op, M32, S32)} ${store ? `${REG} = r;` : ''}`));
  put(b + 3, true, 'any', make(`${n}_GdMd`, `const a = ${REG}; const b = ${MEM_READ}; ${body(op, M32, S32)} ${store ? `${REG} = r;` : ''}`));
  // Group 1: 81 /op Ev,Iz and 83 /op Ev,Ib (sign-extended). The operand is read before the immediate.
  for (const [code, imm, tag] of [[0x81, 'c.fetch32()', 'Id'], [0x83, '(c.fetch8() << 24) >> 24', 'Ib']] as const) {
    put(code, false, op, make(`${n}_Rd${tag}`, `const a = ${RM}; const b = ${imm}; ${body(op, M32, S32)} ${store ? `${RM} = r;` : ''}`));
    put(code, true, op, make(`${n}_Md${tag}`, `const a = ${MEM_READ}; const b = ${imm}; ${body(op, M32, S32)} ${store ? memWrite('r') + ';' : ''}`));
  }
}
put(0x89, false, 'any', make('mov_RdGd', `${RM} = ${REG};`));
put(0x89, true, 'any', make('mov_MdGd', `${memWrite(REG)};`));
put(0x8b, false, 'any', make('mov_GdRd', `${REG} = ${RM};`));
put(0x8b, true, 'any', make('mov_GdMd', `${REG} = ${MEM_READ};`));
put(0x8d, true, 'any', make('lea_GdM', `${REG} = c.eaOff;`));
// C1 /4 /5 /7 with a register: SHL, SHR, SAR by an immediate (count masked to 5 bits; 0 changes nothing).
for (const [op, n] of [[4, 'shl'], [5, 'shr'], [7, 'sar']] as const) {
  put(0xc1, false, op, make(`${n}_RdIb`, `const v = ${RM}; const k = c.fetch8() & 31; if (k !== 0) ${RM} = shift(c, ${op}, v, k, ${S32});`));
}

/** The specialised handler for opcode `code` ((o32 << 9) | opcode) with this ModR/M byte, if there is one. */
export function specializedHandler(code: number, modrm: number): H | undefined {
  if (code < 512) return undefined;
  return TABLE[(code * 2 + (modrm < 0xc0 ? 1 : 0)) * 8 + ((modrm >> 3) & 7)];
}
