// x87 throughput: FPU instructions per second through X87.execute on a few mixes, with a flat
// memory host. Prints figures only (no thresholds). Run: npx tsx test/bench/fpu-ops.ts
import { X87 } from '../../core/cpu/fpu';
import type { FpuHost, FpuInstruction } from '../../core/cpu/fpu';

const mem = new DataView(new ArrayBuffer(4096));
const host: FpuHost = {
  read8: (a) => mem.getUint8(a),
  read16: (a) => mem.getUint16(a, true),
  read32: (a) => mem.getUint32(a, true),
  write8: (a, v) => mem.setUint8(a, v),
  write16: (a, v) => mem.setUint16(a, v, true),
  write32: (a, v) => mem.setUint32(a, v, true),
  eflags: () => 0x202,
  setCompareFlags: () => {},
  writeAx: () => {},
};

class Insn implements FpuInstruction {
  opcode = 0; modrm = 0; linear = 0; operand32 = true; realMode = false; cs = 0x23; eip = 0x1000; ds = 0x2b; offset = 0;
}

/** [opcode, modrm, address] triples. */
type Op = [number, number, number];
const FLD_M64 = (a: number): Op => [0xdd, 0x05, a];
const FSTP_M64 = (a: number): Op => [0xdd, 0x1d, a];
const mixes: Record<string, Op[]> = {
  'add/mul (reg)': [FLD_M64(0), FLD_M64(8), [0xd8, 0xc1, 0], [0xd8, 0xc9, 0], [0xdc, 0xc1, 0], [0xd8, 0xe1, 0], [0xde, 0xc9, 0], FSTP_M64(16)],
  'div/sqrt': [FLD_M64(0), FLD_M64(8), [0xd8, 0xf1, 0], [0xd9, 0xfa, 0], [0xde, 0xf9, 0], FSTP_M64(16)],
  'load/store/compare': [FLD_M64(0), [0xd9, 0x05, 32], [0xdb, 0xf1, 0], [0xd9, 0xc9, 0], [0xdf, 0x1d, 40], [0xdb, 0x1d, 48], [0xdd, 0xd8, 0]],
  'libm-like (fsin, fyl2x, fpatan)': [FLD_M64(0), [0xd9, 0xfe, 0], FLD_M64(8), [0xd9, 0xf1, 0], FLD_M64(8), [0xd9, 0xf3, 0], FSTP_M64(16)],
};

mem.setFloat64(0, 1.2345678901234567, true);
mem.setFloat64(8, 3.3333333333333335, true);
mem.setFloat32(32, 2.5, true);

const fpu = new X87(host);
const insn = new Insn();
function run(ops: Op[], rounds: number): number {
  fpu.init();
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i];
      insn.opcode = o[0];
      insn.modrm = o[1];
      insn.linear = o[2];
      insn.offset = o[2];
      fpu.execute(insn);
    }
  }
  const ns = Number(process.hrtime.bigint() - start);
  return (rounds * ops.length) / (ns / 1e9);
}

for (const [name, ops] of Object.entries(mixes)) {
  const rounds = name.startsWith('libm') ? 20_000 : 200_000;
  run(ops, rounds / 10); // warm-up
  const rate = run(ops, rounds);
  console.log(`fpu ${name}: ${(rate / 1e6).toFixed(2)} M FPU ops/s`);
}
