// The public CPU: the interpreter plus what a platform and a boot loader need —
// registers by name, entering flat 32-bit protected mode directly, and a plain,
// versioned, JSON-safe saved state for checkpoints and live migration.
import { CpuError } from './cpu-fault';
import { CR0_PE, CS, DS, ES, FS, GS, LDTR, SS, TR } from './constants';
import type { X87State } from './fpu/fpu-host';
import { CpuInterpreter, type CpuOptions } from './interpreter';
import { ATTR_DB, ATTR_G, ATTR_P, ATTR_S } from './registers';

export type { CpuOptions };

const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
const GPR16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as const;
const GPR8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'] as const;
const SEGS = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;
const CRS = ['cr0', 'cr1', 'cr2', 'cr3', 'cr4'] as const;

export type RegisterName =
  | (typeof GPR32)[number] | (typeof GPR16)[number] | (typeof GPR8)[number] | (typeof SEGS)[number] | (typeof CRS)[number]
  | 'eip' | 'eflags' | 'ip' | 'flags';

export interface SegmentState {
  readonly selector: number;
  readonly base: number;
  readonly limit: number;
  /** Access byte in bits 0-7, AVL/L/DB/G in bits 12-15. */
  readonly attributes: number;
}

export interface CpuState {
  readonly version: 1;
  readonly gprs: readonly number[];
  readonly eip: number;
  readonly eflags: number;
  readonly cpl: number;
  /** ES CS SS DS FS GS LDTR TR. */
  readonly segments: readonly SegmentState[];
  readonly gdtr: { readonly base: number; readonly limit: number };
  readonly idtr: { readonly base: number; readonly limit: number };
  readonly cr: readonly number[];
  readonly dr: readonly number[];
  readonly halted: boolean;
  readonly interruptShadow: boolean;
  readonly nmiPending: boolean;
  readonly nmiBlocked: boolean;
  readonly instructionCount: number;
  readonly tscOffset: number;
  readonly a20: boolean;
  readonly msr: {
    readonly sysenterCs: number;
    readonly sysenterEsp: number;
    readonly sysenterEip: number;
    readonly apicBase: number;
    readonly mtrrVariable: readonly number[];
    readonly mtrrFixed: readonly number[];
    readonly mtrrDefType: number;
    readonly pat: readonly number[];
    readonly miscEnable: number;
  };
  readonly fpu: X87State | null;
}

export interface FlatModeEntry {
  readonly eip: number;
  readonly esp?: number;
  /** Other registers to set (e.g. { esi: bootParams }). */
  readonly registers?: Partial<Record<RegisterName, number>>;
  /**
   * If given, a GDT with flat code at 0x10 and flat data at 0x18 (Linux boot protocol
   * §"32-bit boot protocol") is written to this physical address and loaded.
   */
  readonly gdtAddress?: number;
}

export class Cpu extends CpuInterpreter {
  constructor(opts: CpuOptions) {
    super(opts);
  }

  getRegister(name: RegisterName): number {
    let i: number;
    if ((i = (GPR32 as readonly string[]).indexOf(name)) >= 0) return this.regs[i]! >>> 0;
    if ((i = (GPR16 as readonly string[]).indexOf(name)) >= 0) return this.regs[i]! & 0xffff;
    if ((i = (GPR8 as readonly string[]).indexOf(name)) >= 0) return this.getReg8(i);
    if ((i = (SEGS as readonly string[]).indexOf(name)) >= 0) return this.segSel[i]!;
    if ((i = (CRS as readonly string[]).indexOf(name)) >= 0) return this.cr[i]! >>> 0;
    if (name === 'eip') return this.eip >>> 0;
    if (name === 'ip') return this.eip & 0xffff;
    if (name === 'eflags') return this.getFlags() >>> 0;
    if (name === 'flags') return this.getFlags() & 0xffff;
    throw new CpuError(`cpu: no register named '${String(name)}'`);
  }

