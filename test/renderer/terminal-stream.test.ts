// The console window's terminal writes each byte the guest sent once, also when the console
// store's bounded history has dropped its oldest bytes.
import { describe, expect, it } from 'vitest';
import { appendedBytes } from '../../renderer/src/terminal-stream';

const b = (s: string) => new TextEncoder().encode(s);
const t = (u: Uint8Array) => new TextDecoder().decode(u);

describe('appendedBytes', () => {
  it('takes what was appended', () => {
    expect(t(appendedBytes(b(''), b('boot')).bytes)).toBe('boot');
    expect(t(appendedBytes(b('boot'), b('booting\r\n')).bytes)).toBe('ing\r\n');
  });

  it('finds the boundary when the history was trimmed at its start', () => {
    const prev = b('0123456789'.repeat(20));
    const next = new Uint8Array([...prev.subarray(50), ...b('vmdesk# ')]);
    expect(appendedBytes(prev, next)).toEqual({ bytes: b('vmdesk# '), restart: false });
  });

  it('starts over when the new history does not follow the old (a new power-on)', () => {
    expect(appendedBytes(b('old output that is gone'), b('fresh'))).toEqual({ bytes: b('fresh'), restart: true });
  });
});
