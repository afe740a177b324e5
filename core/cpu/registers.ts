// Register file of the core: GPRs, EIP, segment selectors and their descriptor caches,
// control/debug registers, and EFLAGS with lazily computed arithmetic flags.
// Lazy flags: ADD/ADC/SUB/SBB/CMP/logic/INC/DEC record operands and result; a flag is
// computed only when read (Jcc, PUSHF, ...). Everything else sets flags directly.
import { AF, ARITH, CF, OF, PF, SF, ZF } from './constants';

/** Parity flag lookup: PARITY[b] = PF when the byte has an even number of one bits. */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let n = 0;
  for (let b = i; b; b >>= 1) n += b & 1;
  PARITY[i] = n & 1 ? 0 : PF;
}

export const LZ_ADD = 0;
export const LZ_ADC = 1;
export const LZ_SUB = 2;
export const LZ_SBB = 3;
export const LZ_LOGIC = 4;
if (CF !== 0x1 || PF !== 0x4 || AF !== 0x10 || ZF !== 0x40 || SF !== 0x80 || OF !== 0x800 || ARITH !== 0x8d5) {
  throw new Error('cpu: the lazy-flag code\'s literal flag bits differ from constants.ts');
}

// Descriptor-cache attribute bits (our own packing of the descriptor's access byte and flags).
export const ATTR_TYPE = 0x0f; // descriptor type field (bit 0 accessed)
export const ATTR_S = 0x10; // code/data (not system)
export const ATTR_DPL_SHIFT = 5;
export const ATTR_P = 0x80;
export const ATTR_AVL = 0x1000;
export const ATTR_DB = 0x4000; // default operand size / stack size / expand-down upper bound
export const ATTR_G = 0x8000;

export class CpuRegisters {
  /** EAX ECX EDX EBX ESP EBP ESI EDI. */
  readonly regs = new Int32Array(8);
  eip = 0;
  /** Selector, base, limit (byte granular), attributes for ES CS SS DS FS GS LDTR TR. */
  readonly segSel = new Int32Array(8);
  readonly segBase = new Int32Array(8);
  readonly segLimit = new Int32Array(8);
  readonly segAttr = new Int32Array(8);
  /** Valid offset ranges for reads and writes per segment (unsigned, inclusive); empty = fault. */
  readonly segRLo = new Float64Array(8);
  readonly segRHi = new Float64Array(8);
  readonly segWLo = new Float64Array(8);
  readonly segWHi = new Float64Array(8);
  gdtBase = 0;
  gdtLimit = 0;
  idtBase = 0;
  idtLimit = 0x3ff;
  /** CR0..CR4 (CR1 reserved). */
  readonly cr = new Int32Array(5);
  readonly dr = new Int32Array(8);
  cpl = 0;

  /** EFLAGS, with the bits in `lazy` stale (to be computed from lz*). */
  flagsReg = 2;
  lazy = 0;
  lzOp = 0;
  lzA = 0;
  lzB = 0;
  lzR = 0;
  /** Sign bit and width mask of the lazily recorded operation. */
  lzSign = 0;
  lzMask = 0;
  lzCarry = 0;

  // ---- 8/16-bit register views ----
  getReg8(r: number): number {
    return r < 4 ? this.regs[r]! & 0xff : (this.regs[r - 4]! >> 8) & 0xff;
  }
  setReg8(r: number, v: number): void {
    if (r < 4) this.regs[r] = (this.regs[r]! & ~0xff) | (v & 0xff);
    else this.regs[r - 4] = (this.regs[r - 4]! & ~0xff00) | ((v & 0xff) << 8);
  }
  getReg16(r: number): number {
    return this.regs[r]! & 0xffff;
  }
  setReg16(r: number, v: number): void {
    this.regs[r] = (this.regs[r]! & ~0xffff) | (v & 0xffff);
  }