  /** Set a register. A segment register is loaded by the rules of the current mode. */
  setRegister(name: RegisterName, value: number): void {
    if (!Number.isFinite(value)) throw new CpuError(`cpu: value for ${name} is not a number`);
    let i: number;
    if ((i = (GPR32 as readonly string[]).indexOf(name)) >= 0) this.regs[i] = value;
    else if ((i = (GPR16 as readonly string[]).indexOf(name)) >= 0) this.setReg16(i, value);
    else if ((i = (GPR8 as readonly string[]).indexOf(name)) >= 0) this.setReg8(i, value);
    else if ((i = (SEGS as readonly string[]).indexOf(name)) >= 0) {
      if (i === CS && !this.protectedMode) this.loadSegReal(CS, value);
      else if (i === CS) throw new CpuError('cpu: CS cannot be set by name in protected mode; use enterFlatProtectedMode or a far jump');
      else this.loadSeg(i, value);
    } else if (name === 'cr0') this.writeCr0(value);
    else if (name === 'cr2') this.cr[2] = value;
    else if (name === 'cr3') this.writeCr3(value);
    else if (name === 'cr4') this.writeCr4(value);
    else if (name === 'eip') this.eip = value | 0;
    else if (name === 'ip') this.eip = value & 0xffff;
    else if (name === 'eflags' || name === 'flags') {
      this.flagsReg = (name === 'flags' ? (this.getFlags() & ~0xffff) | (value & 0xffff) : value | 0) | 2;
      this.lazy = 0;
      this.modeChanged();
    } else throw new CpuError(`cpu: no register named '${String(name)}'`);
  }

  /** Enter flat 32-bit protected mode at CPL 0 directly (for kernel loaders): CR0.PE=1, paging off. */
  enterFlatProtectedMode(entry: FlatModeEntry): void {
    if (entry.gdtAddress !== undefined) {
      const g = entry.gdtAddress;
      if (!this.mem.contains(g, 32)) throw new CpuError(`cpu: GDT address 0x${g.toString(16)} is outside guest RAM`);
      const d = this.view;
      d.setUint32(g, 0, true); d.setUint32(g + 4, 0, true);
      d.setUint32(g + 8, 0, true); d.setUint32(g + 12, 0, true);
      d.setUint32(g + 16, 0x0000ffff, true); d.setUint32(g + 20, 0x00cf9b00, true);
      d.setUint32(g + 24, 0x0000ffff, true); d.setUint32(g + 28, 0x00cf9300, true);
      this.gdtBase = g;
      this.gdtLimit = 31;
    }
    this.cr[0] |= CR0_PE;
    this.flagsReg = 2;
    this.lazy = 0;
    this.setCpl(0);
    const flat = (seg: number, sel: number, code: boolean): void => {
      this.segSel[seg] = sel;
      this.segBase[seg] = 0;
      this.segLimit[seg] = -1;
      this.segAttr[seg] = ATTR_P | ATTR_S | (code ? 0xb : 3) | ATTR_DB | ATTR_G;
    };
    flat(CS, 0x10, true);
    for (const s of [ES, SS, DS, FS, GS]) flat(s, 0x18, false);
    this.segAttr[TR] = 0x8b;
    this.segAttr[LDTR] = 0x82;
    this.flushTlb(false);
    this.refreshAllSegs();
    this.halted = false;
    this.eip = entry.eip | 0;
    if (entry.esp !== undefined) this.regs[4] = entry.esp;
    for (const [k, v] of Object.entries(entry.registers ?? {})) this.setRegister(k as RegisterName, v as number);
  }

