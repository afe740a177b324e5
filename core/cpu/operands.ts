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
    let off = 0;
    let seg = DS;
    switch (m & 7) {
      case 0: off = r[3]! + r[6]!; break;
      case 1: off = r[3]! + r[7]!; break;
      case 2: off = r[5]! + r[6]!; seg = SS; break;
      case 3: off = r[5]! + r[7]!; seg = SS; break;
      case 4: off = r[6]!; break;
      case 5: off = r[7]!; break;
      case 6:
        if (mod === 0) off = this.fetch16();
        else { off = r[5]!; seg = SS; }
        break;
      default: off = r[3]!; break;
    }
    if (mod === 1) off += (this.fetch8() << 24) >> 24;
    else if (mod === 2) off += this.fetch16();
    this.eaOff = off & 0xffff;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
  }

  private ea32(m: number): void {
    const r = this.regs;
    const mod = m >> 6;
    const rm = m & 7;
    let off = 0;
    let seg = DS;
    if (rm === 4) {
      const sib = this.fetch8();
      const base = sib & 7;
      const idx = (sib >> 3) & 7;
      if (base === 5 && mod === 0) off = this.fetch32();
      else {
        off = r[base]!;
        if (base === 4 || base === 5) seg = SS;
      }
      if (idx !== 4) off = (off + (r[idx]! << (sib >> 6))) | 0;
    } else if (rm === 5 && mod === 0) {
      off = this.fetch32();
    } else {
      off = r[rm]!;
      if (rm === 5) seg = SS;
    }
    if (mod === 1) off = (off + ((this.fetch8() << 24) >> 24)) | 0;
    else if (mod === 2) off = (off + this.fetch32()) | 0;
    this.eaOff = off;
    this.eaSeg = this.segOvr >= 0 ? this.segOvr : seg;
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
