// The one opcode table: every one-byte opcode of the Pentium II is described once (prefixes
// and the 0F escape are decoded before the table), and the 0F page holds the P6 set.
import { describe, expect, it } from 'vitest';
import { OPCODES } from '../../core/cpu';
import { PREFIXES } from '../../core/cpu/opcode-table';

describe('opcode table', () => {
  it('describes every one-byte opcode exactly once', () => {
    const oneByte = new Set(OPCODES.filter((o) => o.code < 0x100).map((o) => o.code));
    const missing = [];
    for (let b = 0; b < 256; b++) if (!oneByte.has(b) && !PREFIXES.includes(b) && b !== 0x0f) missing.push(b.toString(16));
    expect(missing).toEqual([]);
    expect(OPCODES.length).toBe(new Set(OPCODES.map((o) => o.code)).size);
  });

  it('holds the 0F opcodes a Pentium II implements, and not the SSE/MMX ones', () => {
    const page = new Set(OPCODES.filter((o) => o.code >= 0x100).map((o) => o.code - 0x100));
    const p6 = [0x00, 0x01, 0x02, 0x03, 0x06, 0x08, 0x09, 0x0b, 0x20, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35,
      0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa8, 0xa9, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
      0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc7];
    for (let i = 0; i < 16; i++) p6.push(0x40 + i, 0x80 + i, 0x90 + i);
    for (let i = 0; i < 8; i++) p6.push(0xc8 + i);
    for (const op of p6) expect(page.has(op), `0F ${op.toString(16)}`).toBe(true);
    for (const op of [0x10, 0x28, 0x58, 0x60, 0x6f, 0x77, 0xd4, 0xef]) expect(page.has(op), `0F ${op.toString(16)}`).toBe(false);
  });
});