  saveState(): CpuState {
    const segments: SegmentState[] = [];
    for (let s = 0; s < 8; s++) {
      segments.push({ selector: this.segSel[s]!, base: this.segBase[s]! >>> 0, limit: this.segLimit[s]! >>> 0, attributes: this.segAttr[s]! });
    }
    return {
      version: 1,
      gprs: Array.from(this.regs, (v) => v >>> 0),
      eip: this.eip >>> 0,
      eflags: this.getFlags() >>> 0,
      cpl: this.cpl,
      segments,
      gdtr: { base: this.gdtBase >>> 0, limit: this.gdtLimit },
      idtr: { base: this.idtBase >>> 0, limit: this.idtLimit },
      cr: Array.from(this.cr, (v) => v >>> 0),
      dr: Array.from(this.dr, (v) => v >>> 0),
      halted: this.halted,
      interruptShadow: this.irqShadow,
      nmiPending: this.nmiPending,
      nmiBlocked: this.nmiBlocked,
      instructionCount: this.counters[0]!,
      tscOffset: this.counters[1]!,
      a20: this.a20Mask === -1,
      msr: {
        sysenterCs: this.sysenterCs,
        sysenterEsp: this.sysenterEsp >>> 0,
        sysenterEip: this.sysenterEip >>> 0,
        apicBase: this.apicBase >>> 0,
        mtrrVariable: Array.from(this.mtrrVar, (v) => v >>> 0),
        mtrrFixed: Array.from(this.mtrrFixed, (v) => v >>> 0),
        mtrrDefType: this.mtrrDefType,
        pat: this.pat.map((v) => v >>> 0),
        miscEnable: this.miscEnable,
      },
      fpu: this.fpu ? this.fpu.saveState() : null,
    };
  }

  restoreState(state: CpuState): void {
    const bad = (field: string): never => {
      throw new CpuError(`cpu: saved state field '${field}' is missing or malformed`);
    };
    if (!state || typeof state !== 'object') bad('(root)');
    if (state.version !== 1) throw new CpuError(`cpu: saved state version ${String(state.version)} is not supported (expected 1)`);
    const arr = (a: unknown, n: number, f: string): readonly number[] =>
      Array.isArray(a) && a.length === n && a.every((x) => typeof x === 'number') ? (a as number[]) : bad(f);
    const gprs = arr(state.gprs, 8, 'gprs');
    const cr = arr(state.cr, 5, 'cr');
    const dr = arr(state.dr, 8, 'dr');
    if (!Array.isArray(state.segments) || state.segments.length !== 8) bad('segments');
    if (typeof state.eip !== 'number') bad('eip');
    if (typeof state.eflags !== 'number') bad('eflags');
    if (!state.msr || typeof state.msr !== 'object') bad('msr');
    for (let i = 0; i < 8; i++) this.regs[i] = gprs[i]!;
    for (let i = 0; i < 5; i++) this.cr[i] = cr[i]!;
    for (let i = 0; i < 8; i++) this.dr[i] = dr[i]!;
    this.eip = state.eip | 0;
    this.flagsReg = state.eflags | 2;
    this.lazy = 0;
    state.segments.forEach((s, i) => {
      if (typeof s?.selector !== 'number' || typeof s.base !== 'number' || typeof s.limit !== 'number' || typeof s.attributes !== 'number') bad(`segments[${i}]`);
      this.segSel[i] = s.selector;
      this.segBase[i] = s.base;
      this.segLimit[i] = s.limit;
      this.segAttr[i] = s.attributes;
    });
    this.gdtBase = state.gdtr.base | 0;
    this.gdtLimit = state.gdtr.limit;
    this.idtBase = state.idtr.base | 0;
    this.idtLimit = state.idtr.limit;
    this.setCpl(state.cpl);
    this.refreshAllSegs();
    this.halted = !!state.halted;
    this.irqShadow = !!state.interruptShadow;
    this.nmiPending = !!state.nmiPending;
    this.nmiBlocked = !!state.nmiBlocked;
    this.counters[0] = state.instructionCount;
    this.counters[1] = state.tscOffset;
    this.a20Mask = state.a20 ? -1 : ~(1 << 20);
    const m = state.msr;
    this.sysenterCs = m.sysenterCs;
    this.sysenterEsp = m.sysenterEsp | 0;
    this.sysenterEip = m.sysenterEip | 0;
    this.apicBase = m.apicBase | 0;
    arr(m.mtrrVariable, 32, 'msr.mtrrVariable').forEach((v, i) => (this.mtrrVar[i] = v));
    arr(m.mtrrFixed, 22, 'msr.mtrrFixed').forEach((v, i) => (this.mtrrFixed[i] = v));
    this.mtrrDefType = m.mtrrDefType;
    this.pat = arr(m.pat, 2, 'msr.pat').map((v) => v | 0);
    this.miscEnable = m.miscEnable;
    if (state.fpu && this.fpu) this.fpu.restoreState(state.fpu);
    this.flushTlb(false);
    this.shutdownReason = '';
  }
}
