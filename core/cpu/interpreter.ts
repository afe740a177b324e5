// The CPU as the platform sees it: construction, the run loop (slices of N
// instructions; HLT, requestStop, triple fault end a slice), instruction decode
// through the opcode table, event delivery (NMI, INTR with the STI/MOV SS shadow,
// exceptions with double/triple-fault escalation, SDM vol. 3 §6.15 table 6-5), reset.
import type { MmioBus, PortBus } from '../bus';
import type { GuestMemory } from '../memory';
import {
  CR0_ET, CS, DS, ES, ESP, EXC_DB, EXC_DF, FS, GS, IF, SS, TF, type StopReason,
} from './constants';
import { CpuCore } from './core';
import { FAULT } from './cpu-fault';
import {
  DC_MASK, DC_MAX_LEN, DC_TAG_CS32, DE_SEG_SHIFT, DI_A32, DI_LEN_SHIFT, DI_LOCK, DI_MODRM, DI_O32, DI_PREFIXES,
  DI_REP_SHIFT, DI_SEG_SHIFT, DI_WORDS_SHIFT, DecodedCache, type DecodedInsn,
} from './decoded-cache';
import type { FpuHost, X87Unit } from './fpu/fpu-host';
import { HANDLERS, HAS_MODRM, lockAllowed } from './opcode-table';
import { specializedHandler } from './ops/specialized';
import { ATTR_P, ATTR_S } from './registers';

export interface CpuOptions {
  readonly memory: GuestMemory;
  readonly ports: PortBus;
  readonly mmio: MmioBus;
  /** The x87 unit, or a factory given the CPU's FpuHost (e.g. `(host) => new X87(host)`). */
  readonly fpu?: X87Unit | ((host: FpuHost) => X87Unit);
}

const IS_PREFIX = new Uint8Array(256);
for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) IS_PREFIX[p] = 1;

/** REP prefix byte by its dcInfo code. */
const REP_BYTE = [0, 0xf2, 0xf3, 0];

// The run loop spells these as literals (V8 folds no module-level constant): keep them in step.
if (DC_MASK !== 0xffff || DC_TAG_CS32 !== (0x80000000 | 0) || DI_WORDS_SHIFT !== 22 || DI_LEN_SHIFT !== 18 || DI_PREFIXES !== 0x1fe00
  || DI_MODRM !== 0x20000 || DE_SEG_SHIFT !== 20 || TF !== 0x100 || ESP !== 4 || CS !== 1) {
  throw new Error('cpu: the run loop\'s literal constants differ from decoded-cache.ts/constants.ts');
}

/** Instructions executed between checks for interrupts when nothing asks for attention. */
const CHUNK = 2048;

function contributory(v: number): boolean {
  return v === 0 || (v >= 10 && v <= 13);
}

export class CpuInterpreter extends CpuCore {
  /** Vector of the last exception raised by an instruction (tests and diagnostics). */
  lastException = -1;
  /** Count of exceptions raised (tests and diagnostics). */
  exceptionCount = 0;
  /** Decoded instructions by physical address (decoded-cache.ts). */
  readonly decoded = new DecodedCache();
  /** The prefix bits (decoded-cache.ts DI_PREFIXES) o32…lockPfx now hold, or -1 after a full decode. */
  private prefixState = -1;

  constructor(opts: CpuOptions) {
    super(opts.memory, opts.ports, opts.mmio);
    this.fpu = typeof opts.fpu === 'function' ? opts.fpu(this.fpuHost) : opts.fpu;
    this.reset();
  }

