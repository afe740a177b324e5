// Memory images of the x87 state: FSTENV/FLDENV and FSAVE/FRSTOR in their four layouts
// (SDM vol. 1 §8.1.10, figures 8-9..8-12), FXSAVE/FXRSTOR (SDM vol. 2 FXSAVE, table 10-2 of
// vol. 1 for the abridged tag word) and the JSON snapshot of X87State.

import { VmdeskError } from '../../common';
import type { FpuInstruction, X87State } from './fpu-host';
import { CLS_NORMAL, CLS_ZERO } from './float80-core';
import { TAG_EMPTY, TAG_SPECIAL, TAG_VALID, TAG_ZERO, readSlot80, writeSlot80 } from './x87-state';
import type { X87Core as X87 } from './x87-core';

/** Full tag word computed from the register contents (P6: only "empty" is stored). */
function fullTagWord(u: X87): number {
  let tw = 0;
  for (let p = 0; p < 8; p++) {
    let t: number;
    if (((u.empty >> p) & 1) !== 0) t = TAG_EMPTY;
    else {
      const c = u.f.classify(p);
      t = c === CLS_ZERO ? TAG_ZERO : c === CLS_NORMAL ? TAG_VALID : TAG_SPECIAL;
    }
    tw |= t << (2 * p);
  }
  return tw;
}

function emptyFromTagWord(tw: number): number {
  let e = 0;
  for (let p = 0; p < 8; p++) if (((tw >> (2 * p)) & 3) === TAG_EMPTY) e |= 1 << p;
  return e;
}

/** Writes the environment; returns its size (14 or 28 bytes). */
export function fnstenv(u: X87, insn: FpuInstruction): number {
  const h = u.host;
  const a = insn.linear;
  const tw = fullTagWord(u);
  const fsw = u.statusWord;
  if (insn.operand32) {
    // Reserved upper halves read back as ones on the processors we compare with.
    h.write32(a, u.fcw | 0xffff0000);
    h.write32(a + 4, fsw | 0xffff0000);
    h.write32(a + 8, tw | 0xffff0000);
    if (insn.realMode) {
      const ip = (u.fcs << 4) + u.fip;
      const dp = (u.fds << 4) + u.fdp;
      h.write32(a + 12, (ip & 0xffff) | 0xffff0000);
      h.write32(a + 16, ((ip >>> 16) << 12) | (u.fop & 0x7ff));
      h.write32(a + 20, (dp & 0xffff) | 0xffff0000);
      h.write32(a + 24, (dp >>> 16) << 12);
    } else {
      h.write32(a + 12, u.fip);
      h.write32(a + 16, (u.fcs & 0xffff) | ((u.fop & 0x7ff) << 16));
      h.write32(a + 20, u.fdp);
      h.write32(a + 24, (u.fds & 0xffff) | 0xffff0000);
    }
    return 28;
  }
  h.write16(a, u.fcw);
  h.write16(a + 2, fsw);
  h.write16(a + 4, tw);
  if (insn.realMode) {
    const ip = (u.fcs << 4) + u.fip;
    const dp = (u.fds << 4) + u.fdp;
    h.write16(a + 6, ip & 0xffff);
    h.write16(a + 8, (((ip >>> 16) & 0xf) << 12) | (u.fop & 0x7ff));
    h.write16(a + 10, dp & 0xffff);
    h.write16(a + 12, ((dp >>> 16) & 0xf) << 12);
  } else {
    h.write16(a + 6, u.fip);
    h.write16(a + 8, u.fcs);
    h.write16(a + 10, u.fdp);
    h.write16(a + 12, u.fds);
  }
  return 14;
}

