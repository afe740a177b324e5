// Generates the arithmetic differential program: every listed instruction runs over
// operand tables x input-flag states; each case appends a record
// [op id, A, B, flags in, EAX, EBX, ECX, EDX, EFLAGS out] (9 dwords) to a buffer that is
// written to stdout at the end. `definedFlags` says which flags the SDM defines for a case,
// so only those are compared (undefined flags differ between Intel, AMD and us).

export interface ArithOp {
  readonly name: string;
  /** Instruction lines executed with EAX=A, EBX=B, ECX=B, EDX=A^0x5A5A5A5A and the input flags. */
  readonly asm: string;
  /** Extra setup lines (after the registers are loaded, before flags); may `jmp .skip`. */
  readonly setup?: string;
  readonly b: 'vals' | 'counts' | 'bits';
  readonly flags: (a: number, b: number) => number;
  /** False when the SDM leaves the result registers undefined for this case. */
  readonly regsDefined?: (a: number, b: number) => boolean;
}

export const VALUES = [
  0, 1, 2, 3, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0x80000001,
  0xfffffffe, 0xffffffff, 0x12345678, 0xdeadbeef, 0x55555555, 0xaaaaaaaa, 0xff00ff, 0x99, 0x9a, 0xf9,
];
export const COUNTS = [0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 0xff];
export const BITS = [0, 1, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 0x7fffffff, 0xffffffff, 0x80000000, 0xfffffff0];
/** Input EFLAGS: none set, CF only, all six arithmetic flags set. */
export const FLAGS_IN = [0x202, 0x203, 0xad7];

const ALL = 0x8d5;
const NO_AF = 0x8c5;
const CF = 1;
const OF = 0x800;
const AF = 0x10;

const shiftFlags = (width: number) => (_a: number, b: number) => {
  const c = b & 31;
  if (c === 0) return ALL;
  let m = c === 1 ? NO_AF : NO_AF & ~OF;
  if (width < 32 && c >= width) m &= ~CF;
  return m;
};
const rotFlags = (_a: number, b: number) => ((b & 31) === 1 || (b & 31) === 0 ? ALL : ALL & ~OF);
const shdFlags = (width: number) => (_a: number, b: number) => {
  const c = b & 31;
  if (c === 0) return ALL;
  if (c > width) return 0;
  return c === 1 ? NO_AF : NO_AF & ~OF;
};

