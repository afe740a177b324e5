import { describe, expect, it } from 'vitest';
import { PortBus } from '../../core/bus';
import { HostBridge440fx, IsaBridgePiix3, PciBus, PciConfigMechanism1, PciConfigSpace, PciFunctionBase } from '../../core/devices/pci';

function setup() {
  const bus = new PciBus();
  bus.register(0, 0, new HostBridge440fx());
  bus.register(1, 0, new IsaBridgePiix3());
  const resets: boolean[] = [];
  const ports = new PortBus();
  ports.register('pci-config', 0xcf8, 8, new PciConfigMechanism1({ bus, onReset: (hard) => void resets.push(hard) }));
  const cfg = (dev: number, fn: number, reg: number): number => 0x80000000 | (dev << 11) | (fn << 8) | reg;
  const read32 = (dev: number, fn: number, reg: number): number => {
    ports.write(0xcf8, 4, cfg(dev, fn, reg));
    return ports.read(0xcfc, 4);
  };
  return { bus, ports, resets, cfg, read32 };
}

describe('PCI configuration mechanism #1', () => {
  it('passes Linux pci_check_type1: CONFIG_ADDRESS reads back 0x80000000', () => {
    const { ports } = setup();
    ports.write(0xcfb, 1, 0x01);
    const saved = ports.read(0xcf8, 4);
    ports.write(0xcf8, 4, 0x80000000);
    expect(ports.read(0xcf8, 4)).toBe(0x80000000);
    ports.write(0xcf8, 4, saved);
    // Type 2 probe bytes do not look like mechanism #2.
    expect(ports.read(0xcf8, 1)).toBe(0xff);
  });

  it('shows the 440FX at 00:00.0 and the PIIX3 at 00:01.0 with their class codes', () => {
    const { read32 } = setup();
    expect(read32(0, 0, 0)).toBe(0x12378086);
    expect(read32(0, 0, 8) >>> 8).toBe(0x060000);
    expect(read32(1, 0, 0)).toBe(0x70008086);
    expect(read32(1, 0, 8) >>> 8).toBe(0x060100);
    expect((read32(1, 0, 0x0c) >>> 16) & 0x80).toBe(0x80); // multi-function header
    expect(read32(2, 0, 0)).toBe(0xffffffff);
    expect(read32(1, 1, 0)).toBe(0xffffffff);
  });

  it('takes byte and word accesses at any data offset', () => {
    const { ports, cfg } = setup();
    ports.write(0xcf8, 4, cfg(0, 0, 0));
    expect(ports.read(0xcfc, 2)).toBe(0x8086);
    expect(ports.read(0xcfe, 2)).toBe(0x1237);
    expect(ports.read(0xcfd, 1)).toBe(0x80);
    ports.write(0xcf8, 4, cfg(1, 0, 0x3c));
    ports.write(0xcfc, 1, 0x0b);
    expect(ports.read(0xcfc, 1)).toBe(0x0b);
    ports.write(0xcf8, 4, cfg(1, 0, 0x60));
    expect(ports.read(0xcfc, 4)).toBe(0x80808080); // PIRQ routing disabled
    ports.write(0xcfe, 1, 0x0a);
    expect(ports.read(0xcfc, 4)).toBe(0x800a8080);
  });

  it('reads all ones and ignores writes with the enable bit clear or on another bus', () => {
    const { ports } = setup();
    ports.write(0xcf8, 4, 0x00000000);
    expect(ports.read(0xcfc, 4)).toBe(0xffffffff);
    ports.write(0xcf8, 4, 0x80010000);
    expect(ports.read(0xcfc, 4)).toBe(0xffffffff);
  });

  it('keeps read-only identity fields read-only', () => {
    const { ports, cfg, read32 } = setup();
    ports.write(0xcf8, 4, cfg(0, 0, 0));
    ports.write(0xcfc, 4, 0xdeadbeef);
    expect(read32(0, 0, 0)).toBe(0x12378086);
  });

  it('resets through 0xCF9 when RCPU is set, hard with SRST', () => {
    const { ports, resets } = setup();
    ports.write(0xcf9, 1, 0x02);
    expect(resets).toEqual([]);
    expect(ports.read(0xcf9, 1)).toBe(0x02);
    ports.write(0xcf9, 1, 0x06);
    expect(resets).toEqual([true]);
  });

  it('sizes BARs: all ones reads back the size mask with the type bits', () => {
    const { bus, ports, cfg, read32 } = setup();
    const space = new PciConfigSpace({ vendorId: 0x1af4, deviceId: 0x1000, classCode: 0x020000, interruptPin: 1 });
    space.defineBar(0, { size: 0x20, kind: 'io' });
    space.defineBar(1, { size: 0x1000, kind: 'mem32' });
    bus.register(3, 0, new PciFunctionBase('nic', space));
    for (const [bar, expected] of [
      [0x10, 0xffffffe1],
      [0x14, 0xfffff000],
      [0x18, 0x00000000],
    ] as const) {
      ports.write(0xcf8, 4, cfg(3, 0, bar));
      ports.write(0xcfc, 4, 0xffffffff);
      expect(read32(3, 0, bar)).toBe(expected);
    }
    ports.write(0xcf8, 4, cfg(3, 0, 0x14));
    ports.write(0xcfc, 4, 0xfebf1234);
    expect(space.barAddress(1)).toBe(0xfebf1000);
    expect(read32(3, 0, 0x3c) >>> 8 & 0xff).toBe(1);
    expect(() => bus.register(3, 0, new HostBridge440fx())).toThrow(/pci: i440fx at 00:03.0 is taken by nic/);
  });

  it('clears status error bits by writing ones', () => {
    const { bus, ports, cfg, read32 } = setup();
    const space = new PciConfigSpace({ vendorId: 1, deviceId: 2, classCode: 0 });
    space.set16(0x06, 0x8200);
    bus.register(4, 0, new PciFunctionBase('x', space));
    ports.write(0xcf8, 4, cfg(4, 0, 0x04));
    ports.write(0xcfe, 2, 0x8000);
    expect(read32(4, 0, 4) >>> 16).toBe(0x0200);
  });

  it('saves and restores function config spaces', () => {
    const a = setup();
    a.ports.write(0xcf8, 4, a.cfg(1, 0, 0x60));
    a.ports.write(0xcfc, 1, 0x0b);
    const b = setup();
    b.bus.restore(JSON.parse(JSON.stringify(a.bus.save())));
    expect(b.read32(1, 0, 0x60) & 0xff).toBe(0x0b);
  });
});