  /** Power-on / RESET state (SDM vol. 3 §9.1.1, table 9-1). */
  reset(): void {
    this.regs.fill(0);
    this.regs[2] = 0x652; // EDX: family 6, model 5, stepping 2
    this.flagsReg = 2;
    this.lazy = 0;
    this.eip = 0xfff0;
    this.cr.fill(0);
    this.cr[0] = 0x60000000 | CR0_ET;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0 | 0;
    this.dr[7] = 0x400;
    this.gdtBase = 0;
    this.gdtLimit = 0xffff;
    this.idtBase = 0;
    this.idtLimit = 0xffff;
    this.setCpl(0);
    for (let s = 0; s < 8; s++) {
      this.segSel[s] = 0;
      this.segBase[s] = 0;
      this.segLimit[s] = 0xffff;
      this.segAttr[s] = s < 6 ? ATTR_P | ATTR_S | (s === CS ? 0xb : 3) : s === 6 ? 0x82 : 0x8b;
    }
    this.segSel[CS] = 0xf000;
    this.segBase[CS] = 0xffff0000 | 0;
    for (let s = 0; s < 6; s++) this.updateSegRanges(s);
    this.flushTlb(false);
    this.halted = false;
    this.irqShadow = false;
    this.nmiPending = false;
    this.nmiBlocked = false;
    this.counters[1] = 0 - this.instructionCount; // TSC restarts at 0
    this.shutdownReason = '';
    this.sysenterCs = 0;
    this.sysenterEsp = 0;
    this.sysenterEip = 0;
    this.apicBase = 0xfee00900 | 0;
    this.mtrrVar.fill(0);
    this.mtrrFixed.fill(0);
    this.mtrrDefType = 0;
    this.fpu?.reset();
  }

  /** Ask `run` to return 'stopped' at the next instruction boundary (device code may call this). */
  requestStop(): void {
    this.stopRequested = true;
    this.attention = true;
  }
  /** Raise the NMI input (edge). */
  raiseNmi(): void {
    this.nmiPending = true;
    this.attention = true;
  }
  /**
   * End the running slice at most `instructions` from now (at least one more runs): the clock
   * calls this when a device sets a timer that falls inside the slice, so the timer fires at
   * its own guest time rather than when the slice would have ended.
   */
  endSliceWithin(instructions: number): void {
    const end = this.instructionCount + Math.max(1, Math.ceil(instructions));
    if (end < this.sliceEnd) {
      this.sliceEnd = end;
      this.attention = true;
    }
  }
  /** Tell the CPU the interrupt controller's INTR output may have changed (optional; it also polls). */
  notifyInterrupt(): void {
    this.attention = true;
  }
  /**
   * Drop every cached translation. The platform calls this after clearing the memory's
   * dirty bitmap (the TLB marks a page dirty when it first caches a writable translation)
   * or after changing MMIO registrations inside RAM.
   */
  invalidateTranslations(): void {
    this.flushTlb(false);
  }
  /** The A20 gate: false masks physical address bit 20 (SDM vol. 3 §21.33.1). */
  setA20(enabled: boolean): void {
    const mask = enabled ? -1 : ~(1 << 20);
    if (mask !== this.a20Mask) {
      this.a20Mask = mask;
      this.flushTlb(false);
    }
  }

  /** Instruction count at which the running slice ends (`run`, `endSliceWithin`). */
  private sliceEnd = 0;

  /** Execute up to `budget` instructions. */
  run(budget: number): StopReason {
    this.stopRequested = false;
    const counters = this.counters;
    this.sliceEnd = counters[0]! + budget;
    for (;;) {
      if (this.shutdownReason) {
        const r = this.shutdownReason;
        this.shutdownReason = 'shutdown';
        return r;
      }
      if (this.stopRequested) {
        this.stopRequested = false;
        return 'stopped';
      }
      if (!this.irqShadow) {
        if (this.nmiPending && !this.nmiBlocked) {
          this.nmiPending = false;
          this.nmiBlocked = true;
          this.halted = false;
          this.deliverEvent(2, false, 0);
          continue;
        }
        const ic = this.interruptController;
        if (this.flagsReg & IF && ic !== undefined && ic.hasInterrupt()) {
          this.halted = false;
          this.deliverEvent(ic.acknowledge() & 0xff, false, 0);
          continue;
        }
      }
      if (this.halted) return 'halt';
      const remaining = this.sliceEnd - counters[0]!;
      if (remaining <= 0) return 'budget';
      this.attention = false;
      if (this.irqShadow) {
        this.irqShadow = false;
        this.runChunk(1);
      } else this.runChunk(remaining < CHUNK ? remaining | 0 : CHUNK); // an int: the loop compares it per instruction
    }
  }

