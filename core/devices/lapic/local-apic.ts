// The local APIC of the one CPU, xAPIC MMIO interface (Intel SDM vol. 3A ch. 10): ID,
// version, TPR/PPR, EOI (with the EOI broadcast to the I/O APIC for level-triggered
// vectors), ISR/TMR/IRR, SVR, ESR, the LVT (timer, thermal, perf, LINT0, LINT1, error),
// the timer in one-shot and periodic modes driven by the virtual clock, ICR self-IPIs and
// the IA32_APIC_BASE MSR.
//
// It is also the CPU's InterruptController in APIC mode, composed over the 8259 pair:
// - APIC globally disabled (MSR bit 11 clear): the APIC is bypassed and the PIC's INTR goes
//   straight to the CPU (SDM §10.4.3);
// - LVT LINT0 unmasked in ExtINT mode ("virtual wire", MP spec §3.6.2.2): the PIC's INTR
//   passes through and INTA is answered by the PIC;
// - otherwise only APIC-delivered vectors (I/O APIC, timer, IPIs) reach the CPU.
// So a builder choosing "PIC only" hands the CPU the PicPair itself; in APIC mode it hands
// it this object, and Linux can move between virtual wire and I/O APIC routing at run time.
import type { AccessSize, InterruptController, MmioDevice, TimerHandle, VirtualClock } from '../../bus';
import { checkState, DeviceStateError, stateNumber } from '../types';
import { LAPIC_STATE_VERSION, type LapicState } from './state';

export interface LocalApicOptions {
  clock: VirtualClock;
  /** The 8259 pair behind LINT0 (ExtINT) and behind a globally disabled APIC. */
  extInt?: InterruptController;
  apicId?: number;
  /** Physical base (default 0xFEE00000). */
  base?: number;
  /** Bootstrap processor flag in IA32_APIC_BASE (default true). */
  bsp?: boolean;
  /** The timer's input clock before the divider, in Hz (default 100 MHz bus clock). */
  timerHz?: number;
  /** EOI of a level-triggered vector (TMR set): broadcast to the I/O APIC. */
  onEoi?: (vector: number) => void;
  /** An NMI was delivered (LINT1 or an ICR NMI to self). */
  onNmi?: () => void;
  /** IA32_APIC_BASE moved the MMIO window; the builder remaps it. */
  onRelocate?: (base: number) => void;
  /**
   * Start with LINT0 = ExtINT, unmasked, as a BIOS leaves the BSP (QEMU does the same for
   * direct kernel boot). Default: the value of `bsp`.
   */
  virtualWireAtReset?: boolean;
}

// Register offsets (SDM Table 10-1).
const REG_ID = 0x020;
const REG_VERSION = 0x030;
const REG_TPR = 0x080;
const REG_APR = 0x090;
const REG_PPR = 0x0a0;
const REG_EOI = 0x0b0;
const REG_RRD = 0x0c0;
const REG_LDR = 0x0d0;
const REG_DFR = 0x0e0;
const REG_SVR = 0x0f0;
const REG_ISR = 0x100;
const REG_TMR = 0x180;
const REG_IRR = 0x200;
const REG_ESR = 0x280;
const REG_ICR_LO = 0x300;
const REG_ICR_HI = 0x310;
const REG_LVT_TIMER = 0x320;
const REG_LVT_THERMAL = 0x330;
const REG_LVT_PERF = 0x340;
const REG_LVT_LINT0 = 0x350;
const REG_LVT_LINT1 = 0x360;
const REG_LVT_ERROR = 0x370;
const REG_TIMER_INITIAL = 0x380;
const REG_TIMER_CURRENT = 0x390;
const REG_TIMER_DIVIDE = 0x3e0;