/** Reads the environment; returns its size. */
function loadEnv(u: X87, insn: FpuInstruction): number {
  const h = u.host;
  const a = insn.linear;
  // Touch both ends first: a page fault must come before any state changes (the area spans at
  // most two pages), so the instruction restarts cleanly.
  h.read8(a);
  h.read8(a + (insn.operand32 ? 27 : 13));
  let fcw: number, fsw: number, tw: number;
  let size: number;
  if (insn.operand32) {
    fcw = h.read16(a);
    fsw = h.read16(a + 4);
    tw = h.read16(a + 8);
    if (insn.realMode) {
      const w4 = h.read32(a + 16);
      u.fip = (h.read16(a + 12) | ((w4 >>> 12) << 16)) >>> 0;
      u.fop = w4 & 0x7ff;
      u.fcs = 0;
      u.fdp = (h.read16(a + 20) | ((h.read32(a + 24) >>> 12) << 16)) >>> 0;
      u.fds = 0;
    } else {
      u.fip = h.read32(a + 12) | 0;
      const w4 = h.read32(a + 16);
      u.fcs = w4 & 0xffff;
      u.fop = (w4 >>> 16) & 0x7ff;
      u.fdp = h.read32(a + 20) | 0;
      u.fds = h.read16(a + 24);
    }
    size = 28;
  } else {
    fcw = h.read16(a);
    fsw = h.read16(a + 2);
    tw = h.read16(a + 4);
    if (insn.realMode) {
      const w = h.read16(a + 8);
      u.fip = h.read16(a + 6) | ((w >>> 12) << 16);
      u.fop = w & 0x7ff;
      u.fcs = 0;
      u.fdp = h.read16(a + 10) | ((h.read16(a + 12) >>> 12) << 16);
      u.fds = 0;
    } else {
      u.fip = h.read16(a + 6);
      u.fcs = h.read16(a + 8);
      u.fop = 0; // the 16-bit protected-mode layout has no opcode field
      u.fdp = h.read16(a + 10);
      u.fds = h.read16(a + 12);
    }
    size = 14;
  }
  u.fcw = (fcw & 0x1f3f) | 0x40;
  u.top = (fsw >> 11) & 7;
  u.fsw = fsw & ~0x3800;
  u.empty = emptyFromTagWord(tw);
  u.updateEs();
  return size;
}

export function fldenv(u: X87, insn: FpuInstruction): void {
  loadEnv(u, insn);
}

export function fnsave(u: X87, insn: FpuInstruction): void {
  const size = fnstenv(u, insn);
  for (let i = 0; i < 8; i++) writeSlot80(u.host, u.f, (u.top + i) & 7, insn.linear + size + 10 * i);
}

export function frstor(u: X87, insn: FpuInstruction): void {
  // Read the registers first into scratch so a fault part-way leaves the state untouched.
  const size = insn.operand32 ? 28 : 14;
  const f = u.f;
  for (let i = 0; i < 8; i++) readSlot80(u.host, f, 16 + i, insn.linear + size + 10 * i);
  loadEnv(u, insn);
  for (let i = 0; i < 8; i++) f.copy((u.top + i) & 7, 16 + i);
}

export function fxsave(u: X87, a: number): void {
  const h = u.host;
  let abridged = 0;
  for (let p = 0; p < 8; p++) if (((u.empty >> p) & 1) === 0) abridged |= 1 << p;
  h.write16(a, u.fcw);
  h.write16(a + 2, u.statusWord);
  h.write16(a + 4, abridged);
  h.write16(a + 6, u.fop & 0x7ff);
  h.write32(a + 8, u.fip);
  h.write32(a + 12, u.fcs & 0xffff);
  h.write32(a + 16, u.fdp);
  h.write32(a + 20, u.fds & 0xffff);
  h.write32(a + 24, u.mxcsr);
  h.write32(a + 28, 0xffbf);
  for (let i = 0; i < 8; i++) {
    const b = a + 32 + 16 * i;
    writeSlot80(h, u.f, (u.top + i) & 7, b);
    h.write16(b + 10, 0);
    h.write32(b + 12, 0);
  }
}