function widthOps(): ArithOp[] {
  const ops: ArithOp[] = [];
  const R = { 32: ['eax', 'ebx', 'ecx'], 16: ['ax', 'bx', 'cx'], 8: ['al', 'bl', 'cl'] } as const;
  for (const w of [32, 16, 8] as const) {
    const [a, b] = R[w];
    for (const op of ['add', 'adc', 'sub', 'sbb', 'cmp']) ops.push({ name: `${op}${w}`, asm: `${op} ${a}, ${b}`, b: 'vals', flags: () => ALL });
    for (const op of ['and', 'or', 'xor', 'test']) ops.push({ name: `${op}${w}`, asm: `${op} ${a}, ${b}`, b: 'vals', flags: () => NO_AF });
    for (const op of ['inc', 'dec', 'neg']) ops.push({ name: `${op}${w}`, asm: `${op} ${a}`, b: 'vals', flags: () => ALL });
    ops.push({ name: `not${w}`, asm: `not ${a}`, b: 'vals', flags: () => ALL });
    ops.push({ name: `mul${w}`, asm: `mul ${b}`, b: 'vals', flags: () => CF | OF });
    ops.push({ name: `imul1_${w}`, asm: `imul ${b}`, b: 'vals', flags: () => CF | OF });
    if (w !== 8) {
      ops.push({ name: `imul2_${w}`, asm: `imul ${a}, ${b}`, b: 'vals', flags: () => CF | OF });
      ops.push({ name: `imul3_${w}`, asm: `imul ${a}, ${b}, -77`, b: 'vals', flags: () => CF | OF });
      ops.push({ name: `imul3i_${w}`, asm: `imul ${a}, ${b}, 0x1234`, b: 'vals', flags: () => CF | OF });
    }
    for (const op of ['shl', 'shr', 'sar']) {
      ops.push({ name: `${op}${w}cl`, asm: `${op} ${a}, cl`, b: 'counts', flags: shiftFlags(w) });
      ops.push({ name: `${op}${w}_1`, asm: `${op} ${a}, 1`, b: 'vals', flags: shiftFlags(w).bind(null, 0).bind(null, 1) as never });
      ops.push({ name: `${op}${w}_5`, asm: `${op} ${a}, 5`, b: 'vals', flags: () => shiftFlags(w)(0, 5) });
    }
    for (const op of ['rol', 'ror', 'rcl', 'rcr']) {
      ops.push({ name: `${op}${w}cl`, asm: `${op} ${a}, cl`, b: 'counts', flags: rotFlags });
      ops.push({ name: `${op}${w}_1`, asm: `${op} ${a}, 1`, b: 'vals', flags: () => ALL });
    }
  }
  // fix the "_1" flag functions (count is the immediate 1)
  for (const o of ops) if (o.name.endsWith('_1') && /^(shl|shr|sar)/.test(o.name)) (o as { flags: ArithOp['flags'] }).flags = () => NO_AF;
  // divide: keep the quotient in range; skip divide-by-zero.
  ops.push({ name: 'div32', setup: 'test ebx, ebx\n jz .skip\n and edx, 0xff\n cmp edx, ebx\n jb .ok\n xor edx, edx\n.ok:', asm: 'div ebx', b: 'vals', flags: () => 0 });
  ops.push({ name: 'div16', setup: 'test bx, bx\n jz .skip\n and edx, 0xff\n cmp dx, bx\n jb .ok\n xor edx, edx\n.ok:', asm: 'div bx', b: 'vals', flags: () => 0 });
  ops.push({ name: 'div8', setup: 'test bl, bl\n jz .skip\n and eax, 0x3fff\n cmp ah, bl\n jb .ok\n and eax, 0xff\n.ok:', asm: 'div bl', b: 'vals', flags: () => 0 });
  ops.push({ name: 'idiv32', setup: 'test ebx, ebx\n jz .skip\n cdq\n cmp ebx, -1\n jne .ok\n cmp eax, 0x80000000\n je .skip\n.ok:', asm: 'idiv ebx', b: 'vals', flags: () => 0 });
  ops.push({ name: 'idiv16', setup: 'test bx, bx\n jz .skip\n cwd\n cmp bx, -1\n jne .ok\n cmp ax, 0x8000\n je .skip\n.ok:', asm: 'idiv bx', b: 'vals', flags: () => 0 });
  ops.push({ name: 'idiv8', setup: 'test bl, bl\n jz .skip\n cbw\n cmp bl, -1\n jne .ok\n cmp al, 0x80\n je .skip\n.ok:', asm: 'idiv bl', b: 'vals', flags: () => 0 });
  // double shifts, bit ops, scans, exchange forms
  ops.push({ name: 'shld32', asm: 'mov ebx, 0x9abcdef1\n shld eax, ebx, cl', b: 'counts', flags: shdFlags(32) });
  ops.push({ name: 'shrd32', asm: 'mov ebx, 0x9abcdef1\n shrd eax, ebx, cl', b: 'counts', flags: shdFlags(32) });
  ops.push({ name: 'shld16', asm: 'mov bx, 0xdef1\n shld ax, bx, cl', b: 'counts', flags: shdFlags(16), regsDefined: (_a, b) => (b & 31) <= 16 });
  ops.push({ name: 'shrd16', asm: 'mov bx, 0xdef1\n shrd ax, bx, cl', b: 'counts', flags: shdFlags(16), regsDefined: (_a, b) => (b & 31) <= 16 });
  ops.push({ name: 'shld32i', asm: 'shld eax, ebx, 7', b: 'vals', flags: () => NO_AF & ~OF });
  ops.push({ name: 'shrd32i', asm: 'shrd eax, ebx, 1', b: 'vals', flags: () => NO_AF });
  for (const op of ['bt', 'bts', 'btr', 'btc']) {
    ops.push({ name: `${op}32`, asm: `${op} eax, ebx`, b: 'bits', flags: () => CF });
    ops.push({ name: `${op}16`, asm: `${op} ax, bx`, b: 'bits', flags: () => CF });
    ops.push({ name: `${op}32i`, asm: `${op} eax, 13`, b: 'vals', flags: () => CF });
  }
  ops.push({ name: 'bsf32', asm: 'mov ecx, 0x77\n bsf ecx, ebx', b: 'vals', flags: () => 0x40 });
  ops.push({ name: 'bsr32', asm: 'mov ecx, 0x77\n bsr ecx, ebx', b: 'vals', flags: () => 0x40 });
  ops.push({ name: 'bsf16', asm: 'mov ecx, 0x77\n bsf cx, bx', b: 'vals', flags: () => 0x40 });
  ops.push({ name: 'bsr16', asm: 'mov ecx, 0x77\n bsr cx, bx', b: 'vals', flags: () => 0x40 });
  ops.push({ name: 'bswap', asm: 'bswap eax\n bswap ebx', b: 'vals', flags: () => ALL });
  ops.push({ name: 'xadd32', asm: 'xadd eax, ebx', b: 'vals', flags: () => ALL });
  ops.push({ name: 'xadd8', asm: 'xadd al, bl', b: 'vals', flags: () => ALL });
  ops.push({ name: 'cmpxchg32', asm: 'mov ecx, 0x11223344\n cmpxchg ebx, ecx', b: 'vals', flags: () => ALL });
  ops.push({ name: 'cmpxchg32eq', asm: 'mov ecx, 0x11223344\n mov ebx, eax\n cmpxchg ebx, ecx', b: 'vals', flags: () => ALL });
  ops.push({ name: 'cmpxchg8', asm: 'mov cl, 0x44\n cmpxchg bl, cl', b: 'vals', flags: () => ALL });
  ops.push({ name: 'cmpxchg8b', asm: 'mov [scratch], eax\n mov [scratch+4], ebx\n mov ecx, 0x0badf00d\n mov edx, ebx\n xor edx, 1\n cmpxchg8b [scratch]\n mov ecx, [scratch]\n mov ebx, [scratch+4]', b: 'vals', flags: () => ALL });
  ops.push({ name: 'cmpxchg8beq', asm: 'mov [scratch], eax\n mov [scratch+4], ebx\n mov edx, ebx\n mov ecx, 0x0badf00d\n mov ebx, 0x600df00d\n cmpxchg8b [scratch]\n mov ecx, [scratch]\n mov ebx, [scratch+4]', b: 'vals', flags: () => ALL });
  // BCD (AL from A, AH from A's second byte)
  ops.push({ name: 'daa', asm: 'daa', b: 'vals', flags: () => ALL & ~OF });
  ops.push({ name: 'das', asm: 'das', b: 'vals', flags: () => ALL & ~OF });
  ops.push({ name: 'aaa', asm: 'aaa', b: 'vals', flags: () => CF | AF });
  ops.push({ name: 'aas', asm: 'aas', b: 'vals', flags: () => CF | AF });
  ops.push({ name: 'aam', asm: 'aam', b: 'vals', flags: () => 0xc4 });
  ops.push({ name: 'aam7', asm: 'aam 7', b: 'vals', flags: () => 0xc4 });
  ops.push({ name: 'aad', asm: 'aad', b: 'vals', flags: () => 0xc4 });
  ops.push({ name: 'aad7', asm: 'aad 7', b: 'vals', flags: () => 0xc4 });
  // sign/zero extension, conditions (flags from B), LAHF/SAHF
  ops.push({ name: 'cbw_cwd', asm: 'cbw\n cwd\n mov ecx, eax\n cwde\n cdq', b: 'vals', flags: () => ALL });
  ops.push({ name: 'movsx_zx', asm: 'movsx ecx, bl\n movzx edx, bx\n movsx bx, al\n movzx eax, ah', b: 'vals', flags: () => ALL });
  const cc = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
  const setccAsm = cc.map((c, i) => `set${c} ${i < 8 ? 'byte [scratch+' + i + ']' : 'byte [scratch+' + i + ']'}`).join('\n ');
  ops.push({
    name: 'setcc', asm: `and ebx, 0x8d5\n or ebx, 0x202\n push ebx\n popfd\n ${setccAsm}\n mov eax, [scratch]\n mov ebx, [scratch+4]\n mov ecx, [scratch+8]\n mov edx, [scratch+12]`,
    b: 'vals', flags: () => ALL,
  });
  ops.push({
    name: 'cmovcc', asm: `and ebx, 0x8d5\n or ebx, 0x202\n push ebx\n popfd\n mov ecx, 0x1111\n mov edx, 0x2222\n cmovz ecx, eax\n cmovl edx, eax\n cmovbe ax, cx\n cmovp ebx, edx`,
    b: 'vals', flags: () => ALL,
  });
  ops.push({ name: 'sahf_lahf', asm: 'mov ah, bl\n sahf\n lahf\n setc cl\n setz ch', b: 'vals', flags: () => ALL });
  ops.push({ name: 'salc_like', asm: 'sbb eax, eax\n adc ebx, 0\n neg ebx\n sbb ecx, ecx', b: 'vals', flags: () => ALL });
  // memory-destination forms
  ops.push({ name: 'addmem', asm: 'mov [scratch], eax\n add [scratch], ebx\n adc [scratch+2], bl\n mov eax, [scratch]', b: 'vals', flags: () => ALL });
  ops.push({ name: 'shlmem', asm: 'mov [scratch], eax\n shl dword [scratch], cl\n mov eax, [scratch]', b: 'counts', flags: shiftFlags(32) });
  ops.push({ name: 'btsmem', asm: 'mov dword [scratch], 0\n mov dword [scratch+4], 0\n mov [scratch+8], eax\n and ebx, 63\n bts [scratch], ebx\n mov eax, [scratch]\n mov edx, [scratch+4]', b: 'bits', flags: () => CF });
  ops.push({ name: 'negmem', asm: 'mov [scratch], eax\n neg word [scratch]\n mov eax, [scratch]', b: 'vals', flags: () => ALL });
  return ops;
}

