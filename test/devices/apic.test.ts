import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/bus';
import { IoApic, type IoApicMessage } from '../../core/devices/ioapic';
import { LocalApic } from '../../core/devices/lapic';
import { PicPair } from '../../core/devices/pic';

function linuxPicInit(pic: PicPair): void {
  const m = pic.masterPorts;
  const s = pic.slavePorts;
  m.writePort(0, 1, 0x11);
  m.writePort(1, 1, 0x30);
  m.writePort(1, 1, 0x04);
  m.writePort(1, 1, 0x01);
  s.writePort(0, 1, 0x11);
  s.writePort(1, 1, 0x38);
  s.writePort(1, 1, 0x02);
  s.writePort(1, 1, 0x01);
}

function setup() {
  const clock = new ManualClock();
  const pic = new PicPair();
  linuxPicInit(pic);
  const eois: number[] = [];
  const lapic = new LocalApic({ clock, extInt: pic, onEoi: (v) => void eois.push(v) });
  const r = (o: number): number => lapic.readMmio(o, 4);
  const w = (o: number, v: number): void => lapic.writeMmio(o, 4, v);
  const enable = (): void => w(0xf0, 0x1ff);
  return { clock, pic, lapic, r, w, enable, eois };
}

describe('local APIC', () => {
  it('reports version 0x14 with six LVT entries, ID 0, and its base in IA32_APIC_BASE', () => {
    const { lapic, r } = setup();
    expect(r(0x30)).toBe(0x00050014);
    expect(r(0x20)).toBe(0);
    expect(lapic.readApicBaseMsr()).toBe(0xfee00900);
    expect(r(0xf0)).toBe(0xff); // software-disabled at reset
    expect(r(0xe0)).toBe(0xffffffff);
  });

  it('passes 8259 interrupts through LINT0 in ExtINT mode (virtual wire)', () => {
    const { pic, lapic, r } = setup();
    expect((r(0x350) >> 8) & 7).toBe(7);
    pic.irq(1).setLevel(true);
    expect(lapic.hasInterrupt()).toBe(true);
    expect(lapic.acknowledge()).toBe(0x31);
    expect(r(0x100 + 0x10)).toBe(0); // ExtINT does not touch ISR
  });

  it('blocks the PIC once LINT0 is masked, and bypasses the APIC when it is globally disabled', () => {
    const { pic, lapic, w, enable } = setup();
    enable();
    w(0x350, 0x10700);
    pic.irq(3).setLevel(true);
    expect(lapic.hasInterrupt()).toBe(false);
    lapic.writeApicBaseMsr(0xfee00000 | 0x100);
    expect(lapic.readApicBaseMsr() & 0x800).toBe(0);
    expect(lapic.hasInterrupt()).toBe(true);
    expect(lapic.acknowledge()).toBe(0x33);
  });

  it('delivers fixed vectors by priority, sets ISR, and EOI clears the highest', () => {
    const { lapic, r, w, enable } = setup();
    enable();
    lapic.acceptInterrupt(0x41, false);
    lapic.acceptInterrupt(0x61, false);
    expect(r(0x200 + 0x20)).toBe(0x2 | 0); // IRR word 2 holds 0x41
    expect(lapic.acknowledge()).toBe(0x61);
    expect(r(0xa0)).toBe(0x60); // PPR follows the in-service class
    expect(lapic.hasInterrupt()).toBe(false); // 0x41 is a lower class
    w(0xb0, 0);
    expect(lapic.acknowledge()).toBe(0x41);
    expect(r(0x100 + 0x20)).toBe(0x2);
    w(0xb0, 0);
    expect(r(0x100 + 0x20)).toBe(0);
  });

  it('holds vectors at or below TPR and answers a stale INTA with the spurious vector', () => {
    const { lapic, w, enable } = setup();
    enable();
    w(0x80, 0x50);
    lapic.acceptInterrupt(0x45, false);
    expect(lapic.hasInterrupt()).toBe(false);
    w(0x80, 0x30);
    expect(lapic.hasInterrupt()).toBe(true);
    w(0x80, 0x50); // raised between INTR and INTA
    expect(lapic.acknowledge()).toBe(0xff);
  });

  it('broadcasts EOI only for level-triggered vectors', () => {
    const { lapic, w, enable, eois } = setup();
    enable();
    lapic.acceptInterrupt(0x50, true);
    lapic.acknowledge();
    w(0xb0, 0);
    lapic.acceptInterrupt(0x51, false);
    lapic.acknowledge();
    w(0xb0, 0);
    expect(eois).toEqual([0x50]);
  });

  it('runs the timer one-shot at bus clock / divide, with a readable current count', () => {
    const { clock, lapic, r, w, enable } = setup();
    enable();
    w(0x3e0, 0x3); // divide by 16: 6.25 MHz
    w(0x320, 0x00030); // one-shot, vector 0x30, unmasked
    w(0x380, 1000); // 160 µs
    clock.advance(80_000);
    expect(r(0x390)).toBe(500);
    expect(lapic.hasInterrupt()).toBe(false);
    clock.advance(80_000);
    expect(r(0x390)).toBe(0);
    expect(lapic.acknowledge()).toBe(0x30);
    w(0xb0, 0);
    clock.advance(1_000_000);
    expect(lapic.hasInterrupt()).toBe(false);
  });

  it('runs the timer periodic: 100 interrupts in a guest second at 10 ms', () => {
    const { clock, lapic, w, enable } = setup();
    enable();
    w(0x3e0, 0xb); // divide by 1
    w(0x320, 0x20000 | 0xef);
    w(0x380, 1_000_000); // 10 ms at 100 MHz
    let n = 0;
    for (let i = 0; i < 1000; i++) {
      clock.advance(1_000_000);
      while (lapic.hasInterrupt()) {
        expect(lapic.acknowledge()).toBe(0xef);
        w(0xb0, 0);
        n++;
      }
    }
    expect(n).toBe(100);
  });

  it('masks every LVT while software-disabled and refuses to unmask', () => {
    const { r, w, enable } = setup();
    enable();
    w(0x320, 0x30);
    w(0xf0, 0x0ff);
    expect(r(0x320) & 0x10000).toBe(0x10000);
    w(0x370, 0xfe);
    expect(r(0x370) & 0x10000).toBe(0x10000);
  });

  it('delivers a self-IPI through the ICR and reports an illegal vector in ESR', () => {
    const { lapic, r, w, enable } = setup();
    enable();
    w(0x310, 0);
    w(0x300, 0x40000 | 0x44); // shorthand self, fixed, vector 0x44
    expect(r(0x300) & 0x1000).toBe(0); // delivery status idle
    expect(lapic.acknowledge()).toBe(0x44);
    w(0x300, 0x40000 | 0x05);
    w(0x280, 0);
    expect(r(0x280)).toBe(0x20);
    w(0x280, 0);
    expect(r(0x280)).toBe(0);
  });

  it('saves and restores a running timer and pending vectors', () => {
    const a = setup();
    a.enable();
    a.w(0x3e0, 0xb);
    a.w(0x320, 0x20000 | 0x40);
    a.w(0x380, 100_000);
    a.lapic.acceptInterrupt(0x80, false);
    a.clock.advance(500_000);
    const b = setup();
    b.clock.advanceTo(a.clock.now());
    b.lapic.restore(JSON.parse(JSON.stringify(a.lapic.save())));
    expect(b.lapic.acknowledge()).toBe(0x80);
    b.clock.advance(1_000_000);
    expect(b.r(0x200 + 0x20) & 1).toBe(1); // timer vector 0x40 pending
    expect(() => b.lapic.restore({ version: 1, irr: [] } as never)).toThrow(/lapic: saved state field irr/);
  });
});

