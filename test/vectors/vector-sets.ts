// Reading and running the SingleStepTests vectors in ../shared/x86-tests (FORMAT.md):
// the 80286 real-mode set (MOO) and the 8086 set (JSON). One CPU and 16 MiB of RAM are
// reused; pages a test dirtied are zeroed afterwards. The skip/mask rules are FORMAT.md's
// "Where a 386-class core will legitimately differ", each with its reason below.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { MmioBus, PortBus } from '../../core/bus';
import { Cpu } from '../../core/cpu';
import { GuestMemory } from '../../core/memory';
import { lockAllowed } from '../../core/cpu/opcode-table';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ../shared/x86-tests next to the checkout (CI); X86_TESTS overrides it (e.g. for a git worktree). */
export const vectorsRoot = process.env.X86_TESTS ? path.resolve(process.env.X86_TESTS) : path.resolve(repoRoot, '..', 'shared', 'x86-tests');

const REG_ORDER = ['ax', 'bx', 'cx', 'dx', 'cs', 'ss', 'ds', 'es', 'sp', 'bp', 'si', 'di', 'ip', 'flags'] as const;
type RegName = (typeof REG_ORDER)[number];
export type Regs = Record<RegName, number>;

export interface VectorTest {
  readonly index: number;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly init: Regs;
  readonly initRam: [number, number][];
  readonly final: Partial<Regs>;
  readonly finalRam: [number, number][];
  readonly exception?: { vector: number; flagAddress: number };
  readonly hash: string;
}

export function parseMoo(buf: Buffer, file: string): VectorTest[] {
  const tests: VectorTest[] = [];
  let p = 0;
  const id = (at: number) => buf.toString('latin1', at, at + 4);
  const fail = (why: string): never => {
    throw new Error(`vectors: ${file}: ${why} at byte ${p}`);
  };
  if (id(0) !== 'MOO ') fail('not a MOO file');
  while (p + 8 <= buf.length) {
    const cid = id(p);
    const len = buf.readUInt32LE(p + 4);
    const body = p + 8;
    if (body + len > buf.length) fail(`chunk ${cid} runs past the end`);
    if (cid === 'TEST') tests.push(parseTest(buf, body, body + len, fail));
    p = body + len;
  }
  return tests;
}

function parseRegs(buf: Buffer, at: number): Partial<Regs> {
  const mask = buf.readUInt16LE(at);
  const out: Partial<Regs> = {};
  let q = at + 2;
  for (let i = 0; i < 14; i++) {
    if (mask & (1 << i)) {
      out[REG_ORDER[i]!] = buf.readUInt16LE(q);
      q += 2;
    }
  }
  return out;
}
function parseRam(buf: Buffer, at: number): [number, number][] {
  const n = buf.readUInt32LE(at);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([buf.readUInt32LE(at + 4 + i * 5), buf[at + 8 + i * 5]!]);
  return out;
}

function parseTest(buf: Buffer, start: number, end: number, fail: (w: string) => never): VectorTest {
  const index = buf.readUInt32LE(start);
  let p = start + 4;
  let name = '';
  let bytes = new Uint8Array();
  let init: Partial<Regs> = {};
  let initRam: [number, number][] = [];
  let final: Partial<Regs> = {};
  let finalRam: [number, number][] = [];
  let exception: VectorTest['exception'];
  let hash = '';
  while (p + 8 <= end) {
    const cid = buf.toString('latin1', p, p + 4);
    const len = buf.readUInt32LE(p + 4);
    const b = p + 8;
    switch (cid) {
      case 'NAME': name = buf.toString('latin1', b + 4, b + 4 + buf.readUInt32LE(b)); break;
      case 'BYTS': bytes = new Uint8Array(buf.subarray(b + 4, b + 4 + buf.readUInt32LE(b))); break;
      case 'INIT':
      case 'FINA': {
        let q = b;
        while (q + 8 <= b + len) {
          const sid = buf.toString('latin1', q, q + 4);
          const sl = buf.readUInt32LE(q + 4);
          if (sid === 'REGS') { if (cid === 'INIT') init = parseRegs(buf, q + 8); else final = parseRegs(buf, q + 8); }
          if (sid === 'RAM ') { if (cid === 'INIT') initRam = parseRam(buf, q + 8); else finalRam = parseRam(buf, q + 8); }
          q += 8 + sl;
        }
        break;
      }
      case 'EXCP': exception = { vector: buf[b]!, flagAddress: buf.readUInt32LE(b + 1) }; break;
      case 'HASH': hash = buf.toString('hex', b, b + 20); break;
      default: break;
    }
    p = b + len;
  }
  for (const r of REG_ORDER) if (init[r] === undefined) fail(`test ${index} lacks INIT register ${r}`);
  return { index, name, bytes, init: init as Regs, initRam, final, finalRam, exception, hash };
}

