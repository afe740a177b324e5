// Turns a group of cases into one nasm program whose output is a fixed record per case:
// FNSAVE image (108 bytes), AX after FNSTSW AX (at 108), EFLAGS (at 112), then the memory
// operand area (at 128). Builds it with nasm/ld, runs it natively, and runs the same ELF
// through the X87 unit (elf-runner), so both sides execute identical instruction bytes.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case, Group, PointerImage } from './cases';
import { runElf } from './elf-runner';

export const HEADER = 128;
export const OFF_AX = 108;
export const OFF_EFLAGS = 112;

export interface Layout {
  offset: number;
  size: number;
}

export interface Program {
  asm: string;
  layout: Layout[];
  total: number;
}

function valueLabel(v: string, values: Map<string, string>): string {
  let l = values.get(v);
  if (!l) {
    l = `val${values.size}`;
    values.set(v, l);
  }
  return l;
}

export function generate(cases: Case[]): Program {
  const text: string[] = ['bits 32', 'section .text', 'global _start', '_start:'];
  const data: string[] = ['section .data', 'align 16', 'records:'];
  const values = new Map<string, string>();
  const cws = new Map<number, string>();
  const layout: Layout[] = [];
  let offset = 0;
  cases.forEach((c, k) => {
    const memSize = c.memSize ?? 16;
    const size = HEADER + memSize;
    layout.push({ offset, size });
    const rec = `rec${k}`;
    let cwl = cws.get(c.cw);
    if (!cwl) {
      cwl = `cwv${cws.size}`;
      cws.set(c.cw, cwl);
    }
    text.push(`; ${k}: ${c.label}`, 'fninit');
    for (const v of c.stack) text.push(`fld tword [${valueLabel(v, values)}]`);
    text.push(`fldcw [${cwl}]`, `push dword 0x${(c.eflags ?? 0xad7).toString(16)}`, 'popfd');
    for (const line of c.code) text.push(line.replaceAll('{M}', `${rec}+${HEADER}`));
    text.push('fnstsw ax', `mov [${rec}+${OFF_AX}], ax`, 'pushfd', 'pop eax', `mov [${rec}+${OFF_EFLAGS}], eax`, `fnsave [${rec}]`);
    const mem = new Array(memSize).fill(0xcc);
    (c.mem ?? []).forEach((b, i) => (mem[i] = b & 0xff));
    data.push(`${rec}: times ${HEADER} db 0`);
    for (let i = 0; i < memSize; i += 32) data.push(`db ${mem.slice(i, i + 32).join(',')}`);
    offset += size;
  });
  text.push('mov eax, 4', 'mov ebx, 1', 'mov ecx, records', `mov edx, ${offset}`, 'int 0x80', 'mov eax, 1', 'mov ebx, 0', 'int 0x80');
  data.push('align 16');
  for (const [v, l] of values) {
    const [se, sig] = v.split(':');
    data.push(`${l}: dq 0x${sig}`, `dw 0x${se}`);
  }
  for (const [cw, l] of cws) data.push(`${l}: dw 0x${cw.toString(16)}`);
  return { asm: `${text.join('\n')}\n${data.join('\n')}\n`, layout, total: offset };
}

const CACHE = join(tmpdir(), 'vmdesk-fpu-native');

/** Assembles and links (cached by content hash); returns the ELF path. */
export function build(program: Program): string {
  mkdirSync(CACHE, { recursive: true });
  const hash = createHash('sha256').update(program.asm).digest('hex').slice(0, 16);
  const elf = join(CACHE, `${hash}.elf`);
  if (existsSync(elf)) return elf;
  const src = join(CACHE, `${hash}.asm`);
  const obj = join(CACHE, `${hash}.o`);
  writeFileSync(src, program.asm);
  execFileSync('nasm', ['-f', 'elf32', '-O1', src, '-o', obj]);
  execFileSync('ld', ['-m', 'elf_i386', '-static', obj, '-o', `${elf}.tmp`]);
  execFileSync('mv', [`${elf}.tmp`, elf]);
  return elf;
}

