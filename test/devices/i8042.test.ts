import { describe, expect, it } from 'vitest';
import { I8042 } from '../../core/devices/i8042';
import { IoApic } from '../../core/devices/ioapic';
import { SimpleA20Gate } from '../../core/devices/types';

function setup() {
  let resets = 0;
  const irq = { 1: false, 12: false };
  /** Rising edges seen on each line: what an edge-triggered 8259 or I/O APIC input counts. */
  const edges = { 1: 0, 12: 0 };
  const line = (n: 1 | 12) => ({
    setLevel: (l: boolean) => {
      if (l && !irq[n]) edges[n]++;
      irq[n] = l;
    },
  });
  const a20 = new SimpleA20Gate(false);
  const kbc = new I8042({
    a20,
    onReset: () => void resets++,
    irq1: line(1),
    irq12: line(12),
  });
  const status = (): number => kbc.commandPort.readPort(0, 1);
  const cmd = (c: number): void => kbc.commandPort.writePort(0, 1, c);
  const data = (v: number): void => kbc.dataPort.writePort(0, 1, v);
  const read = (): number => kbc.dataPort.readPort(0, 1);
  const drain = (): number[] => {
    const out: number[] = [];
    while (status() & 1) out.push(read());
    return out;
  };
  return { kbc, a20, irq, edges, status, cmd, data, read, drain, resets: () => resets };
}

describe('i8042 controller', () => {
  it('passes self-test with 0x55 and the interface tests with 0x00', () => {
    const { cmd, drain } = setup();
    cmd(0xaa);
    expect(drain()).toEqual([0x55]);
    cmd(0xab);
    cmd(0xa9);
    expect(drain()).toEqual([0x00, 0x00]);
  });

  it('reads and writes the command byte; the system flag shows in status bit 2', () => {
    const { cmd, data, drain, status } = setup();
    cmd(0x20);
    expect(drain()).toEqual([0x45]);
    cmd(0x60);
    data(0x03);
    cmd(0x20);
    expect(drain()).toEqual([0x03]);
    expect(status() & 0x04).toBe(0);
    expect(status() & 0x08).toBe(0x08); // last write was a command
  });

  it('toggles the aux port disable bit with 0xA7/0xA8 (Linux checks this)', () => {
    const { cmd, drain } = setup();
    cmd(0xa7);
    cmd(0x20);
    expect(drain()[0]! & 0x20).toBe(0x20);
    cmd(0xa8);
    cmd(0x20);
    expect(drain()[0]! & 0x20).toBe(0);
  });

  it('sets A20 and pulses reset through the output port', () => {
    const { cmd, data, drain, a20, resets } = setup();
    cmd(0xd1);
    data(0xdf);
    expect(a20.enabled).toBe(true);
    cmd(0xd0);
    expect(drain()[0]! & 0x03).toBe(0x03);
    expect(resets()).toBe(0);
    cmd(0xfe);
    expect(resets()).toBe(1);
    cmd(0xd1);
    data(0xdc); // bit 0 low: reset
    expect(resets()).toBe(2);
    expect(a20.enabled).toBe(false);
  });

  it('echoes 0xD3 as aux data with status bit 5 and IRQ 12 (Linux aux loop test)', () => {
    const { cmd, data, status, read, irq } = setup();
    cmd(0x60);
    data(0x47);
    cmd(0xd3);
    data(0x5a);
    expect(status() & 0x21).toBe(0x21);
    expect(irq[12]).toBe(true);
    expect(read()).toBe(0x5a);
    expect(irq[12]).toBe(false);
  });
});

