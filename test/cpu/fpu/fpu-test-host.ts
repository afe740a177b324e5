// A flat-memory FpuHost and helpers to run single ESC instructions in unit tests.
import { X87 } from '../../../core/cpu/fpu';
import type { FpuHost, FpuInstruction } from '../../../core/cpu/fpu';

export class TestHost implements FpuHost {
  readonly mem = new DataView(new ArrayBuffer(0x10000));
  flags = 0x202;
  ax = -1;
  read8(a: number): number { return this.mem.getUint8(a); }
  read16(a: number): number { return this.mem.getUint16(a, true); }
  read32(a: number): number { return this.mem.getUint32(a, true); }
  write8(a: number, v: number): void { this.mem.setUint8(a, v & 0xff); }
  write16(a: number, v: number): void { this.mem.setUint16(a, v & 0xffff, true); }
  write32(a: number, v: number): void { this.mem.setUint32(a, v >>> 0, true); }
  eflags(): number { return this.flags; }
  setCompareFlags(bits: number): void { this.flags = (this.flags & ~0x8d5) | bits; }
  writeAx(v: number): void { this.ax = v; }
  /** Writes an 80-bit value given as sign/exponent word and 64-bit significand hex. */
  put80(a: number, se: number, sig: string): void {
    this.write32(a, parseInt(sig.slice(8), 16));
    this.write32(a + 4, parseInt(sig.slice(0, 8), 16));
    this.write16(a + 8, se);
  }
  get80(a: number): string {
    const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
    return `${hex(this.read16(a + 8), 4)}:${hex(this.read32(a + 4), 8)}${hex(this.read32(a), 8)}`;
  }
}

export interface Op {
  opcode: number;
  modrm: number;
  linear?: number;
  operand32?: boolean;
  realMode?: boolean;
  cs?: number;
  eip?: number;
  ds?: number;
}

export function exec(fpu: X87, op: Op): void {
  const insn: FpuInstruction = {
    opcode: op.opcode,
    modrm: op.modrm,
    linear: op.linear ?? 0,
    operand32: op.operand32 ?? true,
    realMode: op.realMode ?? false,
    cs: op.cs ?? 0x23,
    eip: op.eip ?? 0x1000,
    ds: op.ds ?? 0x2b,
    offset: op.linear ?? 0,
  };
  fpu.execute(insn);
}

export const SCRATCH = 0x100;

/** FLD m80 of a value. */
export function load(fpu: X87, host: TestHost, se: number, sig: string): void {
  host.put80(SCRATCH, se, sig);
  exec(fpu, { opcode: 0xdb, modrm: 0x2d, linear: SCRATCH });
}

/** FLDCW of a control word. */
export function setCw(fpu: X87, host: TestHost, cw: number): void {
  host.write16(SCRATCH + 16, cw);
  exec(fpu, { opcode: 0xd9, modrm: 0x2d, linear: SCRATCH + 16 });
}

/** ST(i) as 'sexp:significand' (through FNSAVE would reinitialize; use the snapshot instead). */
export function st(fpu: X87, i: number): string {
  const s = fpu.saveState();
  const top = (s.fsw >> 11) & 7;
  const r = s.regs[(top + i) & 7];
  const byte = (k: number): string => r.slice(2 * k, 2 * k + 2);
  return `${byte(9)}${byte(8)}:${[7, 6, 5, 4, 3, 2, 1, 0].map(byte).join('')}`;
}

export function newFpu(): { fpu: X87; host: TestHost } {
  const host = new TestHost();
  const fpu = new X87(host);
  fpu.init();
  return { fpu, host };
}