export function runNative(elf: string, expected: number): Uint8Array {
  const r = spawnSync(elf, [], { maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`native run of ${elf} failed: status ${r.status} signal ${r.signal}`);
  if (r.stdout.length !== expected) throw new Error(`native run of ${elf}: ${r.stdout.length} bytes, expected ${expected}`);
  return new Uint8Array(r.stdout);
}

export interface Mismatch {
  index: number;
  label: string;
  detail: string;
}

export interface GroupResult {
  name: string;
  passed: number;
  total: number;
  /** Cases whose whole record matched bit for bit (for 'ulp1' groups, the others passed within one ulp). */
  bitExact: number;
  mismatches: Mismatch[];
}

const hexBytes = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Distance in units of the last place between two 80-bit values (same sign, finite). */
function ulpDistance(a: Uint8Array, b: Uint8Array): bigint {
  const key = (x: Uint8Array): bigint => {
    let sig = 0n;
    for (let i = 7; i >= 0; i--) sig = (sig << 8n) | BigInt(x[i]);
    const se = x[8] | (x[9] << 8);
    const mag = (BigInt(se & 0x7fff) << 63n) + (sig & 0x7fffffffffffffffn);
    return se & 0x8000 ? -mag : mag;
  };
  const d = key(a) - key(b);
  return d < 0n ? -d : d;
}

/**
 * On an AMD host a context switch loses the x87 pointers (the kernel's FXSAVE/XSAVE stores
 * FIP/FCS/FOP and FDP/FDS only while FSW.ES is set), so a case preempted before its FNSAVE reads
 * a group of them back as zeros. Such a zeroed group is not compared (ES clear only).
 */
const AMD_HOST = readFileSync('/proc/cpuinfo', 'utf8').includes('AuthenticAMD');
const POINTER_GROUPS: [number, number][] = [[12, 20], [20, 26]];

/**
 * Which of the last instruction's pointers the host's x87 saves, probed once with FLD m32.
 * Newer processors deprecate FCS and FDS, saving them as 0 (CPUID.(EAX=07H,ECX=0):EBX[13],
 * SDM vol. 1 §8.1.8), and may update FDP and FOP only for instructions with an unmasked
 * exception (EBX[6] FDP_EXCPTN_ONLY; FOP compatibility mode off, §8.1.9). The emulated
 * Pentium II always saves all four; where the host does not, those fields are not compared.
 */
interface HostPointers { selectors: boolean; opcodeAndData: boolean }
let hostPointers: HostPointers | undefined;
function probeHostPointers(): HostPointers {
  if (hostPointers) return hostPointers;
  const program = generate([{ label: 'pointer probe', cw: 0x37f, stack: [], mem: [0, 0, 0xc0, 0x3f], code: ['fld dword [{M}]'] }]);
  const env = runNative(build(program), program.total);
  const word = (o: number): number => env[o]! | (env[o + 1]! << 8);
  hostPointers = {
    selectors: word(16) !== 0 || word(24) !== 0,
    opcodeAndData: (word(18) & 0x7ff) !== 0 || word(20) !== 0 || word(22) !== 0,
  };
  return hostPointers;
}
/** Where each image form keeps FSW, the selectors (FCS, FDS), FOP and FDP (SDM vol. 1 figs. 8-9, 8-10; FXSAVE table). */
const POINTER_FIELDS: Record<PointerImage['form'], { fsw: number; selectors: [number, number][]; fop?: [number, number]; fdp: [number, number] }> = {
  env32: { fsw: 4, selectors: [[16, 18], [24, 26]], fop: [18, 20], fdp: [20, 24] },
  env16: { fsw: 2, selectors: [[8, 10], [12, 14]], fdp: [10, 12] },
  fxsave: { fsw: 2, selectors: [[12, 14], [20, 22]], fop: [6, 8], fdp: [16, 20] },
};

/** Zero emu[from, to) where the host left those bytes all zero (a field it did not save). */
function takeHostZeros(nat: Uint8Array, emu: Uint8Array, from: number, to: number): void {
  if (nat.subarray(from, to).every((b) => b === 0)) emu.fill(0, from, to);
}

/**
 * Zero in `emu` the pointer fields of the image at `at` that the host does not save
 * (probeHostPointers): the selectors always, FDP always (with an exception pending the host
 * saves it only for a memory operand), FOP while FSW.ES is clear.
 */
function dropUnsavedPointers(nat: Uint8Array, emu: Uint8Array, at: number, form: PointerImage['form']): void {
  const host = probeHostPointers();
  const f = POINTER_FIELDS[form];
  const unsaved = host.selectors ? [] : [...f.selectors];
  if (!host.opcodeAndData) {
    unsaved.push(f.fdp);
    if (f.fop && (nat[at + f.fsw]! & 0x80) === 0) unsaved.push(f.fop);
  }
  for (const [from, to] of unsaved) takeHostZeros(nat, emu, at + from, at + to);
}

function compareCase(c: Case, nat: Uint8Array, emuIn: Uint8Array): string | null {
  const diffs: string[] = [];
  const emu = emuIn.slice();
  dropUnsavedPointers(nat, emu, 0, 'env32');
  for (const image of c.pointerImages ?? []) dropUnsavedPointers(nat, emu, HEADER + image.at, image.form);
  if (AMD_HOST && (nat[4] & 0x80) === 0) for (const [from, to] of POINTER_GROUPS) takeHostZeros(nat, emu, from, to);
  const region = (name: string, from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      if (nat[i] !== emu[i]) {
        diffs.push(`${name}: native ${hexBytes(nat.subarray(from, to))} emulated ${hexBytes(emu.subarray(from, to))}`);
        return;
      }
    }
  };
  const ulp = c.check === 'ulp1';
  // FNSAVE environment (FCW..FDS), with C1 allowed to differ where a result may.
  if (ulp) {
    const n = nat.slice(0, 28), e = emu.slice(0, 28);
    n[5] &= ~0x02;
    e[5] &= ~0x02;
    for (let i = 0; i < 28; i++) if (n[i] !== e[i]) {
      diffs.push(`env: native ${hexBytes(nat.subarray(0, 28))} emulated ${hexBytes(emu.subarray(0, 28))}`);
      break;
    }
    for (let r = 0; r < 8; r++) {
      const o = 28 + 10 * r;
      const a = nat.subarray(o, o + 10), b = emu.subarray(o, o + 10);
      if (hexBytes(a) !== hexBytes(b) && ulpDistance(a, b) > 1n) diffs.push(`ST${r}: native ${hexBytes(a)} emulated ${hexBytes(b)}`);
    }
  } else {
    region('env', 0, 28);
    for (let r = 0; r < 8; r++) region(`ST${r}`, 28 + 10 * r, 38 + 10 * r);
  }
  if (ulp) {
    if (nat[OFF_AX] !== emu[OFF_AX] || (nat[OFF_AX + 1] & ~2) !== (emu[OFF_AX + 1] & ~2)) diffs.push('ax differs beyond C1');
  } else region('ax', OFF_AX, OFF_AX + 2);
  const fl = (x: Uint8Array): number => (x[OFF_EFLAGS] | (x[OFF_EFLAGS + 1] << 8)) & 0x8d5;
  if (fl(nat) !== fl(emu)) diffs.push(`eflags: native ${fl(nat).toString(16)} emulated ${fl(emu).toString(16)}`);
  const memSize = c.memSize ?? 16;
  const ignore = c.ignoreMem ?? [];
  for (let i = 0; i < memSize; i++) {
    if (ignore.some(([s, e]) => i >= s && i < e)) continue;
    if (nat[HEADER + i] !== emu[HEADER + i]) {
      const s = HEADER + (i & ~15);
      diffs.push(`mem+${i & ~15}: native ${hexBytes(nat.subarray(s, s + 16))} emulated ${hexBytes(emu.subarray(s, s + 16))}`);
      break;
    }
  }
  return diffs.length ? diffs.join('; ') : null;
}