  private runChunk(n: number): void {
    let i = 0;
    // The loop spells constants as literals, named in comments (checked at load, above): V8
    // folds neither module-level constants nor imports. Boolean fields are compared with
    // `true`: a bare test checks for every falsy kind of value.
    const counters = this.counters;
    const entries = this.decoded.entries;
    const view = this.view;
    const regs = this.regs;
    const segBase = this.segBase;
    const tlb = this.tlb;
    const fetchLim = this.fetchLim;
    // The next instruction's fetch pointer is the last one's, without a TLB lookup, while both
    // lie in one page of a flat CS, EIP and the pointer moved together (no jump: `delta`, the
    // physical address minus EIP, held) and nothing set `attention` (a TLB flush, INVLPG, a CPL
    // or CS change does).
    let follow = false;
    let delta = 0;
    // Tag of the instruction at fp (decoded-cache.ts): fp | DC_TAG_CS32 with a 32-bit CS, ~fp
    // with a 16-bit one; fp < 2^31 here, so both are (fp ^ tagFlip) | DC_TAG_CS32. A CS change
    // sets attention, which ends the chunk, so the D bit holds for all of it.
    const tagFlip = this.cs32 === true ? 0 : -1;
    try {
      while (i < n) {
        i++;
        this.chunkDone = i;
        // One instruction: found in the decoded cache (its bytes still match), else decoded.
        const start = this.eip;
        this.startEip = start;
        this.startEsp = regs[4 /* ESP */]!;
        let fp = this.fp;
        if (!follow || fp < 0 || fp - start !== delta || (fp & 0xfff) > 0xff0) {
          // The fast fetch pointer (mmu.ts beginFetch, inlined): the instruction's page is RAM in
          // the TLB and all 15 bytes it may span lie in this page and within the CS limit.
          const lin = (segBase[1 /* CS */]! + start) | 0;
          const e = tlb[lin >>> 12]!;
          const need = this.readNeed;
          fp = -1;
          follow = false;
          if ((e & need) === need && (lin & 0xfff) <= 0xff0 && (this.fetchCheck !== true || (start >>> 0) + 15 <= fetchLim[0]!)) {
            fp = (e & ~0xfff) | (lin & 0xfff);
            // Following the pointer skips the CS limit check, so only a flat CS may.
            follow = this.fetchCheck !== true;
            delta = fp - start;
          }
        }
        if (fp >= 0) {
          const d = entries[fp & 0xffff /* DC_MASK */]!;
          const info = d.info;
          if (d.tag === ((fp ^ tagFlip) | 0x80000000 /* DC_TAG_CS32 */) && view.getInt32(fp, true) === d.w0
            && (info < 1 << 23 /* one word: DI_WORDS_SHIFT + 1 */ || this.moreWordsMatch(fp, d, info))) {
            const len = (info >>> 18 /* DI_LEN_SHIFT */) & 15;
            this.fp = fp + len;
            this.eip = (start + len) | 0;
            const pfx = info & 0x1fe00 /* DI_PREFIXES */;
            if (pfx !== this.prefixState) this.setPrefixState(pfx);
            if (info & 0x20000 /* DI_MODRM */) this.setOperand(d);
            const tf = this.flagsReg & 0x100 /* TF */;
            d.run(this);
            if (tf) this.singleStepTrap();
            if (this.attention === true) break;
            continue;
          }
        }
        this.fp = fp;
        this.decodeAndRun(start, fp);
        if (this.attention === true) break;
      }
    } catch (e) {
      if (e !== FAULT) throw e;
      this.handleFault();
    } finally {
      counters[0] += this.chunkDone;
      this.chunkDone = 0;
    }
  }