describe('PS/2 keyboard behind the i8042', () => {
  it('answers reset with ACK then BAT 0xAA and raises IRQ 1 per byte', () => {
    const { data, read, irq, edges } = setup();
    data(0xff);
    expect(irq[1]).toBe(true);
    expect(edges[1]).toBe(1);
    expect(read()).toBe(0xfa);
    // The read dropped the line and the next byte raised it again: a new edge.
    expect(irq[1]).toBe(true);
    expect(edges[1]).toBe(2);
    expect(read()).toBe(0xaa);
    expect(irq[1]).toBe(false);
  });

  it('interrupts an edge-triggered I/O APIC pin once per byte of a multi-byte reply', () => {
    // What Linux's atkbd probe sees in APIC mode: GETID answered FA AB 41 (translated), one
    // interrupt per byte, each read by i8042_interrupt. Same for the mouse's FA 00 on IRQ 12.
    const vectors: number[] = [];
    const ioapic = new IoApic({ deliver: (m) => vectors.push(m.vector) });
    const route = (pin: number, vector: number): void => {
      ioapic.writeMmio(0x00, 4, 0x10 + 2 * pin);
      ioapic.writeMmio(0x10, 4, vector); // fixed, edge, active high, unmasked
    };
    route(1, 0x31);
    route(12, 0x3c);
    const kbc = new I8042({ a20: new SimpleA20Gate(false), onReset: () => {}, irq1: ioapic.irq(1), irq12: ioapic.irq(12) });
    const cmd = (c: number): void => kbc.commandPort.writePort(0, 1, c);
    const data = (v: number): void => kbc.dataPort.writePort(0, 1, v);
    // The guest's handler: one byte per interrupt.
    const handle = (): number[] => {
      const got: number[] = [];
      while (vectors.length > 0) {
        vectors.shift();
        got.push(kbc.dataPort.readPort(0, 1));
      }
      return got;
    };
    cmd(0x60);
    data(0x47); // both interrupts on, translation on
    data(0xf2);
    expect(handle()).toEqual([0xfa, 0xab, 0x41]);
    cmd(0xd4);
    data(0xf2);
    expect(handle()).toEqual([0xfa, 0x00]);
    expect(kbc.commandPort.readPort(0, 1) & 1).toBe(0); // nothing left behind
  });

  it('identifies as MF2 (AB 83, translated to AB 41) and sets LEDs', () => {
    const { kbc, cmd, data, drain } = setup();
    data(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x41]);
    cmd(0x60);
    data(0x05); // translation off
    data(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x83]);
    data(0xed);
    data(0x07);
    expect(drain()).toEqual([0xfa, 0xfa]);
    expect(kbc.keyboard.leds).toBe(7);
  });

  it('translates set 2 make/break codes to set 1 when the command byte says so', () => {
    const { kbc, drain } = setup();
    kbc.keyboard.pressKey([0x1c]); // A
    kbc.keyboard.releaseKey([0x1c]);
    kbc.keyboard.pressKey([0xe0, 0x75]); // Up
    kbc.keyboard.releaseKey([0xe0, 0x75]);
    expect(drain()).toEqual([0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8]);
  });

  it('translates the Windows and Menu keys (E0 1F/27/2F) to E0 5B/5C/5D', () => {
    const { kbc, drain } = setup();
    for (const code of [0x1f, 0x27, 0x2f]) {
      kbc.keyboard.pressKey([0xe0, code]);
      kbc.keyboard.releaseKey([0xe0, code]);
    }
    expect(drain()).toEqual([0xe0, 0x5b, 0xe0, 0xdb, 0xe0, 0x5c, 0xe0, 0xdc, 0xe0, 0x5d, 0xe0, 0xdd]);
  });

  it('sends raw set 2 without translation, and set 1 when the guest selects it', () => {
    const { kbc, cmd, data, drain } = setup();
    cmd(0x60);
    data(0x05);
    kbc.keyboard.releaseKey([0x1c]);
    expect(drain()).toEqual([0xf0, 0x1c]);
    data(0xf0);
    data(0x00);
    expect(drain()).toEqual([0xfa, 0xfa, 0x02]);
    data(0xf0);
    data(0x01);
    drain();
    kbc.keyboard.releaseKey([0x1c]);
    expect(drain()).toEqual([0x9e]);
  });

  it('accepts typematic rate/delay, echo, disable and enable scanning', () => {
    const { kbc, data, drain } = setup();
    data(0xf3);
    data(0x20);
    expect(drain()).toEqual([0xfa, 0xfa]);
    expect(kbc.keyboard.typematic).toBe(0x20);
    data(0xee);
    expect(drain()).toEqual([0xee]);
    data(0xf5);
    drain();
    kbc.keyboard.pressKey([0x29]);
    expect(drain()).toEqual([]);
    expect(kbc.keyboard.typematic).toBe(0x2b); // F5 restores defaults
    data(0xf4);
    drain();
    kbc.keyboard.pressKey([0x29]);
    expect(drain()).toEqual([0x39]);
  });

  it('holds keyboard bytes while the keyboard interface is disabled', () => {
    const { kbc, cmd, drain } = setup();
    cmd(0xad);
    kbc.keyboard.pressKey([0x5a]);
    expect(drain()).toEqual([]);
    cmd(0xae);
    expect(drain()).toEqual([0x1c]);
  });
});