describe('I/O APIC', () => {
  function io() {
    const sent: IoApicMessage[] = [];
    const ioapic = new IoApic({ deliver: (m) => void sent.push(m) });
    const sel = (i: number): void => ioapic.writeMmio(0, 4, i);
    const read = (i: number): number => {
      sel(i);
      return ioapic.readMmio(0x10, 4);
    };
    const write = (i: number, v: number): void => {
      sel(i);
      ioapic.writeMmio(0x10, 4, v);
    };
    return { ioapic, sent, read, write };
  }

  it('reports ID 1, version 0x20 with 24 entries, all masked at reset', () => {
    const { read } = io();
    expect(read(0)).toBe(0x01000000);
    expect(read(1)).toBe(0x00170020);
    for (let pin = 0; pin < 24; pin++) expect(read(0x10 + 2 * pin) & 0x10000).toBe(0x10000);
  });

  it('sends an edge message with the entry vector and destination; masked edges are lost', () => {
    const { ioapic, sent, write } = io();
    ioapic.irq(2).setLevel(true);
    ioapic.irq(2).setLevel(false);
    expect(sent).toEqual([]);
    write(0x14, 0x30);
    write(0x15, 0x00000000);
    ioapic.irq(2).setLevel(true);
    ioapic.irq(2).setLevel(false);
    expect(sent).toEqual([{ vector: 0x30, deliveryMode: 0, levelTriggered: false, destination: 0, logical: false }]);
  });

  it('holds a level pin in remote IRR until EOI, then re-sends while still asserted', () => {
    const { ioapic, sent, read, write } = io();
    write(0x10 + 2 * 9, 0x8000 | 0x49);
    ioapic.irq(9).setLevel(true);
    expect(sent.length).toBe(1);
    expect(read(0x10 + 18) & 0x4000).toBe(0x4000);
    ioapic.irq(9).setLevel(true);
    expect(sent.length).toBe(1);
    ioapic.eoi(0x49);
    expect(sent.length).toBe(2);
    ioapic.irq(9).setLevel(false);
    ioapic.eoi(0x49);
    expect(sent.length).toBe(2);
    expect(read(0x10 + 18) & 0x4000).toBe(0);
  });

  it('keeps the polarity bit, takes EOI through the EOI register, and clears remote IRR when switched to edge', () => {
    const { ioapic, sent, read, write } = io();
    write(0x10 + 2 * 16, 0xa000 | 0x60); // level, active low (a PCI line)
    expect(read(0x10 + 32) & 0x2000).toBe(0x2000);
    expect(sent.length).toBe(0);
    ioapic.irq(16).setLevel(true); // the device asserts its line
    expect(sent.length).toBe(1);
    ioapic.writeMmio(0x40, 4, 0x60);
    expect(sent.length).toBe(2);
    write(0x10 + 2 * 16, 0x2000 | 0x60);
    expect(read(0x10 + 32) & 0x4000).toBe(0);
  });

  it('works end to end with the local APIC: level interrupt, EOI broadcast, redelivery', () => {
    const clock = new ManualClock();
    let ioapic!: IoApic;
    const lapic = new LocalApic({ clock, onEoi: (v) => ioapic.eoi(v) });
    ioapic = new IoApic({ deliver: (m) => lapic.acceptInterrupt(m.vector, m.levelTriggered, m.deliveryMode) });
    lapic.writeMmio(0xf0, 4, 0x1ff);
    ioapic.writeMmio(0, 4, 0x10 + 18);
    ioapic.writeMmio(0x10, 4, 0x8000 | 0x59);
    ioapic.irq(9).setLevel(true);
    expect(lapic.acknowledge()).toBe(0x59);
    lapic.writeMmio(0xb0, 4, 0);
    expect(lapic.hasInterrupt()).toBe(true); // still asserted: delivered again
    expect(lapic.acknowledge()).toBe(0x59);
    ioapic.irq(9).setLevel(false);
    lapic.writeMmio(0xb0, 4, 0);
    expect(lapic.hasInterrupt()).toBe(false);
  });
});