export function fxrstor(u: X87, a: number): void {
  const h = u.host;
  const f = u.f;
  h.read8(a + 511); // fault before any state changes (see loadEnv)
  for (let i = 0; i < 8; i++) readSlot80(h, f, 16 + i, a + 32 + 16 * i);
  const fcw = h.read16(a);
  const fsw = h.read16(a + 2);
  const abridged = h.read8(a + 4);
  u.fop = h.read16(a + 6) & 0x7ff;
  u.fip = h.read32(a + 8) | 0;
  u.fcs = h.read16(a + 12);
  u.fdp = h.read32(a + 16) | 0;
  u.fds = h.read16(a + 20);
  u.mxcsr = h.read32(a + 24) & 0xffbf;
  u.fcw = (fcw & 0x1f3f) | 0x40;
  u.top = (fsw >> 11) & 7;
  u.fsw = fsw & ~0x3800;
  u.empty = ~abridged & 0xff;
  for (let i = 0; i < 8; i++) f.copy((u.top + i) & 7, 16 + i);
  u.updateEs();
}

const HEX20 = /^[0-9a-f]{20}$/;

export function saveX87State(u: X87): X87State {
  const f = u.f;
  const regs: string[] = [];
  for (let p = 0; p < 8; p++) {
    let s = '';
    const bytes = [
      f.lo[p] & 0xff, (f.lo[p] >>> 8) & 0xff, (f.lo[p] >>> 16) & 0xff, f.lo[p] >>> 24,
      f.hi[p] & 0xff, (f.hi[p] >>> 8) & 0xff, (f.hi[p] >>> 16) & 0xff, f.hi[p] >>> 24,
      f.se[p] & 0xff, (f.se[p] >>> 8) & 0xff,
    ];
    for (const b of bytes) s += b.toString(16).padStart(2, '0');
    regs.push(s);
  }
  return {
    version: 1,
    fcw: u.fcw,
    fsw: u.statusWord,
    ftw: fullTagWord(u),
    regs,
    fip: u.fip >>> 0,
    fcs: u.fcs,
    fdp: u.fdp >>> 0,
    fds: u.fds,
    fop: u.fop,
    mxcsr: u.mxcsr >>> 0,
  };
}

function checkField(name: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new VmdeskError('fpu-state', `fpu: snapshot field ${name} is ${JSON.stringify(v)}, expected an integer 0..${max}`);
  }
  return v;
}

export function restoreX87State(u: X87, s: X87State): void {
  if (s === null || typeof s !== 'object' || s.version !== 1) {
    throw new VmdeskError('fpu-state', `fpu: snapshot version ${JSON.stringify((s as { version?: unknown })?.version)} is not supported (expected 1)`);
  }
  const fcw = checkField('fcw', s.fcw, 0xffff);
  const fsw = checkField('fsw', s.fsw, 0xffff);
  const ftw = checkField('ftw', s.ftw, 0xffff);
  const fip = checkField('fip', s.fip, 0xffffffff);
  const fcs = checkField('fcs', s.fcs, 0xffff);
  const fdp = checkField('fdp', s.fdp, 0xffffffff);
  const fds = checkField('fds', s.fds, 0xffff);
  const fop = checkField('fop', s.fop, 0x7ff);
  const mxcsr = checkField('mxcsr', s.mxcsr, 0xffffffff);
  if (!Array.isArray(s.regs) || s.regs.length !== 8) throw new VmdeskError('fpu-state', 'fpu: snapshot field regs must list 8 registers');
  s.regs.forEach((r, i) => {
    if (typeof r !== 'string' || !HEX20.test(r)) throw new VmdeskError('fpu-state', `fpu: snapshot field regs[${i}] must be 20 hex digits`);
  });
  const f = u.f;
  for (let p = 0; p < 8; p++) {
    const r = s.regs[p];
    const byte = (k: number): number => parseInt(r.slice(2 * k, 2 * k + 2), 16);
    f.lo[p] = byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24);
    f.hi[p] = byte(4) | (byte(5) << 8) | (byte(6) << 16) | (byte(7) << 24);
    f.se[p] = byte(8) | (byte(9) << 8);
  }
  u.fcw = (fcw & 0x1f3f) | 0x40;
  u.top = (fsw >> 11) & 7;
  u.fsw = fsw & ~0x3800;
  u.empty = emptyFromTagWord(ftw);
  u.fip = fip | 0;
  u.fcs = fcs;
  u.fdp = fdp | 0;
  u.fds = fds;
  u.fop = fop;
  u.mxcsr = mxcsr | 0;
  u.updateEs();
}
