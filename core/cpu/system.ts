// Protected-mode control transfer: interrupt and exception delivery (real-mode IVT and
// protected-mode IDT gates, SDM vol. 3 §6.12), far JMP/CALL/RET through code segments,
// call gates and task gates, IRET (incl. return to virtual-8086 mode), hardware task
// switches with a 32-bit TSS (§7.3) and the I/O permission bitmap (vol. 1 §18.5).
import {
  AC, CR0_TS, CS, DS, EAX, EBP, EBX, ECX, EDI, EDX, ES, ESI, ESP, EXC_GP, EXC_NP, EXC_TS, FS, GS, IF, LDTR, NT,
  RF, SS, TF, TR, VM,
} from './constants';
import { CpuStack } from './stack';

const DATA_SEGS = [ES, DS, FS, GS] as const;
const TASK_JMP = 0;
const TASK_CALL = 1;
const TASK_IRET = 2;

export class CpuSystem extends CpuStack {
  /** Scratch for task switches (no allocation). */
  private readonly tssScratch = new Int32Array(32);

  /** Real-mode / v86 interrupt through the IVT. */
  private interruptReal(vector: number): void {
    const addr = vector << 2;
    if (addr + 3 > this.idtLimit >>> 0) this.gp(0);
    const ip = this.lr16((this.idtBase + addr) | 0);
    const cs = this.lr16((this.idtBase + addr + 2) | 0);
    this.push16(this.getFlags());
    this.push16(this.segSel[CS]!);
    this.push16(this.eip);
    this.flagsReg &= ~(IF | TF | AC | RF);
    this.loadSegReal(CS, cs);
    this.eip = ip;
  }

  /**
   * Deliver interrupt `vector`. EIP must already be the return address (the faulting
   * instruction for faults). `soft`: INT n / INT3 / INTO (gate DPL is checked, v86 IOPL).
   * `ext`: 1 when caused by an external event (sets EXT in error codes).
   */
  interrupt(vector: number, soft: boolean, hasCode: boolean, code: number, ext: number): void {
    if (!this.protectedMode) {
      this.interruptReal(vector);
      return;
    }
    if (soft && this.v86 && this.iopl < 3) this.gp(0);
    const idtErr = (vector << 3) | 2 | ext;
    if ((vector << 3) + 7 > this.idtLimit >>> 0) this.gp(idtErr);
    const gLo = this.sysR32((this.idtBase + (vector << 3)) | 0);
    const gHi = this.sysR32((this.idtBase + (vector << 3) + 4) | 0);
    const gType = (gHi >> 8) & 0x1f;
    const gDpl = (gHi >> 13) & 3;
    if (soft && gDpl < this.cpl) this.gp(idtErr);
    if (gType !== 5 && gType !== 6 && gType !== 7 && gType !== 0xe && gType !== 0xf) this.gp(idtErr);
    if (!(gHi & 0x8000)) this.fault(EXC_NP, idtErr, true);
    if (gType === 5) {
      this.taskSwitch(gLo >>> 16, TASK_CALL, this.eip);
      if (hasCode) {
        if (this.segAttr[TR]! & 8) this.push32(code);
        else this.push16(code);
      }
      return;
    }
    const gate32 = (gType & 8) !== 0;
    const sel = gLo >>> 16;
    const offset = gate32 ? (gLo & 0xffff) | (gHi & 0xffff0000) : gLo & 0xffff;
    if ((sel & ~3) === 0) this.gp(ext);
    if (!this.readDescriptor(sel)) this.gp((sel & ~3) | ext);
    const cLo = this.descLo;
    const cHi = this.descHi;
    const cType = (cHi >> 8) & 0x1f;
    const cDpl = (cHi >> 13) & 3;
    if ((cType & 0x18) !== 0x18 || cDpl > this.cpl) this.gp((sel & ~3) | ext);
    if (!(cHi & 0x8000)) this.fault(EXC_NP, (sel & ~3) | ext, true);
    const conforming = (cType & 4) !== 0;
    const oldFlags = this.getFlags();
    const oldCs = this.segSel[CS]!;
    const oldEip = this.eip;
    const wasV86 = (oldFlags & VM) !== 0;
    if (!conforming && cDpl < this.cpl) {
      if (wasV86 && cDpl !== 0) this.gp((sel & ~3) | ext);
      const oldSs = this.segSel[SS]!;
      const oldEsp = this.regs[ESP]!;
      this.stackFromTss(cDpl, ext);
      const newSs = this.tssSs;
      const newEsp = this.tssEsp;
      this.flagsReg &= ~VM;
      this.setCpl(cDpl);
      this.loadStackForPrivilege(newSs, cDpl);
      this.regs[ESP] = newEsp;
      if (gate32) {
        if (wasV86) {
          this.push32(this.segSel[GS]!);
          this.push32(this.segSel[FS]!);
          this.push32(this.segSel[DS]!);
          this.push32(this.segSel[ES]!);
          for (const s of DATA_SEGS) {
            this.segSel[s] = 0;
            this.segAttr[s] = 0;
            this.updateSegRanges(s);
          }
        }
        this.push32(oldSs);
        this.push32(oldEsp);
        this.push32(oldFlags);
        this.push32(oldCs);
        this.push32(oldEip);
        if (hasCode) this.push32(code);
      } else {
        this.push16(oldSs);
        this.push16(oldEsp);
        this.push16(oldFlags);
        this.push16(oldCs);
        this.push16(oldEip);
        if (hasCode) this.push16(code);
      }
    } else {
      if (wasV86) this.gp((sel & ~3) | ext);
      if (gate32) {
        this.push32(oldFlags);
        this.push32(oldCs);
        this.push32(oldEip);
        if (hasCode) this.push32(code);
      } else {
        this.push16(oldFlags);
        this.push16(oldCs);
        this.push16(oldEip);
        if (hasCode) this.push16(code);
      }
    }
    this.setAccessedAt(sel);
    this.loadCache(CS, (sel & ~3) | this.cpl, cLo, cHi);
    this.eip = offset;
    this.flagsReg &= ~(TF | NT | RF | VM);
    if ((gType & 1) === 0) this.flagsReg &= ~IF;
    if (wasV86) this.refreshAllSegs();
  }
  private setAccessedAt(sel: number): void {
    if (this.readDescriptor(sel)) this.setAccessed();
  }