/** Version 0x14 (integrated xAPIC), max LVT entry 5 (six entries). */
const VERSION = 0x0005_0014;
const LVT_MASK = 0x1_0000;
const LVT_COUNT = 6;
/** LVT index by register: timer, thermal, perf, LINT0, LINT1, error. */
const LVT_REGS = [REG_LVT_TIMER, REG_LVT_THERMAL, REG_LVT_PERF, REG_LVT_LINT0, REG_LVT_LINT1, REG_LVT_ERROR];
const LVT_WRITABLE = [0x7_00ff, 0x1_07ff, 0x1_07ff, 0x1_a7ff, 0x1_a7ff, 0x1_00ff];
const LVT_TIMER = 0;
const LVT_LINT0 = 3;
const LVT_LINT1 = 4;
const LVT_ERROR = 5;

const DELIVERY_FIXED = 0;
const DELIVERY_LOWEST = 1;
const DELIVERY_NMI = 4;
const DELIVERY_EXTINT = 7;

const ESR_SEND_ILLEGAL = 0x20;
const ESR_RECEIVE_ILLEGAL = 0x40;
const ESR_ILLEGAL_REGISTER = 0x80;

const MSR_BSP = 0x100;
const MSR_ENABLE = 0x800;

const noPic: InterruptController = { hasInterrupt: () => false, acknowledge: () => 0 };

export class LocalApic implements MmioDevice, InterruptController {
  private readonly clock: VirtualClock;
  private readonly extInt: InterruptController;
  private readonly timerHz: number;
  private readonly options: LocalApicOptions;

  private apicBase: number;
  private globallyEnabled = true;
  private id: number;
  private tpr = 0;
  private ldr = 0;
  private dfr = 0xffffffff;
  private svr = 0xff;
  private readonly irr = new Uint32Array(8);
  private readonly isr = new Uint32Array(8);
  private readonly tmr = new Uint32Array(8);
  private esr = 0;
  private esrPending = 0;
  private icrLo = 0;
  private icrHi = 0;
  private readonly lvt = new Uint32Array(LVT_COUNT);
  private divideConfig = 0;
  private timerInitial = 0;
  /** Guest time when the current count was `timerInitial` (tick phase 0). */
  private timerStartNs = 0;
  private timer: TimerHandle | undefined;
  /** An ExtINT message from the I/O APIC (virtual wire through pin 0) awaits INTA. */
  private extIntMessage = false;
  /** Cache of `deliverableVector` for the per-instruction `hasInterrupt`; cleared on any change. */
  private cachedVector = -1;
  private cacheValid = false;
  /** LVT LINT0 is unmasked ExtINT: the 8259's INTR passes through. */
  private lint0ExtInt = false;

  constructor(options: LocalApicOptions) {
    this.options = options;
    this.clock = options.clock;
    this.extInt = options.extInt ?? noPic;
    this.timerHz = options.timerHz ?? 100_000_000;
    if (!(this.timerHz > 0)) throw new RangeError(`lapic: timer frequency ${this.timerHz} must be positive`);
    this.id = (options.apicId ?? 0) & 0xff;
    this.apicBase = (options.base ?? 0xfee00000) & 0xfffff000;
    this.resetRegisters();
  }

  private resetRegisters(): void {
    this.tpr = 0;
    this.ldr = 0;
    this.dfr = 0xffffffff;
    this.svr = 0xff;
    this.irr.fill(0);
    this.isr.fill(0);
    this.tmr.fill(0);
    this.esr = this.esrPending = 0;
    this.icrLo = this.icrHi = 0;
    this.lvt.fill(LVT_MASK);
    if (this.options.virtualWireAtReset ?? this.options.bsp ?? true) this.lvt[LVT_LINT0] = DELIVERY_EXTINT << 8;
    this.divideConfig = 0;
    this.timerInitial = 0;
    this.timer?.cancel();
    this.timer = undefined;
    this.extIntMessage = false;
    this.invalidate();
    this.syncLint0();
  }

  // ---- the CPU's view ----------------------------------------------------------------

  get base(): number {
    return this.apicBase;
  }

  get softwareEnabled(): boolean {
    return (this.svr & 0x100) !== 0;
  }

  /** IA32_APIC_BASE (MSR 0x1B), low 32 bits; the high bits are 0 on this 32-bit machine. */
  readApicBaseMsr(): number {
    return (this.apicBase | ((this.options.bsp ?? true) ? MSR_BSP : 0) | (this.globallyEnabled ? MSR_ENABLE : 0)) >>> 0;
  }

