// Stack access through SS with the stack-size attribute (SP vs ESP), and EFLAGS writes
// with the privilege rules of POPF/IRET (SDM vol. 2 POPF, vol. 3 §2.3).
import { AC, ARITH, DF, ESP, ID, IF, IOPL, NT, RF, SS, TF, VIF, VIP, VM } from './constants';
import { CpuSegments } from './segments';

export class CpuStack extends CpuSegments {
  push16(v: number): void {
    const m = this.stackMask;
    const sp = (this.regs[ESP]! - 2) & m;
    this.wr16(SS, sp, v);
    this.regs[ESP] = (this.regs[ESP]! & ~m) | sp;
  }
  push32(v: number): void {
    const m = this.stackMask;
    const sp = (this.regs[ESP]! - 4) & m;
    this.wr32(SS, sp, v);
    this.regs[ESP] = (this.regs[ESP]! & ~m) | sp;
  }
  pop16(): number {
    const m = this.stackMask;
    const esp = this.regs[ESP]!;
    const v = this.rd16(SS, esp & m);
    this.regs[ESP] = (esp & ~m) | ((esp + 2) & m);
    return v;
  }
  pop32(): number {
    const m = this.stackMask;
    const esp = this.regs[ESP]!;
    const v = this.rd32(SS, esp & m);
    this.regs[ESP] = (esp & ~m) | ((esp + 4) & m);
    return v;
  }
  /** Read the stack at ESP+delta without popping. */
  peek16(delta: number): number {
    const m = this.stackMask;
    return this.rd16(SS, (this.regs[ESP]! + delta) & m);
  }
  peek32(delta: number): number {
    const m = this.stackMask;
    return this.rd32(SS, (this.regs[ESP]! + delta) & m);
  }
  addSp(n: number): void {
    const m = this.stackMask;
    this.regs[ESP] = (this.regs[ESP]! & ~m) | ((this.regs[ESP]! + n) & m);
  }

  /**
   * Write EFLAGS from POPF/IRET/task switch. `size32` false writes only the low 16 bits.
   * `full` (IRET at CPL 0, task switch, RSM) may change VM/VIF/VIP too.
   */
  writeFlags(v: number, size32: boolean, full: boolean): void {
    let mask = ARITH | TF | DF | NT;
    if (size32) mask |= AC | ID;
    const pm = this.protectedMode;
    if (!pm || this.cpl === 0) mask |= IOPL | IF;
    else if (this.cpl <= this.iopl || (this.v86 && this.iopl === 3)) mask |= IF;
    if (this.v86 && !full) mask &= ~IOPL;
    if (full && size32) mask |= VM | VIF | VIP | IOPL | IF;
    if (!size32) mask &= 0xffff;
    const old = this.getFlags();
    this.flagsReg = ((old & ~mask) | (v & mask) | 2) & ~(full ? 0 : RF);
    this.lazy = 0;
    if ((old ^ this.flagsReg) & VM) this.modeChanged();
  }
  /** Hook for subclasses: VM or PE changed, so CPL and segment checks change. */
  modeChanged(): void {
    if (this.v86) this.setCpl(3);
    else if (!this.protectedMode) this.setCpl(0);
    else this.setCpl(this.cpl);
    this.refreshAllSegs();
  }
}
