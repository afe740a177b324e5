// Segment registers and descriptor tables: loading selectors in real, protected and
// virtual-8086 mode with the checks of SDM vol. 3 §5 (privilege, type, presence), the
// descriptor caches, and the stack/code-size state derived from them.
import { CR0_PE, CS, DS, ES, EXC_NP, EXC_SS, EXC_TS, FS, GS, IF, IOPL, SS, VM } from './constants';
import { CpuMmu } from './mmu';
import { ATTR_DB, ATTR_DPL_SHIFT, ATTR_P, ATTR_S } from './registers';

const NULLABLE = [ES, DS, FS, GS] as const;

export class CpuSegments extends CpuMmu {
  /** Code segment default size is 32 bits. */
  cs32 = false;
  /** 0xffff for a 16-bit stack, -1 for 32-bit. */
  stackMask = 0xffff;
  /** Descriptor read by `readDescriptor`. */
  descLo = 0;
  descHi = 0;
  /** Linear address of the descriptor read by `readDescriptor`. */
  descAddr = 0;

  get protectedMode(): boolean {
    return (this.cr[0]! & CR0_PE) !== 0;
  }
  get v86(): boolean {
    return (this.flagsReg & VM) !== 0;
  }
  get iopl(): number {
    return (this.flagsReg & IOPL) >> 12;
  }

  /** Recompute the checked offset ranges of a segment from its cache. */
  updateSegRanges(seg: number): void {
    const attr = this.segAttr[seg]!;
    const limit = this.segLimit[seg]! >>> 0;
    const real = !this.protectedMode || this.v86;
    if (!real && seg < 6 && seg !== CS && !(attr & ATTR_P)) {
      // Null selector (cache marked not present): every access faults (SDM vol. 3 §5.4.1).
      this.segRLo[seg] = 1; this.segRHi[seg] = 0; this.segWLo[seg] = 1; this.segWHi[seg] = 0;
      this.segFlat[seg] = 0;
      return;
    }
    let lo = 0;
    let hi = limit;
    const type = attr & 0xf;
    const isCode = (type & 8) !== 0;
    if (!real && !isCode && (type & 4) !== 0) {
      // Expand-down data: valid offsets are limit+1 .. 0xffff or 0xffffffff.
      lo = limit + 1;
      hi = attr & ATTR_DB ? 0xffffffff : 0xffff;
    }
    this.segRLo[seg] = lo;
    this.segRHi[seg] = hi;
    if (!real && ((isCode && (type & 2) === 0) || !(attr & ATTR_S))) { this.segRLo[seg] = 1; this.segRHi[seg] = 0; }
    if (!real && (isCode || (type & 2) === 0)) { this.segWLo[seg] = 1; this.segWHi[seg] = 0; }
    else { this.segWLo[seg] = lo; this.segWHi[seg] = hi; }
    this.segFlat[seg] = this.segBase[seg] === 0 && this.segRLo[seg] === 0 && this.segRHi[seg] === 0xffffffff && this.segWLo[seg] === 0 && this.segWHi[seg] === 0xffffffff ? 1 : 0;
    if (seg === CS) {
      this.attention = true;
      this.cs32 = !real && (attr & ATTR_DB) !== 0;
      this.fetchLim[0] = limit;
      this.fetchCheck = limit !== 0xffffffff;
    } else if (seg === SS) {
      this.stackMask = !real && attr & ATTR_DB ? -1 : 0xffff;
    }
  }

  /** Load a segment register the real-mode / v86 way: base = selector * 16. */
  loadSegReal(seg: number, sel: number): void {
    sel &= 0xffff;
    this.segSel[seg] = sel;
    this.segBase[seg] = sel << 4;
    if (this.v86) {
      this.segLimit[seg] = 0xffff;
      this.segAttr[seg] = ATTR_P | ATTR_S | (3 << ATTR_DPL_SHIFT) | (seg === CS ? 0xb : 3);
    } else {
      // Real mode keeps the limit (unreal mode) and makes the segment a present RW one.
      this.segAttr[seg] = (this.segAttr[seg]! & 0xf000 & (seg === CS ? ~ATTR_DB : -1)) | ATTR_P | ATTR_S | (seg === CS ? 0xb : 3);
    }
    this.updateSegRanges(seg);
  }

