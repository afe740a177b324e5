// Memory-operand forms of the ESC instructions (ModR/M mod != 3): loads and stores in every
// format (m32/m64/m80fp, m16/m32/m64int, m80bcd), memory arithmetic and compares, and the
// control words and environment images (FLDCW, FNSTCW, FLDENV, FNSTENV, FRSTOR, FNSAVE, FNSTSW).

import type { FpuInstruction } from './fpu-host';
import { CLS_QNAN, CLS_SNAN, EXC_DE, EXC_IE, EXC_PE, FSW_SF, T0, T1 } from './float80-core';
import { BCD_OUT, N_HI, N_LO, loadBcd, loadF32, loadF64, loadInt64, narrow, toBcd, toInt } from './float80-convert';
import { compare } from './float80-misc';
import { FSW_C1, readSlot80, writeSlot80 } from './x87-state';
import { fldenv, fnsave, fnstenv, frstor } from './x87-env';
import { PRE_EXC, type X87Core } from './x87-core';

export function execMem(u: X87Core, op: number, reg: number, insn: FpuInstruction): void {
  const h = u.host;
  const a = insn.linear;
  const f = u.f;
  switch (op) {
    case 0: // D8: m32fp arithmetic
      u.prepare();
      loadF32(f, T1, h.read32(a), true);
      return arithMem(u, reg);
    case 4: // DC: m64fp arithmetic
      u.prepare();
      loadF64(f, T1, h.read32(a), h.read32(a + 4), true);
      return arithMem(u, reg);
    case 2: { // DA: m32int arithmetic
      const v = h.read32(a);
      u.prepare();
      loadInt64(f, T1, v, v >> 31);
      return arithMem(u, reg);
    }
    case 6: { // DE: m16int arithmetic
      const v = (h.read16(a) << 16) >> 16;
      u.prepare();
      loadInt64(f, T1, v, v >> 31);
      return arithMem(u, reg);
    }
    case 1:
      switch (reg) {
        case 0: { // FLD m32fp
          const v = h.read32(a);
          u.prepare();
          if (u.stackOverflowOnPush()) return;
          loadF32(f, T0, v);
          return u.commitPush();
        }
        case 2:
        case 3: // FST/FSTP m32fp
          return storeFloat(u, a, 24, reg === 3);
        case 4:
          return fldenv(u, insn);
        case 5:
          return u.setFcw(h.read16(a));
        case 6:
          fnstenv(u, insn);
          u.fcw |= 0x3f; // FNSTENV masks all exceptions afterwards, which clears ES and B
          u.updateEs();
          return;
        case 7:
          return h.write16(a, u.fcw);
        default:
          return; // D9 /1: reserved (the CPU raises #UD before calling us)
      }
    case 3:
      switch (reg) {
        case 0: { // FILD m32int
          const v = h.read32(a);
          u.prepare();
          if (u.stackOverflowOnPush()) return;
          loadInt64(f, T0, v, v >> 31);
          return u.commitPush();
        }
        case 2:
        case 3: // FIST/FISTP m32int
          return storeInt(u, a, 32, reg === 3);
        case 5: { // FLD m80fp
          readSlot80(h, f, T0, a);
          u.prepare();
          if (u.stackOverflowOnPush()) return;
          return u.commitPush();
        }
        case 7: // FSTP m80fp
          if (u.isEmpty(0)) {
            u.prepare();
            u.fsw &= ~FSW_C1;
            u.raise(EXC_IE | FSW_SF);
            if ((u.fcw & EXC_IE) === 0) return;
            f.setIndefinite(T0);
            writeSlot80(h, f, T0, a);
            u.pop();
            return;
          }
          writeSlot80(h, f, u.top, a);
          u.fsw &= ~FSW_C1;
          u.pop();
          return;
        default:
          return;
      }
    case 5:
      switch (reg) {
        case 0: { // FLD m64fp
          const lo = h.read32(a);
          const hi = h.read32(a + 4);
          u.prepare();
          if (u.stackOverflowOnPush()) return;
          loadF64(f, T0, lo, hi);
          return u.commitPush();
        }
        case 2:
        case 3:
          return storeFloat(u, a, 53, reg === 3);
        case 4:
          return frstor(u, insn);
        case 6:
          fnsave(u, insn);
          u.init();
          return;
        case 7:
          return h.write16(a, u.statusWord);
        default:
          return;
      }
    case 7:
      switch (reg) {
        case 0: { // FILD m16int
          const v = (h.read16(a) << 16) >> 16;
          u.prepare();
          if (u.stackOverflowOnPush()) return;
          loadInt64(f, T0, v, v >> 31);
          return u.commitPush();
        }
        case 2:
        case 3:
          return storeInt(u, a, 16, reg === 3);
        case 4: { // FBLD
          const lo = h.read32(a);
          const mid = h.read32(a + 4);
          const top = h.read16(a + 8);
          u.prepare();
          if (u.stackOverflowOnPush()) return;
          loadBcd(f, T0, lo, mid, top);
          return u.commitPush();
        }
        case 5: { // FILD m64int
          const lo = h.read32(a);
          const hi = h.read32(a + 4);
          u.prepare();
          if (u.stackOverflowOnPush()) return;
          loadInt64(f, T0, lo, hi);
          return u.commitPush();
        }
        case 6:
          return storeBcd(u, a);
        case 7:
          return storeInt(u, a, 64, true);
        default:
          return;
      }
  }
}