describe('PS/2 mouse behind the i8042', () => {
  const toMouse = (s: ReturnType<typeof setup>, v: number): void => {
    s.cmd(0xd4);
    s.data(v);
  };

  it('resets with FA AA 00 and reports device id 0', () => {
    const s = setup();
    s.cmd(0xa8);
    toMouse(s, 0xff);
    expect(s.drain()).toEqual([0xfa, 0xaa, 0x00]);
    toMouse(s, 0xf2);
    expect(s.drain()).toEqual([0xfa, 0x00]);
  });

  it('streams 3-byte packets with sign bits once reporting is enabled, on IRQ 12', () => {
    const s = setup();
    s.cmd(0x60);
    s.data(0x47);
    s.kbc.mouse.move(5, 5);
    expect(s.drain()).toEqual([]); // reporting off after power-up
    toMouse(s, 0xf4);
    expect(s.drain()).toEqual([0xfa]);
    s.kbc.mouse.move(-3, 10, { left: true });
    expect(s.irq[12]).toBe(true);
    expect(s.status() & 0x20).toBe(0x20);
    expect(s.drain()).toEqual([0x08 | 0x10 | 0x01, 0xfd, 0x0a]);
    s.kbc.mouse.move(400, 0);
    expect(s.drain()[0]! & 0x40).toBe(0x40); // X overflow
  });

  it('sets sample rate, reports status, and unlocks the wheel with 200/100/80', () => {
    const s = setup();
    for (const r of [200, 100, 80]) {
      toMouse(s, 0xf3);
      toMouse(s, r);
    }
    toMouse(s, 0xe9);
    expect(s.drain()).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x00, 0x02, 80]);
    toMouse(s, 0xf2);
    expect(s.drain()).toEqual([0xfa, 0x03]);
    toMouse(s, 0xf4);
    s.drain();
    s.kbc.mouse.move(1, 1, {}, -1);
    expect(s.drain()).toEqual([0x08, 0x01, 0x01, 0xff]);
  });

  it('saves and restores with queued bytes', () => {
    const a = setup();
    a.data(0xff);
    const b = setup();
    b.kbc.restore(JSON.parse(JSON.stringify(a.kbc.save())));
    expect(b.drain()).toEqual([0xfa, 0xaa]);
    expect(() => b.kbc.restore({ version: 1, ram: [] } as never)).toThrow(/i8042: saved state needs 32 RAM bytes/);
  });

  it('answers read-data in remote mode and echoes in wrap mode', () => {
    const s = setup();
    toMouse(s, 0xf0); // remote mode
    s.drain();
    s.kbc.mouse.move(2, -2, { right: true });
    expect(s.drain()).toEqual([]);
    toMouse(s, 0xeb);
    expect(s.drain()).toEqual([0xfa, 0x08 | 0x20 | 0x02, 0x02, 0xfe]);
    toMouse(s, 0xee);
    toMouse(s, 0x12);
    expect(s.drain()).toEqual([0xfa, 0x12]);
    toMouse(s, 0xec);
    expect(s.drain()).toEqual([0xfa]);
  });

  it('keyboard resends its last byte on 0xFE and refuses unknown commands with 0xFE', () => {
    const s = setup();
    s.cmd(0x60);
    s.data(0x05); // no translation, to see raw bytes
    s.data(0xee);
    s.drain();
    s.data(0xfe);
    expect(s.drain()).toEqual([0xee]);
    s.data(0x01);
    expect(s.drain()).toEqual([0xfe]);
  });
});