  writeApicBaseMsr(value: number): void {
    const enable = (value & MSR_ENABLE) !== 0;
    if (this.globallyEnabled && !enable) {
      // Globally disabling returns the APIC to its power-up state (SDM §10.4.3).
      this.resetRegisters();
    }
    this.globallyEnabled = enable;
    const base = value & 0xfffff000;
    if ((base >>> 0) !== (this.apicBase >>> 0)) {
      this.apicBase = base >>> 0;
      this.options.onRelocate?.(this.apicBase);
    }
  }

  private extIntPassesThrough(): boolean {
    return this.lint0ExtInt;
  }

  private syncLint0(): void {
    const lint0 = this.lvt[LVT_LINT0]!;
    this.lint0ExtInt = (lint0 & LVT_MASK) === 0 && ((lint0 >> 8) & 7) === DELIVERY_EXTINT;
  }

  private deliverableVector(): number {
    if (this.cacheValid) return this.cachedVector;
    let result = -1;
    if (this.softwareEnabled) {
      const v = highestBit(this.irr);
      if (v >= 0 && (v & 0xf0) > (this.ppr() & 0xf0)) result = v;
    }
    this.cachedVector = result;
    this.cacheValid = true;
    return result;
  }

  /** IRR, ISR, TPR or SVR changed. */
  private invalidate(): void {
    this.cacheValid = false;
  }

  hasInterrupt(): boolean {
    if (!this.globallyEnabled) return this.extInt.hasInterrupt();
    if (this.deliverableVector() >= 0) return true;
    if (this.extIntMessage) return true;
    return this.extIntPassesThrough() && this.extInt.hasInterrupt();
  }

  acknowledge(): number {
    if (!this.globallyEnabled) return this.extInt.acknowledge();
    const v = this.deliverableVector();
    if (v >= 0) {
      clearBit(this.irr, v);
      setBit(this.isr, v);
      this.invalidate();
      return v;
    }
    if (this.extIntMessage || (this.extIntPassesThrough() && this.extInt.hasInterrupt())) {
      // ExtINT: the vector comes from the 8259's INTA cycle; ISR is not touched (SDM §10.5.1).
      this.extIntMessage = false;
      return this.extInt.acknowledge();
    }
    // The interrupt went away (TPR raised meanwhile): the spurious vector, no ISR bit (SDM §10.9).
    return this.svr & 0xff;
  }

  /** A message from the I/O APIC (or an IPI): fixed/lowest-priority vector, NMI or ExtINT. */
  /** `vector` waits in the IRR: accepted, not yet taken by the CPU. */
  requested(vector: number): boolean {
    return ((this.irr[(vector >> 5) & 7]! >>> (vector & 31)) & 1) === 1;
  }

  acceptInterrupt(vector: number, levelTriggered: boolean, deliveryMode = DELIVERY_FIXED): void {
    if (!this.globallyEnabled) return;
    switch (deliveryMode & 7) {
      case DELIVERY_FIXED:
      case DELIVERY_LOWEST:
        break;
      case DELIVERY_NMI:
        this.options.onNmi?.();
        return;
      case DELIVERY_EXTINT:
        this.extIntMessage = true;
        return;
      default:
        return; // SMI, INIT, start-up: nothing to do for the one CPU here
    }
    vector &= 0xff;
    if (vector < 16) {
      this.signalError(ESR_RECEIVE_ILLEGAL);
      return;
    }
    setBit(this.irr, vector);
    if (levelTriggered) setBit(this.tmr, vector);
    else clearBit(this.tmr, vector);
    this.invalidate();
  }

  /** LINT1 as an input pin (NMI on the PC). LINT0's level comes from `extInt`. */
  setLint1(level: boolean): void {
    const lvt = this.lvt[LVT_LINT1]!;
    if (!level || lvt & LVT_MASK) return;
    const mode = (lvt >> 8) & 7;
    if (mode === DELIVERY_NMI) this.options.onNmi?.();
    else if (mode === DELIVERY_FIXED) this.acceptInterrupt(lvt & 0xff, false);
  }

