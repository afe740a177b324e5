// A guest writing garbage hurts only itself: random reads and writes of every size at every
// offset of every device must never throw out of the device, and saved state must still
// round-trip afterwards.
import { describe, expect, it } from 'vitest';
import { type AccessSize, ManualClock, type MmioDevice, type PortDevice } from '../../core/bus';
import {
  AcpiPm,
  DebugExitPort,
  HostBridge440fx,
  I8042,
  IoApic,
  IsaBridgePiix3,
  LocalApic,
  PciBus,
  PciConfigMechanism1,
  PicPair,
  Pit8254,
  Port92,
  PostCodePort,
  Rtc146818,
  SimpleA20Gate,
  SystemControlPortB,
  Uart16550,
} from '../../core/devices';

/** Deterministic xorshift so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function build() {
  const clock = new ManualClock();
  const a20 = new SimpleA20Gate();
  const pic = new PicPair();
  const pit = new Pit8254({ clock, irq0: pic.irq(0) });
  const pciBus = new PciBus();
  pciBus.register(0, 0, new HostBridge440fx());
  pciBus.register(1, 0, new IsaBridgePiix3());
  let ioapic!: IoApic;
  const lapic = new LocalApic({ clock, extInt: pic, onEoi: (v) => ioapic.eoi(v) });
  ioapic = new IoApic({ deliver: (m) => lapic.acceptInterrupt(m.vector, m.levelTriggered, m.deliveryMode) });
  const kbc = new I8042({ a20, onReset: () => {}, irq1: pic.irq(1), irq12: pic.irq(12) });
  const uart = new Uart16550({ clock, irq: pic.irq(4), backend: { write: () => {} } });
  const pm = new AcpiPm({ clock, sci: pic.irq(9), onPowerOff: () => {} });
  const ports: [string, PortDevice, number][] = [
    ['pic-master', pic.masterPorts, 2],
    ['pic-slave', pic.slavePorts, 2],
    ['elcr', pic.elcrPorts, 2],
    ['pit', pit, 4],
    ['port61', new SystemControlPortB({ clock, pit }), 1],
    ['rtc', new Rtc146818({ clock, ramBytes: 64 << 20, irq: pic.irq(8) }), 2],
    ['kbc-data', kbc.dataPort, 1],
    ['kbc-cmd', kbc.commandPort, 1],
    ['uart', uart, 8],
    ['port92', new Port92({ a20, onReset: () => {} }), 1],
    ['post', new PostCodePort(), 1],
    ['debug-exit', new DebugExitPort(() => {}), 1],
    ['pci', new PciConfigMechanism1({ bus: pciBus, onReset: () => {} }), 8],
    ['pm-evt', pm.eventBlock, 4],
    ['pm-cnt', pm.controlBlock, 2],
    ['pm-tmr', pm.timerBlock, 4],
    ['gpe0', pm.gpe0Block, 4],
  ];
  const mmio: [string, MmioDevice, number][] = [
    ['lapic', lapic, 0x1000],
    ['ioapic', ioapic, 0x100],
  ];
  return { clock, pic, lapic, kbc, uart, pm, pit, ioapic, pciBus, ports, mmio };
}

const SIZES: AccessSize[] = [1, 2, 4];

describe('hostile register pokes', () => {
  it('never throw out of any device, and the machine still answers afterwards', () => {
    const m = build();
    const next = rng(0x5eed);
    for (let round = 0; round < 20_000; round++) {
      const size = SIZES[next() % 3]!;
      const value = next();
      if (round % 2 === 0) {
        const [name, dev, len] = m.ports[next() % m.ports.length]!;
        const offset = next() % (len + 2); // a little past the end as well
        try {
          if (next() & 1) dev.writePort(offset, size, value);
          else dev.readPort(offset, size);
        } catch (err) {
          throw new Error(`${name}: access at +${offset} size ${size} value ${value} threw: ${String(err)}`);
        }
      } else {
        const [name, dev, len] = m.mmio[next() % m.mmio.length]!;
        const offset = next() % len;
        try {
          if (next() & 1) dev.writeMmio(offset, size, value);
          else dev.readMmio(offset, size);
        } catch (err) {
          throw new Error(`${name}: MMIO at +${offset} size ${size} value ${value} threw: ${String(err)}`);
        }
      }
      if (round % 97 === 0) m.clock.advance(next() % 5_000_000);
      if (round % 13 === 0 && m.lapic.hasInterrupt()) m.lapic.acknowledge();
      if (round % 17 === 0) m.uart.receive([next() & 0xff]);
      if (round % 29 === 0) m.kbc.keyboard.pressKey([next() & 0xff]);
      if (round % 31 === 0) m.kbc.mouse.move((next() % 1000) - 500, (next() % 1000) - 500, { left: true }, 1);
    }
    m.clock.advance(10e9);
    // The devices still save and restore cleanly.
    for (const dev of [m.pic, m.pit, m.kbc, m.uart, m.pm, m.lapic, m.ioapic, m.pciBus]) {
      const state = JSON.parse(JSON.stringify(dev.save()));
      expect(() => (dev.restore as (s: unknown) => void)(state)).not.toThrow();
    }
  });

  it('refuses garbage saved state with one clear line, never a crash', () => {
    const m = build();
    for (const [name, dev] of [
      ['pic', m.pic],
      ['pit', m.pit],
      ['i8042', m.kbc],
      ['uart', m.uart],
      ['acpi-pm', m.pm],
      ['lapic', m.lapic],
      ['ioapic', m.ioapic],
    ] as const) {
      for (const junk of [null, 42, 'x', {}, { version: 1 }]) {
        let message = '';
        try {
          (dev.restore as (s: unknown) => void)(junk);
        } catch (err) {
          message = (err as Error).message;
        }
        expect(message.startsWith(`${name}: `), `${name} with ${JSON.stringify(junk)}: "${message}"`).toBe(true);
        expect(message.includes('\n')).toBe(false);
      }
    }
  });
});
