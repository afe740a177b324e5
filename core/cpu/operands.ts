// Per-instruction decode state and operand access: prefixes (operand/address size,
// segment override, REP/REPNE, LOCK), ModR/M + SIB effective addresses in 16- and
// 32-bit addressing (SDM vol. 2 §2.1.5), and register/memory operand helpers.
import { DS, SS } from './constants';
import { CpuSystem } from './system';

export class CpuOperands extends CpuSystem {
  /** Operand size is 32 bits for this instruction. */
  o32 = false;
  /** Address size is 32 bits for this instruction. */
  a32 = false;
  /** Segment override, or -1. */
  segOvr = -1;
  /** 0, 0xf2 (REPNE) or 0xf3 (REP/REPE). */
  rep = 0;
  lockPfx = false;
  modrm = 0;
  eaSeg = DS;
  eaOff = 0;
  /**
   * The last memory operand's address form, for the decoded-instruction cache: base
   * register | index register << 4 | scale << 8 (register 8 = none), and its displacement.
   */
  eaForm = 0;
  eaDisp = 0;

  get regField(): number {
    return (this.modrm >> 3) & 7;
  }

  /** Read the ModR/M byte (and SIB/displacement) and compute the effective address. */
  decodeModrm(): void {
    const m = this.fetch8();
    this.modrm = m;
    if (m >= 0xc0) return;
    if (this.a32) this.ea32(m);
    else this.ea16(m);
  }

  private ea16(m: number): void {
    const r = this.regs;
    const mod = m >> 6;
    let seg = DS;
    // Base and index of the 16-bit forms (SDM vol. 2 table 2-1); 8 = none.
    let base = 8;
    let idx = 8;
    switch (m & 7) {
      case 0: base = 3; idx = 6; break;
      case 1: base = 3; idx = 7; break;
      case 2: base = 5; idx = 6; seg = SS; break;
      case 3: base = 5; idx = 7; seg = SS; break;
      case 4: base = 6; break;
      case 5: base = 7; break;
      case 6:
        if (mod !== 0) { base = 5; seg = SS; }
        break;
      default: base = 3; break;
    }
    let disp = 0;
    if (mod === 0) { if (base === 8) disp = this.fetch16(); }
    else if (mod === 1) disp = (this.fetch8() << 24) >> 24;
    else disp = this.fetch16();
    let off = disp;
    if (base !== 8) off += r[base]!;
    if (idx !== 8) off += r[idx]!;
    this.eaOff = off & 0xffff;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
    this.eaForm = base | (idx << 4);
    this.eaDisp = disp;
  }

  private ea32(m: number): void {
    const r = this.regs;
    const mod = m >> 6;
    const rm = m & 7;
    let seg = DS;
    let base = rm;
    let idx = 8;
    let scale = 0;
    let disp = 0;
    if (rm === 4) {
      const sib = this.fetch8();
      base = sib & 7;
      const i = (sib >> 3) & 7;
      if (i !== 4) { idx = i; scale = sib >> 6; }
      if (base === 5 && mod === 0) { base = 8; disp = this.fetch32(); }
      else if (base === 4 || base === 5) seg = SS;
    } else if (rm === 5 && mod === 0) {
      base = 8;
      disp = this.fetch32();
    } else if (rm === 5) seg = SS;
    if (mod === 1) disp = (this.fetch8() << 24) >> 24;
    else if (mod === 2) disp = this.fetch32();
    let off = disp;
    if (base !== 8) off = (off + r[base]!) | 0;
    if (idx !== 8) off = (off + (r[idx]! << scale)) | 0;
    this.eaOff = off;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
    this.eaForm = base | (idx << 4) | (scale << 8);
    this.eaDisp = disp;
  }

  // ---- r/m operands ----
  rmRead8(): number {
    const m = this.modrm;
    return m >= 0xc0 ? this.getReg8(m & 7) : this.rd8(this.eaSeg, this.eaOff);
  }
  rmRead16(): number {
    const m = this.modrm;
    return m >= 0xc0 ? this.regs[m & 7]! & 0xffff : this.rd16(this.eaSeg, this.eaOff);
  }
  rmRead32(): number {
    const m = this.modrm;
    return m >= 0xc0 ? this.regs[m & 7]! : this.rd32(this.eaSeg, this.eaOff);
  }
  rmWrite8(v: number): void {
    const m = this.modrm;
    if (m >= 0xc0) this.setReg8(m & 7, v);
    else this.wr8(this.eaSeg, this.eaOff, v);
  }
  rmWrite16(v: number): void {
    const m = this.modrm;
    if (m >= 0xc0) this.setReg16(m & 7, v);
    else this.wr16(this.eaSeg, this.eaOff, v);
  }
  rmWrite32(v: number): void {
    const m = this.modrm;
    if (m >= 0xc0) this.regs[m & 7] = v;
    else this.wr32(this.eaSeg, this.eaOff, v);
  }
  /** Memory operand required (LEA, LxS, LGDT...): #UD for a register form. */
  requireMem(): void {
    if (this.modrm >= 0xc0) this.ud();
  }
  /** Effective address plus `delta`, wrapped to the address size. */
  eaPlus(delta: number): number {
    return this.a32 ? (this.eaOff + delta) | 0 : (this.eaOff + delta) & 0xffff;
  }
  /** Default data segment (DS) honouring an override. */
  get dataSeg(): number {
    return this.segOvr >= 0 ? this.segOvr : DS;
  }
}