  private ppr(): number {
    const isrv = highestBit(this.isr);
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr & 0xff : isrClass;
  }

  private eoi(): void {
    const v = highestBit(this.isr);
    if (v < 0) return;
    clearBit(this.isr, v);
    this.invalidate();
    if (testBit(this.tmr, v)) this.options.onEoi?.(v);
  }

  private signalError(bit: number): void {
    this.esrPending |= bit;
    const lvt = this.lvt[LVT_ERROR]!;
    if (!(lvt & LVT_MASK) && (lvt & 0xff) >= 16) {
      setBit(this.irr, lvt & 0xff);
      clearBit(this.tmr, lvt & 0xff);
      this.invalidate();
    }
  }

  // ---- MMIO ----------------------------------------------------------------------

  readMmio(offset: number, size: AccessSize): number {
    const reg = offset & 0xff0;
    const word = this.readRegister(reg) >>> 0;
    const shift = (offset & 3) * 8;
    const v = word >>> shift;
    return size === 4 ? v >>> 0 : size === 2 ? v & 0xffff : v & 0xff;
  }

  writeMmio(offset: number, size: AccessSize, value: number): void {
    const reg = offset & 0xff0;
    let v = value >>> 0;
    if (size !== 4 || (offset & 0xf) !== 0) {
      // Registers are 32 bits wide; a narrower write merges into the current value.
      const shift = (offset & 3) * 8;
      const mask = (size === 2 ? 0xffff : size === 1 ? 0xff : 0xffffffff) << shift;
      v = ((this.readRegister(reg) & ~mask) | ((v << shift) & mask)) >>> 0;
    }
    this.writeRegister(reg, v);
  }

  private readRegister(reg: number): number {
    if (reg >= REG_ISR && reg < REG_ISR + 0x80) return this.isr[(reg - REG_ISR) >> 4]!;
    if (reg >= REG_TMR && reg < REG_TMR + 0x80) return this.tmr[(reg - REG_TMR) >> 4]!;
    if (reg >= REG_IRR && reg < REG_IRR + 0x80) return this.irr[(reg - REG_IRR) >> 4]!;
    const lvtIndex = LVT_REGS.indexOf(reg);
    if (lvtIndex >= 0) return this.lvt[lvtIndex]!;
    switch (reg) {
      case REG_ID:
        return this.id << 24;
      case REG_VERSION:
        return VERSION;
      case REG_TPR:
        return this.tpr;
      case REG_APR:
      case REG_RRD:
        return 0;
      case REG_PPR:
        return this.ppr();
      case REG_LDR:
        return this.ldr;
      case REG_DFR:
        return this.dfr | 0x0fffffff;
      case REG_SVR:
        return this.svr;
      case REG_ESR:
        return this.esr;
      case REG_ICR_LO:
        return this.icrLo & ~0x1000; // delivery status: always idle
      case REG_ICR_HI:
        return this.icrHi;
      case REG_TIMER_INITIAL:
        return this.timerInitial;
      case REG_TIMER_CURRENT:
        return this.currentCount();
      case REG_TIMER_DIVIDE:
        return this.divideConfig;
      default:
        return 0;
    }
  }

