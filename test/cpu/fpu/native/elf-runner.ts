// Runs a generated static ELF32 test program through the X87 unit: loads the PT_LOAD
// segments into a flat memory and steps through the few instruction forms the generator
// emits (ESC opcodes with disp32 or register operands, FXSAVE/FXRSTOR, MOV imm/moffs,
// PUSH/PUSHFD/POPFD/POP EAX, INT 80h for write and exit). Anything else is a harness error.

import { X87 } from '../../../../core/cpu/fpu';
import type { FpuHost, FpuInstruction } from '../../../../core/cpu/fpu';

/** Linux i386 user selectors (what the native run records as FCS/FDS). */
export const USER_CS = 0x23;
export const USER_DS = 0x2b;

class FlatMemory implements FpuHost {
  eflagsValue = 0x202;
  readonly regs = new Uint32Array(8);
  constructor(readonly base: number, readonly bytes: Uint8Array) {}
  private at(a: number, n: number): number {
    const o = (a >>> 0) - this.base;
    if (o < 0 || o + n > this.bytes.length) throw new Error(`harness: access at 0x${(a >>> 0).toString(16)} outside the image`);
    return o;
  }
  read8(a: number): number { return this.bytes[this.at(a, 1)]; }
  read16(a: number): number { const o = this.at(a, 2); return this.bytes[o] | (this.bytes[o + 1] << 8); }
  read32(a: number): number {
    const o = this.at(a, 4);
    const b = this.bytes;
    return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
  }
  write8(a: number, v: number): void { this.bytes[this.at(a, 1)] = v; }
  write16(a: number, v: number): void { const o = this.at(a, 2); this.bytes[o] = v; this.bytes[o + 1] = v >> 8; }
  write32(a: number, v: number): void {
    const o = this.at(a, 4);
    const b = this.bytes;
    b[o] = v; b[o + 1] = v >> 8; b[o + 2] = v >> 16; b[o + 3] = v >> 24;
  }
  eflags(): number { return this.eflagsValue; }
  setCompareFlags(bits: number): void { this.eflagsValue = (this.eflagsValue & ~0x8d5) | (bits & 0x45); }
  writeAx(v: number): void { this.regs[0] = ((this.regs[0] & 0xffff0000) | (v & 0xffff)) >>> 0; }
}

class Insn implements FpuInstruction {
  opcode = 0;
  modrm = 0;
  linear = 0;
  operand32 = true;
  realMode = false;
  cs = USER_CS;
  eip = 0;
  ds = USER_DS;
  offset = 0;
}

export interface EmulatedRun {
  /** The bytes the program passed to write(1, ...). */
  stdout: Uint8Array;
  instructions: number;
  fpu: X87;
}

export function runElf(image: Uint8Array): EmulatedRun {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46 || image[4] !== 1) throw new Error('harness: not an ELF32 file');
  const entry = dv.getUint32(0x18, true);
  const phoff = dv.getUint32(0x1c, true);
  const phentsize = dv.getUint16(0x2a, true);
  const phnum = dv.getUint16(0x2c, true);
  let lo = Infinity, hi = 0;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== 1) continue;
    const va = dv.getUint32(p + 8, true);
    lo = Math.min(lo, va);
    hi = Math.max(hi, va + dv.getUint32(p + 20, true));
  }
  const base = lo & ~0xfff;
  const mem = new FlatMemory(base, new Uint8Array(hi - base + 16));
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== 1) continue;
    const off = dv.getUint32(p + 4, true);
    const va = dv.getUint32(p + 8, true);
    const filesz = dv.getUint32(p + 16, true);
    mem.bytes.set(image.subarray(off, off + filesz), va - base);
  }
  const fpu = new X87(mem);
  fpu.init(); // a Linux process starts after FNINIT (the kernel's fpu init)
  const insn = new Insn();
  const regs = mem.regs;
  const stack: number[] = [];
  const out: number[] = [];
  let eip = entry;
  let count = 0;
  const u8 = (a: number): number => mem.read8(a);
  for (;;) {
    count++;
    const start = eip;
    let b = u8(eip++);
    let o16 = false;
    if (b === 0x66) {
      o16 = true;
      b = u8(eip++);
    }
    if (b >= 0xd8 && b <= 0xdf) {
      const modrm = u8(eip++);
      insn.opcode = b;
      insn.modrm = modrm;
      insn.operand32 = !o16;
      insn.eip = start;
      if (modrm < 0xc0) {
        if ((modrm & 0xc7) !== 0x05) throw new Error(`harness: unsupported ModR/M ${modrm.toString(16)} at 0x${start.toString(16)}`);
        const a = mem.read32(eip);
        eip += 4;
        insn.linear = a;
        insn.offset = a;
      }
      fpu.execute(insn);
      continue;
    }
    switch (b) {
      case 0x9b:
        if (fpu.errorPending) throw new Error(`harness: FWAIT at 0x${start.toString(16)} would raise #MF`);
        continue;
      case 0x0f: {
        const b2 = u8(eip++);
        const modrm = u8(eip++);
        if (b2 !== 0xae || (modrm & 0xc7) !== 0x05) throw new Error(`harness: unsupported 0F ${b2.toString(16)} at 0x${start.toString(16)}`);
        const a = mem.read32(eip);
        eip += 4;
        const reg = (modrm >> 3) & 7;
        if (reg === 0) fpu.fxsave(a);
        else if (reg === 1) fpu.fxrstor(a);
        else throw new Error(`harness: unsupported 0F AE /${reg}`);
        continue;
      }
      case 0xa3: {
        const a = mem.read32(eip);
        eip += 4;
        if (o16) mem.write16(a, regs[0]);
        else mem.write32(a, regs[0]);
        continue;
      }
      case 0x68:
        stack.push(mem.read32(eip));
        eip += 4;
        continue;
      case 0x9c:
        stack.push(mem.eflagsValue);
        continue;
      case 0x9d:
        mem.eflagsValue = ((stack.pop() ?? 0) & 0x8d5) | 0x202;
        continue;
      case 0x58:
        regs[0] = stack.pop() ?? 0;
        continue;
      case 0xcd: {
        const v = u8(eip++);
        if (v !== 0x80) throw new Error('harness: unsupported INT');
        if (regs[0] === 1) return { stdout: Uint8Array.from(out), instructions: count, fpu };
        if (regs[0] === 4) {
          for (let i = 0; i < regs[2]; i++) out.push(mem.read8(regs[1] + i));
          regs[0] = regs[2];
          continue;
        }
        throw new Error(`harness: unsupported syscall ${regs[0]}`);
      }
      default:
        if (b >= 0xb8 && b <= 0xbf) {
          regs[b - 0xb8] = mem.read32(eip);
          eip += 4;
          continue;
        }
        throw new Error(`harness: unsupported opcode ${b.toString(16)} at 0x${start.toString(16)}`);
    }
  }
}

/** FNSTSW AX puts the status word in AX: the harness mirrors it for MOV moffs16. */
export type { FlatMemory };