interface Json8086 {
  name: string;
  bytes: number[];
  initial: { regs: Regs; ram: [number, number][] };
  final: { regs: Partial<Regs>; ram: [number, number][] };
  test_hash: string;
  test_num: number;
}
export function parse8086(buf: Buffer): VectorTest[] {
  const arr = JSON.parse(buf.toString('utf8')) as Json8086[];
  return arr.map((t) => ({
    index: t.test_num,
    name: t.name,
    bytes: new Uint8Array(t.bytes),
    init: t.initial.regs,
    initRam: t.initial.ram,
    final: t.final.regs,
    finalRam: t.final.ram,
    hash: t.test_hash,
  }));
}

// ---- metadata: undefined-flag masks ----
interface OpMeta { status?: string; 'flags-mask'?: number; reg?: Record<string, OpMeta> }
export function flagMask(meta: Record<string, OpMeta>, fileOp: string): number {
  const [op, reg] = fileOp.split('.');
  const m = meta[op!];
  if (!m) return 0xffff;
  if (reg !== undefined && m.reg?.[reg]) return m.reg[reg]!['flags-mask'] ?? 0xffff;
  return m['flags-mask'] ?? 0xffff;
}

export type Outcome = 'pass' | 'fail' | 'skip';
const STRING_OPS = new Set([0x6c, 0x6d, 0x6e, 0x6f, 0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf]);

/** One CPU over 16 MiB, reused for every test. */
export class VectorMachine {
  readonly memory = GuestMemory.allocate(16 * 1024 * 1024);
  readonly cpu = new Cpu({ memory: this.memory, ports: new PortBus(), mmio: new MmioBus() });
  lastDiff = '';
  /** Why the last test was skipped (tallied per reason by runSet). */
  skipReason = '';

  private skip(reason: string): Outcome {
    this.skipReason = reason;
    return 'skip';
  }

  private clean(): void {
    const bits = this.memory.dirtyBits;
    for (let w = 0; w < bits.length; w++) {
      if (bits[w] === 0) continue;
      for (let b = 0; b < 32; b++) if (bits[w]! & (1 << b)) this.memory.u8.fill(0, (w * 32 + b) * 4096, (w * 32 + b + 1) * 4096);
      bits[w] = 0;
    }
  }

  private load(t: VectorTest, ramMask: number, flagsIn: number): void {
    const cpu = this.cpu;
    this.clean();
    cpu.reset();
    cpu.idtLimit = 0x3ff;
    for (const [a, v] of t.initRam) this.memory.u8[a & ramMask] = v;
    const r = t.init;
    cpu.setRegister('ax', r.ax); cpu.setRegister('bx', r.bx); cpu.setRegister('cx', r.cx); cpu.setRegister('dx', r.dx);
    cpu.setRegister('sp', r.sp); cpu.setRegister('bp', r.bp); cpu.setRegister('si', r.si); cpu.setRegister('di', r.di);
    cpu.setRegister('cs', r.cs); cpu.setRegister('ss', r.ss); cpu.setRegister('ds', r.ds); cpu.setRegister('es', r.es);
    cpu.setRegister('ip', r.ip);
    cpu.setRegister('flags', flagsIn);
    // Dirty bits mark what this test may have written; INIT bytes count as dirty too.
    for (const [a] of t.initRam) this.memory.markDirty(a & ramMask, 1);
    cpu.lastException = -1;
  }

  private compare(t: VectorTest, mask: number, ramMask: number, flagBytes: Set<number>, flagCompareMask: number): boolean {
    const cpu = this.cpu;
    const diffs: string[] = [];
    for (const reg of REG_ORDER) {
      const want = t.final[reg] ?? t.init[reg];
      let got = cpu.getRegister(reg);
      let w = want;
      if (reg === 'flags') {
        got &= mask & flagCompareMask;
        w &= mask & flagCompareMask;
      }
      if (got !== w) diffs.push(`${reg} ${got.toString(16)} != ${w.toString(16)}`);
    }
    for (const [a, v] of t.finalRam) {
      let got = this.memory.u8[a & ramMask]!;
      let want = v;
      if (flagBytes.has(a)) {
        const m = flagBytes.has(a - 1) && !flagBytes.has(a + 1) ? (mask >> 8) & (flagCompareMask >> 8) : mask & flagCompareMask & 0xff;
        got &= m;
        want &= m;
      }
      if (got !== want) diffs.push(`[${a.toString(16)}] ${got.toString(16)} != ${want.toString(16)}`);
    }
    this.lastDiff = diffs.join(', ');
    return diffs.length === 0;
  }