export function runGroup(group: Group): GroupResult {
  const program = generate(group.cases);
  const elf = build(program);
  const native = runNative(elf, program.total);
  const emulated = runElf(readFileSync(elf)).stdout;
  if (emulated.length !== program.total) throw new Error(`emulated run of ${group.name}: ${emulated.length} bytes, expected ${program.total}`);
  const mismatches: Mismatch[] = [];
  let bitExact = 0;
  // The host is preemptible: a context switch can disturb a native record (see POINTER_GROUPS).
  // A case that differs is checked once more against a second native run.
  let rerun: Uint8Array | null = null;
  group.cases.forEach((c, i) => {
    const { offset, size } = program.layout[i];
    let n = native.subarray(offset, offset + size);
    const e = emulated.subarray(offset, offset + size);
    let d = compareCase(c, n, e);
    if (d) {
      rerun ??= runNative(elf, program.total);
      n = rerun.subarray(offset, offset + size);
      d = compareCase(c, n, e);
    }
    if (d) mismatches.push({ index: i, label: c.label, detail: d });
    else if (c.check !== 'ulp1' || compareCase({ ...c, check: 'exact' }, n, e) === null) bitExact++;
  });
  return { name: group.name, passed: group.cases.length - mismatches.length, total: group.cases.length, bitExact, mismatches };
}