  /** Result of stackFromTss (fields, so a ring switch allocates nothing). */
  tssSs = 0;
  tssEsp = 0;
  /** SS:ESP for privilege `dpl` from the current TSS (32- or 16-bit) into tssSs/tssEsp. */
  stackFromTss(dpl: number, ext: number): void {
    const tss32 = (this.segAttr[TR]! & 8) !== 0;
    const base = this.segBase[TR]!;
    const limit = this.segLimit[TR]! >>> 0;
    if (tss32) {
      const off = 4 + dpl * 8;
      if (off + 5 > limit) this.fault(EXC_TS, (this.segSel[TR]! & ~3) | ext, true);
      this.tssEsp = this.sysR32((base + off) | 0);
      this.tssSs = this.sysR16((base + off + 4) | 0);
      return;
    }
    const off = 2 + dpl * 4;
    if (off + 3 > limit) this.fault(EXC_TS, (this.segSel[TR]! & ~3) | ext, true);
    this.tssEsp = this.sysR16((base + off) | 0);
    this.tssSs = this.sysR16((base + off + 2) | 0);
  }

  // ---- far transfers ----
  /** Check a code-segment descriptor for JMP/CALL far (SDM vol. 2 JMP). Leaves it in desc*. */
  private checkDirectCode(sel: number): void {
    const hi = this.descHi;
    const dpl = (hi >> 13) & 3;
    const conforming = (hi & 0x400) !== 0;
    if (conforming ? dpl > this.cpl : (sel & 3) > this.cpl || dpl !== this.cpl) this.gp(sel & ~3);
    if (!(hi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
  }
  private codeLimit(lo: number, hi: number): number {
    let limit = (lo & 0xffff) | (hi & 0xf0000);
    if (hi & 0x800000) limit = (limit << 12) | 0xfff;
    return limit >>> 0;
  }

  jmpFar(sel: number, off: number): void {
    sel &= 0xffff;
    if (!this.protectedMode || this.v86) {
      this.loadSegReal(CS, sel);
      this.eip = off;
      return;
    }
    if ((sel & ~3) === 0) this.gp(0);
    if (!this.readDescriptor(sel)) this.gp(sel & ~3);
    const hi = this.descHi;
    if (hi & 0x1000) {
      if (!(hi & 0x800)) this.gp(sel & ~3);
      this.checkDirectCode(sel);
      if (off >>> 0 > this.codeLimit(this.descLo, hi)) this.gp(0);
      this.setAccessed();
      this.loadCache(CS, (sel & ~3) | this.cpl, this.descLo, hi);
      this.eip = off;
      return;
    }
    const type = (hi >> 8) & 0xf;
    const dpl = (hi >> 13) & 3;
    if (type === 1 || type === 9) {
      if (dpl < this.cpl || dpl < (sel & 3)) this.gp(sel & ~3);
      this.taskSwitch(sel, TASK_JMP, this.eip);
      return;
    }
    if (type === 5) {
      if (dpl < this.cpl || dpl < (sel & 3)) this.gp(sel & ~3);
      if (!(hi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
      this.taskSwitch(this.descLo >>> 16, TASK_JMP, this.eip);
      return;
    }
    if (type === 4 || type === 0xc) {
      if (dpl < this.cpl || dpl < (sel & 3)) this.gp(sel & ~3);
      if (!(hi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
      const target = this.descLo >>> 16;
      const gOff = type === 0xc ? (this.descLo & 0xffff) | (hi & 0xffff0000) : this.descLo & 0xffff;
      if ((target & ~3) === 0) this.gp(0);
      if (!this.readDescriptor(target)) this.gp(target & ~3);
      const cHi = this.descHi;
      const cDpl = (cHi >> 13) & 3;
      if ((cHi & 0x1800) !== 0x1800 || ((cHi & 0x400) ? cDpl > this.cpl : cDpl !== this.cpl)) this.gp(target & ~3);
      if (!(cHi & 0x8000)) this.fault(EXC_NP, target & ~3, true);
      if (gOff >>> 0 > this.codeLimit(this.descLo, cHi)) this.gp(0);
      this.loadCache(CS, (target & ~3) | this.cpl, this.descLo, cHi);
      this.eip = gOff;
      return;
    }
    this.gp(sel & ~3);
  }

  callFar(sel: number, off: number, op32: boolean): void {
    sel &= 0xffff;
    const retEip = this.eip;
    const oldCs = this.segSel[CS]!;
    if (!this.protectedMode || this.v86) {
      if (op32) {
        this.push32(oldCs);
        this.push32(retEip);
      } else {
        this.push16(oldCs);
        this.push16(retEip);
      }
      this.loadSegReal(CS, sel);
      this.eip = off;
      return;
    }
    if ((sel & ~3) === 0) this.gp(0);
    if (!this.readDescriptor(sel)) this.gp(sel & ~3);
    const hi = this.descHi;
    if (hi & 0x1000) {
      if (!(hi & 0x800)) this.gp(sel & ~3);
      this.checkDirectCode(sel);
      if (off >>> 0 > this.codeLimit(this.descLo, hi)) this.gp(0);
      const lo = this.descLo;
      this.setAccessed();
      if (op32) {
        this.push32(oldCs);
        this.push32(retEip);
      } else {
        this.push16(oldCs);
        this.push16(retEip);
      }
      this.loadCache(CS, (sel & ~3) | this.cpl, lo, hi);
      this.eip = off;
      return;
    }
    const type = (hi >> 8) & 0xf;
    const dpl = (hi >> 13) & 3;
    if (type === 1 || type === 9 || type === 5) {
      if (dpl < this.cpl || dpl < (sel & 3)) this.gp(sel & ~3);
      if (!(hi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
      this.taskSwitch(type === 5 ? this.descLo >>> 16 : sel, TASK_CALL, retEip);
      return;
    }
    if (type !== 4 && type !== 0xc) this.gp(sel & ~3);
    if (dpl < this.cpl || dpl < (sel & 3)) this.gp(sel & ~3);
    if (!(hi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
    const gate32 = type === 0xc;
    const params = hi & 0x1f;
    const target = this.descLo >>> 16;
    const gOff = gate32 ? (this.descLo & 0xffff) | (hi & 0xffff0000) : this.descLo & 0xffff;
    if ((target & ~3) === 0) this.gp(0);
    if (!this.readDescriptor(target)) this.gp(target & ~3);
    const cLo = this.descLo;
    const cHi = this.descHi;
    const cDpl = (cHi >> 13) & 3;
    if ((cHi & 0x1800) !== 0x1800 || cDpl > this.cpl) this.gp(target & ~3);
    if (!(cHi & 0x8000)) this.fault(EXC_NP, target & ~3, true);
    if (gOff >>> 0 > this.codeLimit(cLo, cHi)) this.gp(0);
    if (!(cHi & 0x400) && cDpl < this.cpl) {
      // Inner privilege: new stack from the TSS, copy `params` parameters (SDM vol. 3 §5.8.5).
      const oldSs = this.segSel[SS]!;
      const oldEsp = this.regs[ESP]!;
      const oldMask = this.stackMask;
      const oldSsBase = this.segBase[SS]!;
      const copied = this.tssScratch;
      for (let i = 0; i < params; i++) {
        const a = (oldSsBase + ((oldEsp + i * (gate32 ? 4 : 2)) & oldMask)) | 0;
        copied[i] = gate32 ? this.lr32(a) : this.lr16(a);
      }
      this.stackFromTss(cDpl, 0);
      const ss = this.tssSs;
      const esp = this.tssEsp;
      this.setCpl(cDpl);
      this.loadStackForPrivilege(ss, cDpl);
      this.regs[ESP] = esp;
      if (gate32) {
        this.push32(oldSs);
        this.push32(oldEsp);
        for (let i = params - 1; i >= 0; i--) this.push32(copied[i]!);
        this.push32(oldCs);
        this.push32(retEip);
      } else {
        this.push16(oldSs);
        this.push16(oldEsp);
        for (let i = params - 1; i >= 0; i--) this.push16(copied[i]!);
        this.push16(oldCs);
        this.push16(retEip);
      }
    } else if (gate32) {
      this.push32(oldCs);
      this.push32(retEip);
    } else {
      this.push16(oldCs);
      this.push16(retEip);
    }
    this.loadCache(CS, (target & ~3) | this.cpl, cLo, cHi);
    this.eip = gOff;
  }

  retFar(op32: boolean, imm: number): void {
    if (!this.protectedMode || this.v86) {
      const ip = op32 ? this.pop32() : this.pop16();
      const cs = op32 ? this.pop32() : this.pop16();
      this.loadSegReal(CS, cs);
      this.eip = ip;
      this.addSp(imm);
      return;
    }
    const sz = op32 ? 4 : 2;
    const ip = op32 ? this.peek32(0) : this.peek16(0);
    const sel = (op32 ? this.peek32(4) : this.peek16(2)) & 0xffff;
    const rpl = sel & 3;
    if ((sel & ~3) === 0) this.gp(0);
    if (!this.readDescriptor(sel)) this.gp(sel & ~3);
    const lo = this.descLo;
    const hi = this.descHi;
    const dpl = (hi >> 13) & 3;
    if ((hi & 0x1800) !== 0x1800 || rpl < this.cpl || ((hi & 0x400) ? dpl > rpl : dpl !== rpl)) this.gp(sel & ~3);
    if (!(hi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
    if (rpl > this.cpl) {
      const newEsp = op32 ? this.peek32(8 + imm) : this.peek16(4 + imm);
      const newSs = op32 ? this.peek32(12 + imm) : this.peek16(6 + imm);
      this.setCpl(rpl);
      this.loadStackForPrivilege(newSs & 0xffff, rpl);
      this.regs[ESP] = op32 || this.stackMask === -1 ? newEsp : (this.regs[ESP]! & ~0xffff) | (newEsp & 0xffff);
      this.loadCache(CS, sel, lo, hi);
      this.eip = op32 ? ip : ip & 0xffff;
      this.addSp(imm);
      this.nullInaccessibleSegs();
      return;
    }
    if (ip >>> 0 > this.codeLimit(lo, hi)) this.gp(0);
    this.addSp(2 * sz + imm);
    this.loadCache(CS, sel, lo, hi);
    this.eip = ip;
  }

  iret(op32: boolean): void {
    if (!this.protectedMode) {
      const ip = op32 ? this.pop32() : this.pop16();
      const cs = op32 ? this.pop32() : this.pop16();
      const fl = op32 ? this.pop32() : this.pop16();
      this.loadSegReal(CS, cs);
      this.eip = ip;
      this.writeFlags(fl, op32, false);
      return;
    }
    if (this.v86) {
      if (this.iopl < 3) this.gp(0);
      const ip = op32 ? this.pop32() : this.pop16();
      const cs = op32 ? this.pop32() : this.pop16();
      const fl = op32 ? this.pop32() : this.pop16();
      this.loadSegReal(CS, cs);
      this.eip = ip;
      this.writeFlags(fl, op32, false);
      return;
    }
    if (this.flagsReg & NT) {
      const back = this.sysR16(this.segBase[TR]!);
      this.taskSwitch(back, TASK_IRET, this.eip);
      return;
    }
    const sz = op32 ? 4 : 2;
    const ip = op32 ? this.peek32(0) : this.peek16(0);
    const sel = (op32 ? this.peek32(4) : this.peek16(2)) & 0xffff;
    const fl = op32 ? this.peek32(8) : this.peek16(4);
    if (op32 && fl & VM && this.cpl === 0) {
      // Return to virtual-8086 mode (SDM vol. 3 §20.3.1.3).
      const esp = this.peek32(12);
      const ss = this.peek32(16);
      const es = this.peek32(20);
      const ds = this.peek32(24);
      const fs = this.peek32(28);
      const gs = this.peek32(32);
      this.writeFlags(fl, true, true);
      this.setCpl(3);
      this.loadSegReal(CS, sel);
      this.loadSegReal(SS, ss);
      this.loadSegReal(ES, es);
      this.loadSegReal(DS, ds);
      this.loadSegReal(FS, fs);
      this.loadSegReal(GS, gs);
      this.regs[ESP] = esp;
      this.eip = ip & 0xffff;
      this.refreshAllSegs();
      return;
    }
    const rpl = sel & 3;
    if ((sel & ~3) === 0) this.gp(0);
    if (!this.readDescriptor(sel)) this.gp(sel & ~3);
    const lo = this.descLo;
    const hi = this.descHi;
    const dpl = (hi >> 13) & 3;
    if ((hi & 0x1800) !== 0x1800 || rpl < this.cpl || ((hi & 0x400) ? dpl > rpl : dpl !== rpl)) this.gp(sel & ~3);
    if (!(hi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
    const oldCpl = this.cpl;
    if (rpl > oldCpl) {
      const newEsp = op32 ? this.peek32(12) : this.peek16(6);
      const newSs = (op32 ? this.peek32(16) : this.peek16(8)) & 0xffff;
      this.writeFlags(fl, op32, oldCpl === 0);
      this.setCpl(rpl);
      this.loadStackForPrivilege(newSs, rpl);
      this.regs[ESP] = op32 || this.stackMask === -1 ? newEsp : (this.regs[ESP]! & ~0xffff) | (newEsp & 0xffff);
      this.loadCache(CS, sel, lo, hi);
      this.eip = op32 ? ip : ip & 0xffff;
      this.nullInaccessibleSegs();
      return;
    }
    if (ip >>> 0 > this.codeLimit(lo, hi)) this.gp(0);
    this.addSp(3 * sz);
    this.writeFlags(fl & ~VM, op32, oldCpl === 0);
    this.loadCache(CS, sel, lo, hi);
    this.eip = ip;
  }

  // ---- hardware task switch (32-bit TSS; SDM vol. 3 §7.3) ----
  taskSwitch(sel: number, kind: number, retEip: number): void {
    sel &= 0xffff;
    if (sel & 4 || !this.readDescriptor(sel)) this.fault(EXC_TS, sel & ~3, true);
    const lo = this.descLo;
    const hi = this.descHi;
    const nAddr = this.descAddr;
    const type = (hi >> 8) & 0xf;
    const busy = (type & 2) !== 0;
    if ((type & 5) !== 1 || (kind === TASK_IRET ? !busy : busy)) this.fault(kind === TASK_IRET ? EXC_TS : EXC_GP, sel & ~3, true);
    if (!(hi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
    let nLimit = (lo & 0xffff) | (hi & 0xf0000);
    if (hi & 0x800000) nLimit = (nLimit << 12) | 0xfff;
    const new32 = (type & 8) !== 0;
    if (nLimit >>> 0 < (new32 ? 0x67 : 0x2b)) this.fault(EXC_TS, sel & ~3, true);
    const nBase = (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
    // Read the new task's state first, so a fault leaves the old task intact. A 16-bit TSS
    // (SDM vol. 3 §7.6) is normalized into the 32-bit slots: no CR3, FS/GS and the upper
    // halves of the registers stay as they are.
    const t = this.tssScratch;
    if (new32) for (let i = 0; i < 25; i++) t[i] = this.sysR32((nBase + i * 4) | 0);
    else {
      t[7] = this.cr[3]!;
      t[8] = this.sysR16((nBase + 14) | 0);
      t[9] = (this.getFlags() & ~0xffff) | this.sysR16((nBase + 16) | 0);
      for (let r = 0; r < 8; r++) t[10 + r] = (this.regs[r]! & ~0xffff) | this.sysR16((nBase + 18 + r * 2) | 0);
      for (let s = 0; s < 4; s++) t[18 + s] = this.sysR16((nBase + 34 + s * 2) | 0);
      t[22] = this.segSel[FS]!;
      t[23] = this.segSel[GS]!;
      t[24] = this.sysR16((nBase + 42) | 0);
    }
    // Save the old task in its own TSS format.
    const oBase = this.segBase[TR]!;
    let oFlags = this.getFlags();
    if (kind === TASK_IRET) oFlags &= ~NT;
    if (this.segAttr[TR]! & 8) {
      this.sysW32((oBase + 0x20) | 0, retEip);
      this.sysW32((oBase + 0x24) | 0, oFlags);
      for (let r = 0; r < 8; r++) this.sysW32((oBase + 0x28 + r * 4) | 0, this.regs[r]!);
      for (let s = 0; s < 6; s++) this.sysW16((oBase + 0x48 + s * 4) | 0, this.segSel[s]!);
    } else {
      this.sysW16((oBase + 14) | 0, retEip);
      this.sysW16((oBase + 16) | 0, oFlags);
      for (let r = 0; r < 8; r++) this.sysW16((oBase + 18 + r * 2) | 0, this.regs[r]!);
      for (let s = 0; s < 4; s++) this.sysW16((oBase + 34 + s * 2) | 0, this.segSel[s]!);
    }
    const oldSel = this.segSel[TR]!;
    if (kind === TASK_JMP || kind === TASK_IRET) {
      if (this.readDescriptor(oldSel)) this.sysW8((this.descAddr + 5) | 0, ((this.descHi >> 8) & 0xfd) & 0xff);
    }
    let nFlags = t[9]!;
    if (kind === TASK_CALL) {
      this.sysW16(nBase, oldSel);
      nFlags |= NT;
    }
    if (kind !== TASK_IRET) this.sysW8((nAddr + 5) | 0, ((hi >> 8) | 2) & 0xff);
    this.loadCache(TR, sel, lo, hi | (kind !== TASK_IRET ? 0x200 : 0));
    this.cr[0] |= CR0_TS;
    if (new32 && this.cr[0]! & 0x80000000) {
      this.cr[3] = t[7]!;
      this.flushTlb(true);
    }
    this.eip = t[8]!;
    this.flagsReg = (nFlags | 2) & ~RF;
    this.lazy = 0;
    this.regs[EAX] = t[10]!; this.regs[ECX] = t[11]!; this.regs[EDX] = t[12]!; this.regs[EBX] = t[13]!;
    this.regs[ESP] = t[14]!; this.regs[EBP] = t[15]!; this.regs[ESI] = t[16]!; this.regs[EDI] = t[17]!;
    const ldt = t[24]! & 0xffff;
    if (nFlags & VM) {
      this.setCpl(3);
      for (let s = 0; s < 6; s++) this.loadSegReal(s, t[18 + s]! & 0xffff);
      this.loadLdt(ldt, true);
      return;
    }
    this.loadLdt(ldt, true);
    const cs = t[19]! & 0xffff;
    this.setCpl(cs & 3);
    // Segment loads: faults here are #TS with the selector (SDM vol. 3 §7.3 step 13).
    if ((cs & ~3) === 0 || !this.readDescriptor(cs)) this.fault(EXC_TS, cs & ~3, true);
    if ((this.descHi & 0x1800) !== 0x1800) this.fault(EXC_TS, cs & ~3, true);
    this.loadCache(CS, cs, this.descLo, this.descHi);
    this.loadStackForPrivilege(t[20]! & 0xffff, cs & 3);
    for (const s of DATA_SEGS) if (new32 || s < FS) this.loadSeg(s, t[18 + s]! & 0xffff);
  }

  /** LLDT or a task switch's LDT load. */
  loadLdt(sel: number, fromTask: boolean): void {
    sel &= 0xffff;
    if ((sel & ~3) === 0) {
      this.segSel[LDTR] = 0;
      this.segBase[LDTR] = 0;
      this.segLimit[LDTR] = 0;
      this.segAttr[LDTR] = 0;
      return;
    }
    const err = fromTask ? EXC_TS : EXC_GP;
    if (sel & 4 || !this.readDescriptor(sel)) this.fault(err, sel & ~3, true);
    if (((this.descHi >> 8) & 0x1f) !== 2) this.fault(err, sel & ~3, true);
    if (!(this.descHi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
    this.loadCache(LDTR, sel, this.descLo, this.descHi);
  }

  /** LTR: load TR with an available TSS and mark it busy. */
  loadTr(sel: number): void {
    sel &= 0xffff;
    if ((sel & ~3) === 0) this.gp(0);
    if (sel & 4 || !this.readDescriptor(sel)) this.gp(sel & ~3);
    const type = (this.descHi >> 8) & 0x1f;
    if (type !== 1 && type !== 9) this.gp(sel & ~3);
    if (!(this.descHi & 0x8000)) this.fault(EXC_NP, sel & ~3, true);
    this.descHi |= 0x200;
    this.sysW8((this.descAddr + 5) | 0, (this.descHi >> 8) & 0xff);
    this.loadCache(TR, sel, this.descLo, this.descHi);
  }

  // ---- I/O permission (SDM vol. 1 §18.5.2) ----
  checkIo(port: number, len: number): void {
    if (!this.protectedMode || (this.cpl <= this.iopl && !this.v86)) return;
    const attr = this.segAttr[TR]!;
    if ((attr & 0xd) !== 9) this.gp(0);
    const limit = this.segLimit[TR]! >>> 0;
    const base = this.segBase[TR]!;
    if (limit < 0x67) this.gp(0);
    const mapBase = this.sysR16((base + 0x66) | 0);
    const byte = mapBase + (port >>> 3);
    if (byte + 1 > limit) this.gp(0);
    const bits = this.sysR16((base + byte) | 0);
    if ((bits >> (port & 7)) & ((1 << len) - 1)) this.gp(0);
  }

}