  /** 80286 real-mode test: run until HLT. */
  run286(t: VectorTest, mask: number, skipOp: boolean): Outcome {
    if (skipOp) return this.skip('D8 file: ESC with no FPU follows the 286 (FORMAT.md)');
    const pre = prefixInfo(t.bytes);
    // FORMAT.md: the 286 allows LOCK on anything; a 386 raises #UD for unlockable forms.
    if (pre.lock && !lockAllowed(pre.code, pre.modrm)) return this.skip('LOCK on an unlockable form (#UD on a 386; the 286 accepts it)');
    // FORMAT.md: the 286 faults on instructions over 10 bytes; a 386 allows 15.
    if (t.bytes.length - 1 > 10) return this.skip('longer than 10 bytes (the 286 faults; a 386 allows 15)');
    this.load(t, 0xffffff, t.init.flags & 0x0fff);
    this.cpu.setA20(true);
    // The test instruction first (so its own exception is seen), then on to the HLT.
    this.cpu.run(1);
    const firstException = this.cpu.lastException;
    let guard = 0;
    while (this.cpu.run(1000) !== 'halt' && ++guard < 10) { /* REP chunks */ }
    // FORMAT.md: an SS-based operand past the limit is #GP on the 286 and #SS on a 386.
    if (t.exception?.vector === 13 && firstException === 12) return this.skip('SS-based operand past the limit (#GP on the 286, #SS on a 386)');
    // FS and GS (8C/8E reg 4, 5) do not exist on the 286, which raises #UD.
    if ((pre.code === 0x8c || pre.code === 0x8e) && ((pre.modrm >> 3) & 7) >= 4) return this.skip('FS/GS (8C/8E reg 4, 5) do not exist on the 286 (#UD there)');
    // A word access at offset FFFF: the 286 commits the SI/DI/SP update of string ops and
    // POP m16 before raising #GP; a 386 fault is restartable and leaves them unchanged
    // (SDM vol. 3 §6.5). Same root cause as FORMAT.md's segment-overrun difference.
    if (t.exception?.vector === 13 && firstException === 13 && (STRING_OPS.has(pre.code) || pre.code === 0x8f)) return this.skip('word at offset FFFF: the 286 commits SI/DI/SP before #GP');
    let flagCompare = 0x0fff;
    // SDM vol. 2 SAL/SAR/SHL/SHR: OF is undefined for counts other than 1 (metadata leaves C0 OF unmasked).
    if (pre.code === 0xc0 && (t.bytes[t.bytes.length - 2]! & 31) !== 1) flagCompare &= ~0x800;
    const flagBytes = new Set<number>();
    if (t.exception) {
      // The pushed FLAGS sit at SS:SP+4 of the handler's stack (EXCP's address is off by one for DIV).
      const ss = t.final.ss ?? t.init.ss;
      const sp = t.final.sp ?? t.init.sp;
      const at = (ss << 4) + ((sp + 4) & 0xffff);
      flagBytes.add(at);
      flagBytes.add(at + 1);
    }
    // FORMAT.md: compare only flags & 0x0FFF (a real-mode 286 cannot hold bits 12-15).
    return this.compare(t, mask, 0xffffff, flagBytes, flagCompare) ? 'pass' : 'fail';
  }

