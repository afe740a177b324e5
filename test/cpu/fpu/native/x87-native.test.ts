// The native differential suite: every group of generated x87 programs runs on the host CPU
// (nasm + ld, static ELF32) and through X87 via the ELF runner; records must match bit for bit
// (transcendentals: within one ulp, the SDM's documented error bound, see cases.ts).
import { describe, expect, it } from 'vitest';
import { allGroups } from './cases';
import { runGroup } from './program';

describe('x87 against the host CPU', () => {
  for (const group of allGroups()) {
    it(`${group.name}: every case matches the host`, () => {
      const r = runGroup(group);
      console.log(`${r.name}: ${r.passed}/${r.total} passed (${r.bitExact} bit for bit)`);
      expect(r.mismatches.slice(0, 5)).toEqual([]);
      expect(r.passed).toBe(r.total);
    });
  }
});