  private writeRegister(reg: number, v: number): void {
    const lvtIndex = LVT_REGS.indexOf(reg);
    if (lvtIndex >= 0) {
      let value = v & LVT_WRITABLE[lvtIndex]!;
      // Remote IRR and delivery status are read-only.
      value |= this.lvt[lvtIndex]! & 0x5000 & ~LVT_WRITABLE[lvtIndex]!;
      if (!this.softwareEnabled) value |= LVT_MASK; // SDM §10.4.7.2
      this.lvt[lvtIndex] = value;
      if (lvtIndex === LVT_LINT0) this.syncLint0();
      if (lvtIndex === LVT_TIMER) this.rearmTimer();
      return;
    }
    switch (reg) {
      case REG_ID:
        this.id = (v >>> 24) & 0xff;
        break;
      case REG_TPR:
        this.tpr = v & 0xff;
        this.invalidate();
        break;
      case REG_EOI:
        this.eoi();
        break;
      case REG_LDR:
        this.ldr = v & 0xff000000;
        break;
      case REG_DFR:
        this.dfr = (v | 0x0fffffff) >>> 0;
        break;
      case REG_SVR: {
        this.svr = v & 0x3ff;
        this.invalidate();
        if (!this.softwareEnabled) for (let i = 0; i < LVT_COUNT; i++) this.lvt[i]! |= LVT_MASK;
        this.syncLint0();
        break;
      }
      case REG_ESR:
        // A write latches the errors seen since the last write (SDM §10.5.3).
        this.esr = this.esrPending;
        this.esrPending = 0;
        break;
      case REG_ICR_LO:
        this.icrLo = v & 0x000ccfff;
        this.sendIpi();
        break;
      case REG_ICR_HI:
        this.icrHi = v & 0xff000000;
        break;
      case REG_TIMER_INITIAL:
        this.timerInitial = v >>> 0;
        this.timerStartNs = this.clock.now();
        this.rearmTimer();
        break;
      case REG_TIMER_DIVIDE: {
        const current = this.currentCount();
        const running = this.timerInitial !== 0 && current !== 0;
        this.divideConfig = v & 0x0b;
        if (running) {
          // Keep the count where it is and go on at the new rate.
          this.timerStartNs = this.clock.now() - ((this.timerInitial - current) * this.tickNs());
          this.rearmTimer();
        }
        break;
      }
      default:
        if (reg !== REG_VERSION && reg !== REG_PPR && reg !== REG_APR && reg !== REG_RRD && reg !== REG_TIMER_CURRENT) {
          if (reg < REG_ISR || reg >= REG_IRR + 0x80) this.signalError(ESR_ILLEGAL_REGISTER);
        }
    }
  }

  private sendIpi(): void {
    const lo = this.icrLo;
    const vector = lo & 0xff;
    const mode = (lo >> 8) & 7;
    const shorthand = (lo >> 18) & 3;
    const dest = this.icrHi >>> 24;
    let toSelf: boolean;
    if (shorthand === 1 || shorthand === 2) toSelf = true;
    else if (shorthand === 3) toSelf = false;
    else if (lo & 0x800) toSelf = ((this.ldr >>> 24) & dest) !== 0; // logical, flat model
    else toSelf = dest === this.id || dest === 0xff;
    if ((mode === DELIVERY_FIXED || mode === DELIVERY_LOWEST) && vector < 16) {
      this.signalError(ESR_SEND_ILLEGAL);
      return;
    }
    if (!toSelf) return; // no other CPUs
    if (mode === DELIVERY_FIXED || mode === DELIVERY_LOWEST) this.acceptInterrupt(vector, false);
    else if (mode === DELIVERY_NMI) this.options.onNmi?.();
  }

  // ---- timer ---------------------------------------------------------------------

  private divisor(): number {
    const d = this.divideConfig;
    const code = (d & 3) | ((d >> 1) & 4);
    return code === 7 ? 1 : 2 << code;
  }

  private tickNs(): number {
    return (1e9 * this.divisor()) / this.timerHz;
  }

  private get periodic(): boolean {
    return ((this.lvt[LVT_TIMER]! >> 17) & 3) === 1;
  }

  private elapsedTicks(now: number): number {
    return Math.floor((now - this.timerStartNs) / this.tickNs());
  }

  private currentCount(): number {
    if (this.timerInitial === 0) return 0;
    const e = this.elapsedTicks(this.clock.now());
    if (this.periodic) return this.timerInitial - (e % this.timerInitial);
    return Math.max(0, this.timerInitial - e);
  }

