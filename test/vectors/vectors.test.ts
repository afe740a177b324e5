// A sample of the single-step vector sets in the main suite (the full run is
// `npm run test:vectors`): a few opcode files of each set must pass completely.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles, runSet } from './vector-sets';

function pick(set: '80286' | '8086', ops: string[]): string[] {
  const all = listFiles(set);
  return ops.map((op) => {
    const f = all.find((p) => path.basename(p).startsWith(`${op}.`));
    if (!f) throw new Error(`vectors: no ${set} file for ${op}`);
    return f;
  });
}

describe('single-step vectors (sample)', () => {
  it('80286: ALU, shifts, string ops, far control flow, divide errors and BCD all pass', () => {
    const r = runSet('80286', { files: pick('80286', ['00', '13', '27', '69', '9D', 'A5', 'C0.5', 'CA', 'CF', 'D3.2', 'F7.7', 'FF.3']), limitPerFile: 200 });
    expect(r.failures.size === 0 ? '' : [...r.failures].map(([k, v]) => `${k}: ${v.first}`).join('\n')).toBe('');
    expect(r.total).toBeGreaterThan(2000);
    expect(r.passed).toBe(r.total);
  });
  it('8086: the same core agrees on the 8086 set', () => {
    const r = runSet('8086', { files: pick('8086', ['01', '2F', '3F', '81.3', 'A7', 'C4', 'D1.3', 'F6.4', 'FF.6']) });
    expect(r.failures.size === 0 ? '' : [...r.failures].map(([k, v]) => `${k}: ${v.first}`).join('\n')).toBe('');
    expect(r.passed).toBe(r.total);
    expect(r.total).toBeGreaterThan(700);
  });
});