/** D8/DC/DA/DE memory forms: ST0 = ST0 op T1 (or T1 op ST0), or a compare. */
function arithMem(u: X87Core, reg: number): void {
  const f = u.f;
  if (u.isEmpty(0)) {
    if (reg === 2 || reg === 3) return u.compareUnderflow(reg === 3 ? 1 : 0);
    u.f.flags = 0;
    return u.stackUnderflow(u.top, 0);
  }
  const st0 = u.top;
  // A denormal m32fp/m64fp operand is normal in extended form: its DE is decided after the operation.
  if ((f.flags & EXC_DE) !== 0) {
    f.flags &= ~EXC_DE;
    const c = f.classify(st0);
    u.pendingDe = c !== CLS_QNAN && c !== CLS_SNAN;
  }
  if (reg === 2 || reg === 3) {
    const r = compare(f, st0, T1, true);
    return u.finishCompare(r, reg === 3 ? 1 : 0);
  }
  // A load's IE (SNaN m32/m64) is kept: the arithmetic on the quieted NaN adds nothing.
  u.binary(reg, st0, T1, st0, 0);
}

function storeFloat(u: X87Core, a: number, keep: number, popAfter: boolean): void {
  const f = u.f;
  u.prepare();
  if (u.isEmpty(0)) {
    u.fsw &= ~FSW_C1;
    u.raise(EXC_IE | FSW_SF);
    if ((u.fcw & EXC_IE) === 0) return;
    if (keep === 24) u.host.write32(a, 0xffc00000 | 0);
    else {
      u.host.write32(a, 0);
      u.host.write32(a + 4, 0xfff80000 | 0);
    }
    if (popAfter) u.pop();
    return;
  }
  const ok = narrow(f, u.top, keep, keep === 24 ? 127 : 1023, keep === 24 ? 0xff : 0x7ff, (u.fcw & EXC_IE) === 0);
  const fl = f.flags;
  if (!ok || (fl & ~u.fcw & EXC_DE) !== 0) {
    u.fsw &= ~FSW_C1;
    u.raise(ok ? fl & PRE_EXC : fl);
    return;
  }
  if (keep === 24) u.host.write32(a, N_LO);
  else {
    u.host.write32(a, N_LO);
    u.host.write32(a + 4, N_HI);
  }
  if (popAfter) u.pop();
  u.setC1((fl & EXC_PE) !== 0 && f.roundedUp);
  u.raise(fl);
}

function storeInt(u: X87Core, a: number, bits: number, popAfter: boolean): void {
  const f = u.f;
  u.prepare();
  const h = u.host;
  const ieUnmasked = (u.fcw & EXC_IE) === 0;
  let ok: boolean;
  if (u.isEmpty(0)) {
    u.fsw &= ~FSW_C1;
    u.raise(EXC_IE | FSW_SF);
    if (ieUnmasked) return;
    ok = true;
    f.setIndefinite(T0);
    toInt(f, T0, bits, false);
    f.flags = 0;
  } else ok = toInt(f, u.top, bits, ieUnmasked);
  const fl = f.flags;
  if (!ok || (fl & ~u.fcw & EXC_DE) !== 0) {
    u.fsw &= ~FSW_C1;
    u.raise(fl & PRE_EXC);
    return;
  }
  if (bits === 16) h.write16(a, N_LO & 0xffff);
  else {
    h.write32(a, N_LO);
    if (bits === 64) h.write32(a + 4, N_HI);
  }
  if (popAfter) u.pop();
  u.setC1((fl & EXC_PE) !== 0 && f.roundedUp);
  u.raise(fl);
}

function storeBcd(u: X87Core, a: number): void {
  const f = u.f;
  u.prepare();
  const h = u.host;
  const ieUnmasked = (u.fcw & EXC_IE) === 0;
  let ok: boolean;
  if (u.isEmpty(0)) {
    u.fsw &= ~FSW_C1;
    u.raise(EXC_IE | FSW_SF);
    if (ieUnmasked) return;
    f.setIndefinite(T0);
    ok = toBcd(f, T0, false);
    f.flags = 0;
  } else ok = toBcd(f, u.top, ieUnmasked);
  const fl = f.flags;
  if (!ok || (fl & ~u.fcw & EXC_DE) !== 0) {
    u.fsw &= ~FSW_C1;
    u.raise(fl & PRE_EXC);
    return;
  }
  const o = BCD_OUT;
  h.write32(a, o[0] | (o[1] << 8) | (o[2] << 16) | (o[3] << 24));
  h.write32(a + 4, o[4] | (o[5] << 8) | (o[6] << 16) | (o[7] << 24));
  h.write16(a + 8, o[8] | (o[9] << 8));
  u.pop();
  u.setC1((fl & EXC_PE) !== 0 && f.roundedUp);
  u.raise(fl);
}