  /**
   * Schedule the timer's next expiry. In periodic mode the period after a delivered one
   * follows it even when the host was late, one per timer pass (the guest can take each and
   * its tick count keeps pace with guest time); more than a second behind, it resynchronises.
   */
  private rearmTimer(afterPeriod?: number): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.timerInitial === 0) return;
    const now = this.clock.now();
    const e = this.elapsedTicks(now);
    const periodNs = this.timerInitial * this.tickNs();
    let k: number;
    if (this.periodic) {
      k = Math.floor(e / this.timerInitial) + 1;
      if (afterPeriod !== undefined && afterPeriod + 1 < k && now - (this.timerStartNs + (afterPeriod + 1) * periodNs) < 1e9) k = afterPeriod + 1;
    } else if (e < this.timerInitial) k = 1;
    else return;
    const deadline = Math.max(Math.ceil(this.timerStartNs + k * periodNs), now + 1);
    this.timer = this.clock.schedule(deadline, () => {
      this.timer = undefined;
      const lvt = this.lvt[LVT_TIMER]!;
      if (!(lvt & LVT_MASK)) this.acceptInterrupt(lvt & 0xff, false);
      if (this.periodic) this.rearmTimer(k);
    });
  }

  // ---- saved state ---------------------------------------------------------------

  save(): LapicState {
    return {
      version: LAPIC_STATE_VERSION,
      apicBase: this.apicBase,
      globallyEnabled: this.globallyEnabled,
      id: this.id,
      tpr: this.tpr,
      ldr: this.ldr,
      dfr: this.dfr,
      svr: this.svr,
      irr: Array.from(this.irr),
      isr: Array.from(this.isr),
      tmr: Array.from(this.tmr),
      esr: this.esr,
      esrPending: this.esrPending,
      icrLo: this.icrLo,
      icrHi: this.icrHi,
      lvt: Array.from(this.lvt),
      divideConfig: this.divideConfig,
      timerInitial: this.timerInitial,
      timerStartNs: this.timerStartNs,
      extIntMessage: this.extIntMessage,
    };
  }

  restore(state: LapicState): void {
    checkState('lapic', state, LAPIC_STATE_VERSION);
    const n = (f: string): number => stateNumber('lapic', state, f);
    const words = (a: unknown, len: number, field: string): number[] => {
      if (!Array.isArray(a) || a.length !== len) throw new DeviceStateError(`lapic: saved state field ${field} needs ${len} words`);
      return a.map((x) => Number(x) >>> 0);
    };
    this.irr.set(words(state.irr, 8, 'irr'));
    this.isr.set(words(state.isr, 8, 'isr'));
    this.tmr.set(words(state.tmr, 8, 'tmr'));
    this.lvt.set(words(state.lvt, LVT_COUNT, 'lvt'));
    this.apicBase = n('apicBase') & 0xfffff000;
    this.globallyEnabled = !!state.globallyEnabled;
    this.id = n('id') & 0xff;
    this.tpr = n('tpr') & 0xff;
    this.ldr = n('ldr') & 0xff000000;
    this.dfr = (n('dfr') | 0x0fffffff) >>> 0;
    this.svr = n('svr') & 0x3ff;
    this.esr = n('esr') & 0xff;
    this.esrPending = n('esrPending') & 0xff;
    this.icrLo = n('icrLo') & 0x000ccfff;
    this.icrHi = n('icrHi') & 0xff000000;
    this.divideConfig = n('divideConfig') & 0x0b;
    this.timerInitial = n('timerInitial') >>> 0;
    this.timerStartNs = n('timerStartNs');
    this.extIntMessage = !!state.extIntMessage;
    this.invalidate();
    this.syncLint0();
    this.rearmTimer();
  }
}

function highestBit(words: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const w = words[i]!;
    if (w !== 0) return i * 32 + 31 - Math.clz32(w);
  }
  return -1;
}

function setBit(words: Uint32Array, v: number): void {
  words[v >> 5]! |= 1 << (v & 31);
}

function clearBit(words: Uint32Array, v: number): void {
  words[v >> 5]! &= ~(1 << (v & 31));
}

function testBit(words: Uint32Array, v: number): boolean {
  return (words[v >> 5]! & (1 << (v & 31))) !== 0;
}
