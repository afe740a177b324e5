import { describe, expect, it } from 'vitest';
import { BusError, MmioBus, PortBus, type PortDevice } from '../../core/bus';

function recorder(): PortDevice & { writes: [number, number, number][] } {
  const writes: [number, number, number][] = [];
  return {
    writes,
    readPort: (offset, size) => (offset << 8) | size,
    writePort: (offset, size, value) => void writes.push([offset, size, value]),
  };
}

describe('PortBus', () => {
  it('hands devices offsets from their base', () => {
    const bus = new PortBus();
    const dev = recorder();
    bus.register('uart0', 0x3f8, 8, dev);
    expect(bus.read(0x3fd, 1)).toBe((5 << 8) | 1);
    bus.write(0x3f8, 1, 0x41);
    expect(dev.writes).toEqual([[0, 1, 0x41]]);
  });

  it('refuses an overlapping claim and names both devices', () => {
    const bus = new PortBus();
    bus.register('pic-master', 0x20, 2, recorder());
    expect(() => bus.register('rogue', 0x21, 4, recorder())).toThrow(BusError);
    expect(() => bus.register('rogue', 0x21, 4, recorder())).toThrow(/rogue.*overlaps pic-master/);
  });

  it('reads unclaimed ports as open bus and frees a range on dispose', () => {
    const bus = new PortBus();
    const claim = bus.register('dev', 0x80, 1, recorder());
    claim.dispose();
    expect(bus.read(0x80, 1)).toBe(0xff);
    expect(bus.read(0x80, 2)).toBe(0xffff);
    expect(bus.read(0x80, 4)).toBe(0xffffffff);
    expect(() => bus.register('again', 0x80, 1, recorder())).not.toThrow();
  });
});

describe('MmioBus', () => {
  it('routes by address and refuses overlaps', () => {
    const bus = new MmioBus();
    const seen: number[] = [];
    bus.register('lapic', 0xfee00000, 0x1000, { readMmio: (o) => o, writeMmio: (o) => void seen.push(o) });
    expect(bus.read(0xfee00030, 4)).toBe(0x30);
    expect(bus.read(0xfec00000, 4)).toBe(0xffffffff);
    expect(() => bus.register('x', 0xfee00800, 16, { readMmio: () => 0, writeMmio: () => {} })).toThrow(/overlaps lapic/);
  });
});
