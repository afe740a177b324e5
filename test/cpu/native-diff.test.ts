// Native differential tests: the same static ELF32 programs run on the host CPU and in
// the emulator (CPL 3, paging on), and their dumps must agree — registers, memory and
// every flag the SDM defines for the case (undefined flags are masked per record).
import { afterAll, describe, expect, it } from 'vitest';
import { ARITH_OPS, arithSource } from './native/arith-program';
import { MISC_SOURCE } from './native/misc-program';
import { STRING_SOURCE } from './native/string-program';
import { buildElf as build, removeElf, runEmulated, runNative } from './elf-harness';

const built: string[] = [];
function buildElf(name: string, source: string): string {
  const exe = build(name, source);
  built.push(exe);
  return exe;
}
afterAll(() => built.forEach(removeElf));

describe('native differential', () => {
  it('arithmetic, logic, shifts, rotates, multiply/divide, bit ops, BCD, CMPXCHG8B agree with the host CPU', () => {
    const exe = buildElf('arith', arithSource());
    const native = runNative(exe);
    expect(native.status).toBe(0);
    const emu = runEmulated(exe);
    expect(emu.exception).toBeNull();
    expect(emu.exitCode).toBe(0);
    expect(emu.stdout.length).toBe(native.stdout.length);
    const n = native.stdout;
    const e = emu.stdout;
    const mismatches: string[] = [];
    let records = 0;
    const opsSeen = new Set<number>();
    for (let off = 0; off + 36 <= n.length; off += 36) {
      records++;
      const id = n.readUInt32LE(off);
      opsSeen.add(id);
      const op = ARITH_OPS[id]!;
      const a = n.readUInt32LE(off + 4);
      const b = n.readUInt32LE(off + 8);
      const mask = op.flags(a, b);
      const regs = op.regsDefined ? op.regsDefined(a, b) : true;
      let diff = '';
      for (let k = 0; k < 4; k++) {
        const x = n.readUInt32LE(off + 16 + 4 * k);
        const y = e.readUInt32LE(off + 16 + 4 * k);
        if (regs && x !== y) diff += ` ${['eax', 'ebx', 'ecx', 'edx'][k]} native=${x.toString(16)} emulated=${y.toString(16)}`;
      }
      const fx = n.readUInt32LE(off + 32) & mask;
      const fy = e.readUInt32LE(off + 32) & mask;
      if (fx !== fy) diff += ` flags native=${fx.toString(16)} emulated=${fy.toString(16)}`;
      if (diff && mismatches.length < 20) mismatches.push(`${op.name} A=${a.toString(16)} B=${b.toString(16)} flagsIn=${n.readUInt32LE(off + 12).toString(16)}:${diff}`);
    }
    expect(mismatches.join('\n')).toBe('');
    expect(opsSeen.size).toBe(ARITH_OPS.length);
    expect(records).toBeGreaterThan(200_000);
  });

  it('string instructions with REP/REPE/REPNE, both directions and page crossings agree with the host CPU', () => {
    const exe = buildElf('strings', STRING_SOURCE);
    const native = runNative(exe);
    expect(native.status).toBe(0);
    const emu = runEmulated(exe);
    expect(emu.exception).toBeNull();
    expect(native.stdout.length).toBe(12 * 540);
    const firstDiff = native.stdout.findIndex((b, i) => emu.stdout[i] !== b);
    expect(firstDiff === -1 ? 'identical' : `case ${Math.floor(firstDiff / 540)} byte ${firstDiff % 540}`).toBe('identical');
  });

  it('addressing forms, stack frames, PUSHA/POPA, RET imm, loops, XLAT/XCHG, BT* on memory and flag round trips agree', () => {
    const exe = buildElf('misc', MISC_SOURCE);
    const native = runNative(exe);
    expect(native.status).toBe(0);
    const emu = runEmulated(exe);
    expect(emu.exception).toBeNull();
    expect(native.stdout.length).toBe(10 * 96);
    const firstDiff = native.stdout.findIndex((b, i) => emu.stdout[i] !== b);
    expect(firstDiff === -1 ? 'identical' : `block ${Math.floor(firstDiff / 96)} byte ${firstDiff % 96}: native ${native.stdout.subarray(firstDiff - (firstDiff % 4), firstDiff - (firstDiff % 4) + 4).toString('hex')} emulated ${emu.stdout.subarray(firstDiff - (firstDiff % 4), firstDiff - (firstDiff % 4) + 4).toString('hex')}`).toBe('identical');
  });
});