  /** Decode and execute one instruction (tests and debuggers; the run loop has its own copy). */
  step(): void {
    const start = this.eip;
    this.startEip = start;
    this.startEsp = this.regs[ESP]!;
    this.beginFetch();
    this.decodeAndRun(start, this.fp);
  }

  /** Words 2 and 3 of a cached instruction's code bytes are unchanged. */
  private moreWordsMatch(fp: number, d: DecodedInsn, info: number): boolean {
    const view = this.view;
    return view.getInt32(fp + 4, true) === d.w1 && (info >>> DI_WORDS_SHIFT < 3 || view.getInt32(fp + 8, true) === d.w2);
  }

  /** Operand size, address size, segment override, REP and LOCK of a cached instruction. */
  private setPrefixState(pfx: number): void {
    this.prefixState = pfx;
    this.o32 = (pfx & DI_O32) !== 0;
    this.a32 = (pfx & DI_A32) !== 0;
    this.segOvr = ((pfx >>> DI_SEG_SHIFT) & 7) - 1;
    this.rep = REP_BYTE[(pfx >>> DI_REP_SHIFT) & 3]!;
    this.lockPfx = (pfx & DI_LOCK) !== 0;
  }

  /** ModR/M and effective address of a cached instruction, from its recorded address form. */
  private setOperand(d: DecodedInsn): void {
    const ea = d.ea;
    const m = ea & 0xff;
    this.modrm = m;
    if (m < 0xc0) {
      const r = this.regs;
      const base = (ea >>> 8) & 15;
      const idx = (ea >>> 12) & 15;
      let off = d.disp;
      if (base !== 8) off = (off + r[base]!) | 0;
      if (idx !== 8) off = (off + (r[idx]! << ((ea >>> 16) & 3))) | 0;
      this.eaOff = this.a32 === true ? off : off & 0xffff;
      this.eaSeg = ea >>> 20; // DE_SEG_SHIFT
    }
  }

  /** The single-step trap after an instruction that began with TF set (SDM vol. 3 §17.3.1.4). */
  private singleStepTrap(): void {
    this.dr[6] |= 0x4000;
    this.deliverEvent(EXC_DB, false, 0);
  }

  /** Decode the instruction at EIP (fast fetch pointer `fp`, or -1), enter it in the cache when it can be, run it. */
  private decodeAndRun(start: number, fp: number): void {
    const cs32 = this.cs32;
    let o32 = cs32;
    let a32 = cs32;
    let segOvr = -1;
    let rep = 0;
    let lock = false;
    let prefixes = 0;
    let b = this.fetch8();
    if (IS_PREFIX[b] === 1) for (;;) {
      switch (b) {
        case 0x66: o32 = !cs32; break;
        case 0x67: a32 = !cs32; break;
        case 0x26: segOvr = ES; break;
        case 0x2e: segOvr = CS; break;
        case 0x36: segOvr = SS; break;
        case 0x3e: segOvr = DS; break;
        case 0x64: segOvr = FS; break;
        case 0x65: segOvr = GS; break;
        case 0xf0: lock = true; break;
        case 0xf2:
        case 0xf3: rep = b; break;
        default: prefixes = -prefixes - 1; break;
      }
      if (prefixes < 0) break;
      if (++prefixes === 4) {
        // Enforce the 15-byte limit (SDM vol. 2 §2.3.11) only when prefixes make it reachable.
        const lim = (start >>> 0) + 14;
        if (lim < this.fetchLim[0]!) this.fetchLim[0] = lim;
        this.fetchCheck = true;
        this.fp = -1;
      }
      b = this.fetch8();
    }
    if (b === 0x0f) b = 0x100 | this.fetch8();
    this.o32 = o32;
    this.a32 = a32;
    this.segOvr = segOvr;
    this.rep = rep;
    this.lockPfx = lock;
    this.prefixState = -1;
    const hasModrm = HAS_MODRM[b] === 1;
    if (hasModrm) this.decodeModrm();
    if (lock && !this.lockAllowed(b)) this.ud();
    const code = (o32 ? 512 : 0) | b;
    if (fp >= 0 && prefixes > -5) this.enterDecoded(fp, code, hasModrm);
    const tf = this.flagsReg & TF;
    HANDLERS[code]!(this);
    if (prefixes <= -5) this.restoreFetchLimit();
    if (tf) this.singleStepTrap();
  }