  /** 8086 test: run exactly one instruction. */
  run8086(t: VectorTest, mask: number, fileOp: string): Outcome {
    const pre = prefixInfo(t.bytes);
    const reg = (pre.modrm >> 3) & 7;
    const op = pre.code;
    // FORMAT.md: the 8086 does not mask shift counts to 5 bits.
    if ((op === 0xd2 || op === 0xd3) && (t.init.cx & 0xff) >= 32) return this.skip('shift count >= 32 (the 8086 does not mask it)');
    // FORMAT.md: 8C/8E with reg 4-7 and 8E with reg 1 are 8086 aliases; C6/C7 ignore reg on the 8086.
    if ((op === 0x8c || op === 0x8e) && reg >= 4) return this.skip('8C/8E reg 4-7: 8086 aliases');
    if (op === 0x8e && reg === 1) return this.skip('8E reg 1 (MOV CS): 8086 alias');
    if ((op === 0xc6 || op === 0xc7) && reg !== 0) return this.skip('C6/C7 reg != 0: the 8086 ignores reg');
    // FORMAT.md: REP before IDIV flips the quotient's sign on an 8086.
    if ((op === 0xf6 || op === 0xf7) && reg === 7 && pre.rep) return this.skip('REP before IDIV: the 8086 negates the quotient');
    // Like C6/C7 (FORMAT.md), the 8086 ignores the reg field of 8F; a 386 raises #UD.
    if (op === 0x8f && reg !== 0) return this.skip('8F reg != 0: the 8086 ignores reg');
    // Like 54 (FORMAT.md), FF /6 with SP as operand pushes SP-2 on an 8086.
    if (op === 0xff && pre.modrm === 0xf4) return this.skip('FF /6 with SP: the 8086 pushes SP-2');
    // The 8086 adjusts AL and AH separately in AAA/AAS and computes DAS's CF from the high
    // adjust only; the 286 and later use AX+/-0x106 and SDM's CF rule (the 80286 set passes them).
    const al = t.init.ax & 0xff;
    const af = (t.init.flags & 0x10) !== 0;
    if ((op === 0x37 && ((al & 0xf) > 9 || af) && al > 0xf9) || (op === 0x3f && ((al & 0xf) > 9 || af) && al < 6)) return this.skip('AAA/AAS carry/borrow between AL and AH: 8086 adjust');
    if (op === 0x2f && ((al & 0xf) > 9 || af) && al < 6 && !(t.init.flags & 1) && al <= 0x99) return this.skip('DAS CF: 8086 rule');
    // The 8086 ignores LOCK; a 386 raises #UD on unlockable forms (same reason as the 286 set).
    if (pre.lock && !lockAllowed(op, pre.modrm)) return this.skip('LOCK on an unlockable form (#UD on a 386; the 8086 ignores it)');
    this.load(t, 0xfffff, t.init.flags & 0x0fff);
    this.cpu.setA20(false); // 1 MiB and wrap at 0xFFFFF, like the 8086
    const startCs = t.init.cs;
    const startIp = t.init.ip;
    let guard = 0;
    do this.cpu.run(1);
    while (pre.rep && this.cpu.getRegister('ip') === startIp && this.cpu.getRegister('cs') === startCs && ++guard < 8);
    const ex = this.cpu.lastException;
    // FORMAT.md: divide errors push the next IP on an 8086 (the 386 pushes the faulting one).
    if (ex === 0) return this.skip('divide error: the 8086 pushes the next IP');
    // FORMAT.md: a word access at offset FFFF wraps on an 8086 and faults on a 386.
    if (ex === 12 || ex === 13) return this.skip('word at offset FFFF: the 8086 wraps, a 386 faults');
    // FORMAT.md: flags pushed to memory carry the 8086's high nibble (PUSHF, INT).
    const flagBytes = new Set<number>();
    if (op === 0x9c || op === 0xcc || op === 0xcd || op === 0xce) {
      const ss = this.cpu.getRegister('ss');
      const sp = this.cpu.getRegister('sp');
      const at = op === 0x9c ? sp : (sp + 4) & 0xffff;
      flagBytes.add(((ss << 4) + at) & 0xfffff);
      flagBytes.add(((ss << 4) + ((at + 1) & 0xffff)) & 0xfffff);
    }
    void fileOp;
    return this.compare(t, mask, 0xfffff, flagBytes, 0x0fff) ? 'pass' : 'fail';
  }
}

/** Opcode (0x100+ for 0F), ModR/M and prefixes of a test's bytes. */
export function prefixInfo(bytes: Uint8Array): { code: number; modrm: number; lock: boolean; rep: boolean } {
  let i = 0;
  let lock = false;
  let rep = false;
  while (i < bytes.length && [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3].includes(bytes[i]!)) {
    if (bytes[i] === 0xf0) lock = true;
    if (bytes[i] === 0xf2 || bytes[i] === 0xf3) rep = true;
    i++;
  }
  let code = bytes[i] ?? 0;
  if (code === 0x0f) code = 0x100 | (bytes[++i] ?? 0);
  return { code, modrm: bytes[i + 1] ?? 0, lock, rep };
}

// ---- sets ----
export interface SetResult {
  readonly passed: number;
  readonly total: number;
  readonly skipped: number;
  /** opcode file -> failures (and the first difference seen). */
  readonly failures: Map<string, { count: number; first: string }>;
  readonly skipReasons: Map<string, number>;
}

