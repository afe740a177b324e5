// Stack access through SS with the stack-size attribute (SP vs ESP), and EFLAGS writes
// with the privilege rules of POPF/IRET (SDM vol. 2 POPF, vol. 3 §2.3).
import { AC, ARITH, DF, ESP, ID, IF, IOPL, NT, RF, SS, TF, VIF, VIP, VM } from './constants';
import { CpuSegments } from './segments';

if (ESP !== 4 || SS !== 2) throw new Error('cpu: the stack code\'s literal register numbers differ from constants.ts');

export class CpuStack extends CpuSegments {
  // PUSH/POP run for every CALL and RET, so ESP and SS are literals (checked at load, above).
  push16(v: number): void {
    const m = this.stackMask;
    const sp = (this.regs[4 /* ESP */]! - 2) & m;
    this.wr16(2 /* SS */, sp, v);
    this.regs[4 /* ESP */] = (this.regs[4 /* ESP */]! & ~m) | sp;
  }
  push32(v: number): void {
    const m = this.stackMask;
    const sp = (this.regs[4 /* ESP */]! - 4) & m;
    this.wr32(2 /* SS */, sp, v);
    this.regs[4 /* ESP */] = (this.regs[4 /* ESP */]! & ~m) | sp;
  }
  pop16(): number {
    const m = this.stackMask;
    const esp = this.regs[4 /* ESP */]!;
    const v = this.rd16(2 /* SS */, esp & m);
    this.regs[4 /* ESP */] = (esp & ~m) | ((esp + 2) & m);
    return v;
  }
  pop32(): number {
    const m = this.stackMask;
    const esp = this.regs[4 /* ESP */]!;
    const v = this.rd32(2 /* SS */, esp & m);
    this.regs[4 /* ESP */] = (esp & ~m) | ((esp + 4) & m);
    return v;
  }
  /** Read the stack at ESP+delta without popping. */
  peek16(delta: number): number {
    const m = this.stackMask;
    return this.rd16(2 /* SS */, (this.regs[4 /* ESP */]! + delta) & m);
  }
  peek32(delta: number): number {
    const m = this.stackMask;
    return this.rd32(2 /* SS */, (this.regs[4 /* ESP */]! + delta) & m);
  }
  addSp(n: number): void {
    const m = this.stackMask;
    this.regs[4 /* ESP */] = (this.regs[4 /* ESP */]! & ~m) | ((this.regs[4 /* ESP */]! + n) & m);
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