  // ---- lazy flags ----
  // Every ALU instruction and every Jcc runs these, so the flag and operation constants are
  // literals (named in comments, checked at load above): V8 folds no module-level constant.
  /** Record an ADD/SUB/logic result; `sign` is 0x80, 0x8000 or 0x80000000|0. */
  setLazy(op: number, a: number, b: number, r: number, sign: number): void {
    this.lzOp = op;
    this.lzA = a;
    this.lzB = b;
    this.lzR = r;
    this.lzSign = sign;
    this.lzMask = (sign << 1) - 1;
    this.lazy = 0x8d5 /* ARITH */;
  }
  /** INC/DEC: like ADD/SUB with 1, but CF is kept. */
  setLazyKeepCF(op: number, a: number, r: number, sign: number): void {
    if (this.lazy & 0x1 /* CF */) this.flagsReg = (this.flagsReg & ~0x1 /* CF */) | (this.computeCF() ? 0x1 /* CF */ : 0);
    this.lzOp = op;
    this.lzA = a;
    this.lzB = 1;
    this.lzR = r;
    this.lzSign = sign;
    this.lzMask = (sign << 1) - 1;
    this.lazy = 0x8d5 /* ARITH */ & ~0x1 /* CF */;
  }
  private computeCF(): boolean {
    const m = this.lzMask;
    switch (this.lzOp) {
      case 0 /* LZ_ADD */:
        return (this.lzR & m) >>> 0 < (this.lzA & m) >>> 0;
      case 1 /* LZ_ADC */:
        return this.lzCarry ? (this.lzR & m) >>> 0 <= (this.lzA & m) >>> 0 : (this.lzR & m) >>> 0 < (this.lzA & m) >>> 0;
      case 2 /* LZ_SUB */:
        return (this.lzA & m) >>> 0 < (this.lzB & m) >>> 0;
      case 3 /* LZ_SBB */:
        return this.lzCarry ? (this.lzA & m) >>> 0 <= (this.lzB & m) >>> 0 : (this.lzA & m) >>> 0 < (this.lzB & m) >>> 0;
      default:
        return false;
    }
  }
  private computeOF(): boolean {
    switch (this.lzOp) {
      case 0 /* LZ_ADD */:
      case 1 /* LZ_ADC */:
        return ((this.lzA ^ this.lzR) & (this.lzB ^ this.lzR) & this.lzSign) !== 0;
      case 2 /* LZ_SUB */:
      case 3 /* LZ_SBB */:
        return ((this.lzA ^ this.lzB) & (this.lzA ^ this.lzR) & this.lzSign) !== 0;
      default:
        return false;
    }
  }
  getCF(): boolean {
    return this.lazy & 0x1 /* CF */ ? this.computeCF() : (this.flagsReg & 0x1 /* CF */) !== 0;
  }
  getZF(): boolean {
    return this.lazy & 0x40 /* ZF */ ? (this.lzR & this.lzMask) === 0 : (this.flagsReg & 0x40 /* ZF */) !== 0;
  }
  getSF(): boolean {
    return this.lazy & 0x80 /* SF */ ? (this.lzR & this.lzSign) !== 0 : (this.flagsReg & 0x80 /* SF */) !== 0;
  }
  getOF(): boolean {
    return this.lazy & 0x800 /* OF */ ? this.computeOF() : (this.flagsReg & 0x800 /* OF */) !== 0;
  }
  getPF(): boolean {
    return this.lazy & 0x4 /* PF */ ? PARITY[this.lzR & 0xff] !== 0 : (this.flagsReg & 0x4 /* PF */) !== 0;
  }
  getAF(): boolean {
    if (this.lazy & 0x10 /* AF */) return this.lzOp === 4 /* LZ_LOGIC */ ? false : ((this.lzA ^ this.lzB ^ this.lzR) & 0x10) !== 0;
    return (this.flagsReg & 0x10 /* AF */) !== 0;
  }
  /** EFLAGS with every lazy flag computed (bit 1 set). */
  getFlags(): number {
    if (this.lazy !== 0) {
      let f = this.flagsReg & ~this.lazy;
      const l = this.lazy;
      if (l & 0x1 /* CF */ && this.computeCF()) f |= 0x1 /* CF */;
      if (l & 0x4 /* PF */ && PARITY[this.lzR & 0xff]) f |= 0x4 /* PF */;
      if (l & 0x10 /* AF */ && this.lzOp !== 4 /* LZ_LOGIC */ && (this.lzA ^ this.lzB ^ this.lzR) & 0x10) f |= 0x10 /* AF */;
      if (l & 0x40 /* ZF */ && (this.lzR & this.lzMask) === 0) f |= 0x40 /* ZF */;
      if (l & 0x80 /* SF */ && this.lzR & this.lzSign) f |= 0x80 /* SF */;
      if (l & 0x800 /* OF */ && this.computeOF()) f |= 0x800 /* OF */;
      this.flagsReg = f;
      this.lazy = 0;
    }
    return this.flagsReg | 2;
  }
  /** Set the bits in `mask` of EFLAGS to those of `value` (materializes lazy flags first). */
  setFlagBits(mask: number, value: number): void {
    if (this.lazy & mask) {
      if ((this.lazy & ~mask) !== 0) this.getFlags();
      else this.lazy = 0;
    }
    this.flagsReg = (this.flagsReg & ~mask) | (value & mask);
  }
  /** Set arithmetic flags from a result: ZF SF PF from `r` of width `sign`, plus CF/OF/AF given. */
  setSZP(r: number, sign: number, others: number, othersMask: number): void {
    const m = (sign << 1) - 1;
    let f = others & othersMask;
    if ((r & m) === 0) f |= 0x40 /* ZF */;
    if (r & sign) f |= 0x80 /* SF */;
    f |= PARITY[r & 0xff]!;
    this.setFlagBits(0x40 /* ZF */ | 0x80 /* SF */ | 0x4 /* PF */ | othersMask, f);
  }
  setCF(v: boolean): void {
    this.setFlagBits(0x1 /* CF */, v ? 0x1 /* CF */ : 0);
  }
  /** Jcc/SETcc/CMOVcc condition 0..15. */
  cond(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0: r = this.getOF(); break;
      case 1: r = this.getCF(); break;
      case 2: r = this.getZF(); break;
      case 3: r = this.getCF() || this.getZF(); break;
      case 4: r = this.getSF(); break;
      case 5: r = this.getPF(); break;
      case 6: r = this.getSF() !== this.getOF(); break;
      default: r = this.getZF() || this.getSF() !== this.getOF(); break;
    }
    return (cc & 1) !== 0 ? !r : r;
  }
}