/** Files of the 8086 set that FORMAT.md says to skip entirely, with the reason. */
const SKIP_8086_FILES: Record<string, string> = {
  ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [(0x60 + i).toString(16).toUpperCase(), '60-6F are aliases of 70-7F on the 8086'])),
  C0: 'alias of C2 on the 8086', C1: 'alias of C3 on the 8086', C8: 'alias of CA on the 8086', C9: 'alias of CB on the 8086',
  'D0.6': 'SETMO on the 8086', 'D1.6': 'SETMO on the 8086', 'D2.6': 'SETMOC on the 8086', 'D3.6': 'SETMOC on the 8086',
  'FF.7': 'undefined on the 8086',
  D8: 'ESC without an FPU', D9: 'ESC without an FPU', DA: 'ESC without an FPU', DB: 'ESC without an FPU',
  DC: 'ESC without an FPU', DD: 'ESC without an FPU', DE: 'ESC without an FPU', DF: 'ESC without an FPU',
  '54': 'the 8086 pushes SP-2',
};
/** Files of the 80286 set skipped entirely. */
const SKIP_286_FILES: Record<string, string> = { D8: 'ESC with no FPU follows the 286 (FORMAT.md)' };

export function listFiles(set: '80286' | '8086'): string[] {
  const dir = set === '80286' ? path.join(vectorsRoot, '80286', 'v1_real_mode') : path.join(vectorsRoot, '8086', 'v1');
  if (!existsSync(dir)) throw new Error(`vectors: ${dir} not found (expected ../shared/x86-tests next to the repository)`);
  const ext = set === '80286' ? '.MOO.gz' : '.json.gz';
  return readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => path.join(dir, f));
}

export function runSet(set: '80286' | '8086', opts: { files?: string[]; limitPerFile?: number } = {}): SetResult {
  const root = set === '80286' ? path.join(vectorsRoot, '80286') : path.join(vectorsRoot, '8086');
  const meta = (JSON.parse(readFileSync(path.join(root, set === '80286' ? 'v1_real_mode' : 'v1', 'metadata.json'), 'utf8')) as { opcodes: Record<string, OpMeta> }).opcodes;
  const revoked = new Set<string>();
  const rev = path.join(root, 'revocation_list.txt');
  if (existsSync(rev)) for (const line of readFileSync(rev, 'utf8').split('\n')) { const l = line.trim(); if (l && !l.startsWith('#')) revoked.add(l.toLowerCase()); }
  const m = new VectorMachine();
  let passed = 0;
  let total = 0;
  let skipped = 0;
  const failures = new Map<string, { count: number; first: string }>();
  const skipReasons = new Map<string, number>();
  for (const file of opts.files ?? listFiles(set)) {
    const fileOp = path.basename(file).replace(/\.(MOO|json)\.gz$/, '');
    const data = gunzipSync(readFileSync(file));
    const tests = set === '80286' ? parseMoo(data, file) : parse8086(data);
    const mask = flagMask(meta, fileOp);
    const skipFile = set === '80286' ? SKIP_286_FILES[fileOp] !== undefined : SKIP_8086_FILES[fileOp] !== undefined;
    const n = Math.min(tests.length, opts.limitPerFile ?? tests.length);
    for (let i = 0; i < n; i++) {
      const t = tests[i]!;
      let o: Outcome;
      m.skipReason = '';
      if (revoked.has(t.hash)) { o = 'skip'; m.skipReason = 'revoked upstream'; }
      else if (set === '80286') o = m.run286(t, mask, skipFile);
      else if (skipFile) { o = 'skip'; m.skipReason = `file ${fileOp}: ${SKIP_8086_FILES[fileOp]}`; }
      else o = m.run8086(t, mask, fileOp);
      if (o === 'skip') {
        skipped++;
        const key = m.skipReason.startsWith('file ') ? 'whole files FORMAT.md lists (60-6F, C0/C1/C8/C9, SETMO, FF.7, ESC, 54)' : m.skipReason;
        skipReasons.set(key, (skipReasons.get(key) ?? 0) + 1);
        continue;
      }
      total++;
      if (o === 'pass') passed++;
      else {
        const f = failures.get(fileOp);
        if (f) f.count++;
        else failures.set(fileOp, { count: 1, first: `#${t.index} ${t.name}: ${m.lastDiff}` });
      }
    }
  }
  return { passed, total, skipped, failures, skipReasons };
}