  /** Load a cache directly from descriptor words. */
  loadCache(seg: number, sel: number, lo: number, hi: number): void {
    this.segSel[seg] = sel & 0xffff;
    this.segBase[seg] = (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
    let limit = (lo & 0xffff) | (hi & 0xf0000);
    if (hi & 0x800000) limit = (limit << 12) | 0xfff;
    this.segLimit[seg] = limit;
    this.segAttr[seg] = (hi >>> 8) & 0xf0ff;
    this.updateSegRanges(seg);
  }

  /** Read the descriptor of `sel` into descLo/descHi; false when outside the GDT/LDT limit. */
  readDescriptor(sel: number): boolean {
    const off = sel & ~7;
    let base: number;
    let limit: number;
    if (sel & 4) {
      base = this.segBase[6]!;
      limit = this.segLimit[6]! >>> 0;
      if ((this.segSel[6]! & ~3) === 0) return false;
    } else {
      base = this.gdtBase;
      limit = this.gdtLimit >>> 0;
    }
    if (off + 7 > limit) return false;
    this.descAddr = (base + off) | 0;
    this.descLo = this.sysR32(this.descAddr);
    this.descHi = this.sysR32((this.descAddr + 4) | 0);
    return true;
  }
  setAccessed(): void {
    if ((this.descHi & 0x100) === 0) {
      this.descHi |= 0x100;
      this.sysW8((this.descAddr + 5) | 0, (this.descHi >> 8) & 0xff);
    }
  }

  /** MOV/POP/LxS to a segment register (not CS) in the current mode. */
  loadSeg(seg: number, sel: number): void {
    sel &= 0xffff;
    if (!this.protectedMode || this.v86) {
      this.loadSegReal(seg, sel);
      return;
    }
    const rpl = sel & 3;
    const cpl = this.cpl;
    if ((sel & ~3) === 0) {
      if (seg === SS) this.gp(0);
      this.segSel[seg] = sel;
      this.segAttr[seg] = 0;
      this.updateSegRanges(seg);
      return;
    }
    if (!this.readDescriptor(sel)) this.gp(sel & ~3);
    const hi = this.descHi;
    const type = (hi >> 8) & 0xf;
    const s = (hi & 0x1000) !== 0;
    const dpl = (hi >> 13) & 3;
    if (seg === SS) {
      if (rpl !== cpl || dpl !== cpl || !s || type & 8 || !(type & 2)) this.gp(sel & ~3);
      if (!(hi & 0x8000)) this.fault(EXC_SS, sel & ~3, true);
    } else {
      const isCode = (type & 8) !== 0;
      if (!s || (isCode && !(type & 2))) this.gp(sel & ~3);
      const conforming = isCode && (type & 4) !== 0;
      if (!conforming && (dpl < cpl || dpl < rpl)) this.gp(sel & ~3);
      if (!(hi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
    }
    this.setAccessed();
    this.loadCache(seg, sel, this.descLo, this.descHi);
  }

  /** After a privilege drop (RET/IRET outward): null data segments the new CPL may not use. */
  nullInaccessibleSegs(): void {
    for (const seg of NULLABLE) {
      const attr = this.segAttr[seg]!;
      const dpl = (attr >> ATTR_DPL_SHIFT) & 3;
      const conformingCode = (attr & 0xc) === 0xc;
      if ((this.segSel[seg]! & ~3) !== 0 && !conformingCode && dpl < this.cpl) {
        this.segSel[seg] = 0;
        this.segAttr[seg] = 0;
        this.updateSegRanges(seg);
      }
    }
  }

  /** Validate a new SS for a stack switch to privilege `dpl` (errors are #TS, SDM vol. 3 §6.12.1). */
  loadStackForPrivilege(sel: number, dpl: number): void {
    if ((sel & ~3) === 0) this.fault(EXC_TS, 0, true);
    if (!this.readDescriptor(sel)) this.fault(EXC_TS, sel & ~3, true);
    const hi = this.descHi;
    const type = (hi >> 8) & 0xf;
    if ((sel & 3) !== dpl || ((hi >> 13) & 3) !== dpl || !(hi & 0x1000) || type & 8 || !(type & 2)) this.fault(EXC_TS, sel & ~3, true);
    if (!(hi & 0x8000)) this.fault(EXC_SS, sel & ~3, true);
    this.setAccessed();
    this.loadCache(SS, sel, this.descLo, this.descHi);
  }

  /** Reload every segment cache after a mode change (real <-> protected). */
  refreshAllSegs(): void {
    for (let s = 0; s < 6; s++) this.updateSegRanges(s);
  }

  /** Interrupts are recognized (IF set). */
  get interruptsEnabled(): boolean {
    return (this.flagsReg & IF) !== 0;
  }

  /** #GP(0) unless CPL 0 (privileged instructions). */
  requireCpl0(): void {
    if (this.protectedMode && (this.cpl !== 0 || this.v86)) this.gp(0);
  }
}
