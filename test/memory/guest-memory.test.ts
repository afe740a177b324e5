// GuestMemory: shared RAM, bounds-checked copies with clear errors, the dirty bitmap.
import { describe, expect, it } from 'vitest';
import { GuestMemory, MemoryError } from '../../core/memory';

describe('GuestMemory', () => {
  it('allocates whole pages in a SharedArrayBuffer and refuses bad sizes with a clear message', () => {
    const m = GuestMemory.allocate(1 << 20);
    expect(m.state.ram).toBeInstanceOf(SharedArrayBuffer);
    expect(m.size).toBe(1 << 20);
    expect(() => GuestMemory.allocate(1000)).toThrow(/memory: size 1000 is not a positive whole number of 4 KiB pages/);
    expect(() => GuestMemory.allocate(0)).toThrow(MemoryError);
  });

  it('copies in and out with bounds checks and marks written pages dirty', () => {
    const m = GuestMemory.allocate(64 * 4096);
    m.write(4096 * 3 + 4090, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(Array.from(m.read(4096 * 3 + 4090, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const dirty = (p: number) => (m.dirtyBits[p >>> 5]! >>> (p & 31)) & 1;
    expect([dirty(2), dirty(3), dirty(4), dirty(5)]).toEqual([0, 1, 1, 0]);
    expect(() => m.read(64 * 4096 - 2, 4)).toThrow(/outside guest RAM/);
    expect(() => m.write(-1, new Uint8Array(1))).toThrow(MemoryError);
  });

  it('shares its bytes with another GuestMemory over the same state (another thread\'s view)', () => {
    const a = GuestMemory.allocate(4096);
    const b = new GuestMemory(a.state);
    a.view.setUint32(16, 0xdeadbeef, true);
    expect(b.view.getUint32(16, true)).toBe(0xdeadbeef);
  });
});