export const ARITH_OPS: readonly ArithOp[] = widthOps();

export function arithSource(): string {
  const lines: string[] = [];
  lines.push('BITS 32', 'section .data', 'align 4');
  lines.push(`t_vals: dd ${VALUES.join(', ')}`, `NV equ ${VALUES.length}`);
  lines.push(`t_counts: dd ${COUNTS.join(', ')}`, `NC equ ${COUNTS.length}`);
  lines.push(`t_bits: dd ${BITS.join(', ')}`, `NB equ ${BITS.length}`);
  lines.push(`flagsin: dd ${FLAGS_IN.join(', ')}`, `NF equ ${FLAGS_IN.length}`);
  lines.push('section .bss', 'alignb 16', 'vi: resd 1', 'vj: resd 1', 'vk: resd 1', 'scratch: resb 64', 'out: resb 16<<20');
  lines.push('section .text', 'global _start', '_start:', '  mov edi, out');
  ARITH_OPS.forEach((op, id) => {
    const blist = op.b;
    const n = blist === 'vals' ? 'NV' : blist === 'counts' ? 'NC' : 'NB';
    const L = `op${id}`;
    lines.push(`; ${op.name}`, `  mov dword [vi], 0`, `${L}_i:`, `  mov dword [vj], 0`, `${L}_j:`, `  mov dword [vk], 0`, `${L}_k:`);
    lines.push('  mov esi, [vi]', '  mov eax, [t_vals+esi*4]', '  mov esi, [vj]', `  mov ebx, [t_${blist}+esi*4]`, '  mov ecx, ebx', '  mov edx, eax', '  xor edx, 0x5a5a5a5a');
    lines.push(`  mov dword [edi], ${id}`, '  mov [edi+4], eax', '  mov [edi+8], ebx', '  mov esi, [vk]', '  mov esi, [flagsin+esi*4]', '  mov [edi+12], esi');
    if (op.setup) lines.push('  ' + op.setup.replaceAll('.skip', `${L}_skip`).replaceAll('.ok', `${L}_ok`));
    lines.push('  mov esi, [vk]', '  push dword [flagsin+esi*4]', '  popfd');
    lines.push('  ' + op.asm);
    lines.push('  pushfd', '  pop esi', '  mov [edi+16], eax', '  mov [edi+20], ebx', '  mov [edi+24], ecx', '  mov [edi+28], edx', '  mov [edi+32], esi', '  add edi, 36');
    lines.push(`${L}_skip:`);
    lines.push('  inc dword [vk]', '  cmp dword [vk], NF', `  jb ${L}_k`);
    lines.push('  inc dword [vj]', `  cmp dword [vj], ${n}`, `  jb ${L}_j`);
    lines.push('  inc dword [vi]', '  cmp dword [vi], NV', `  jb ${L}_i`);
  });
  lines.push('  mov edx, edi', '  sub edx, out', '  mov ecx, out', '  mov ebx, 1', '  mov eax, 4', '  int 0x80');
  lines.push('  mov eax, 1', '  xor ebx, ebx', '  int 0x80');
  return lines.join('\n') + '\n';
}