  /** Remember how the instruction at physical `fp` decoded (all of it came through the fast fetch pointer). */
  private enterDecoded(fp: number, code: number, hasModrm: boolean): void {
    const len = this.fp - fp;
    // Tags need bit 31 (decoded-cache.ts DC_TAG_CS32), so only code below 2 GiB is cached.
    if (len > DC_MAX_LEN || len <= 0 || fp >= DC_TAG_CS32 >>> 0) return;
    const d = this.decoded.slotFor(fp);
    const words = (len + 3) >> 2;
    const rep = this.rep === 0 ? 0 : this.rep === 0xf2 ? 1 : 2;
    d.info = code | (this.a32 ? DI_A32 : 0) | ((this.segOvr + 1) << DI_SEG_SHIFT) | (rep << DI_REP_SHIFT)
      | (this.lockPfx ? DI_LOCK : 0) | (hasModrm ? DI_MODRM : 0) | (len << DI_LEN_SHIFT) | (words << DI_WORDS_SHIFT);
    const m = this.modrm;
    d.ea = hasModrm ? (m < 0xc0 ? m | (this.eaForm << 8) | (this.eaSeg << DE_SEG_SHIFT) : m) : 0;
    d.disp = this.eaDisp;
    const view = this.view;
    d.w0 = view.getInt32(fp, true);
    d.w1 = words > 1 ? view.getInt32(fp + 4, true) : 0;
    d.w2 = words > 2 ? view.getInt32(fp + 8, true) : 0;
    d.run = (hasModrm ? specializedHandler(code, m) : undefined) ?? HANDLERS[code]!;
    d.tag = this.cs32 ? fp | DC_TAG_CS32 : ~fp;
  }

  private lockAllowed(code: number): boolean {
    return lockAllowed(code, this.modrm);
  }

  private restoreFetchLimit(): void {
    this.fetchLim[0] = this.segLimit[CS]! >>> 0;
    this.fetchCheck = this.segLimit[CS] !== -1;
  }

  private handleFault(): void {
    this.eip = this.startEip;
    this.regs[ESP] = this.startEsp;
    this.restoreFetchLimit();
    this.lastException = this.faultVector;
    this.exceptionCount++;
    this.halted = false;
    this.deliverEvent(this.faultVector, this.faultHasCode, this.faultCode);
  }

  /** Deliver an exception or external interrupt, escalating to #DF and triple fault. */
  private deliverEvent(vector: number, hasCode: boolean, code: number): void {
    let v = vector;
    let has = hasCode;
    let c = code;
    for (let tries = 0; ; tries++) {
      const eip = this.eip;
      try {
        this.interrupt(v, false, has, c, 1);
        return;
      } catch (e) {
        if (e !== FAULT) throw e;
        this.eip = eip;
        const nv = this.faultVector;
        if (v === EXC_DF || tries > 8) {
          this.shutdownReason = 'triple-fault';
          this.attention = true;
          return;
        }
        if ((contributory(v) && contributory(nv)) || (v === 14 && (nv === 14 || contributory(nv)))) {
          v = EXC_DF;
          has = true;
          c = 0;
        } else {
          v = nv;
          has = this.faultHasCode;
          c = this.faultCode;
        }
      }
    }
  }
}

export type { StopReason };
export { DS, ES, FS, GS, SS };
