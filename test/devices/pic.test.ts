import { describe, expect, it } from 'vitest';
import { PicPair } from '../../core/devices/pic';

/** Program the pair the way Linux's init_8259A does: vectors 0x30/0x38, cascade on IR2. */
function linuxInit(pic: PicPair, autoEoi = false): void {
  const m = pic.masterPorts;
  const s = pic.slavePorts;
  m.writePort(1, 1, 0xff);
  s.writePort(1, 1, 0xff);
  m.writePort(0, 1, 0x11); // ICW1: edge, cascade, ICW4
  m.writePort(1, 1, 0x30); // ICW2
  m.writePort(1, 1, 0x04); // ICW3: slave on IR2
  m.writePort(1, 1, autoEoi ? 0x03 : 0x01); // ICW4: 8086, (auto-EOI)
  s.writePort(0, 1, 0x11);
  s.writePort(1, 1, 0x38);
  s.writePort(1, 1, 0x02); // slave id 2
  s.writePort(1, 1, 0x01);
  m.writePort(1, 1, 0x00);
  s.writePort(1, 1, 0x00);
}

const readIrr = (p: { writePort: (o: number, s: 1, v: number) => void; readPort: (o: number, s: 1) => number }): number => {
  p.writePort(0, 1, 0x0a);
  return p.readPort(0, 1);
};
const readIsr = (p: { writePort: (o: number, s: 1, v: number) => void; readPort: (o: number, s: 1) => number }): number => {
  p.writePort(0, 1, 0x0b);
  return p.readPort(0, 1);
};

describe('8259A pair', () => {
  it('delivers an edge on IRQ0 with the ICW2 vector, then holds lower priorities until EOI', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.irq(0).setLevel(true);
    pic.irq(0).setLevel(false);
    pic.irq(1).setLevel(true);
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x30);
    // IRQ1 is lower priority than the in-service IRQ0 (fully nested mode).
    expect(pic.hasInterrupt()).toBe(false);
    expect(readIsr(pic.masterPorts)).toBe(0x01);
    pic.masterPorts.writePort(0, 1, 0x20); // non-specific EOI
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x31);
  });

  it('routes slave IRQs through the cascade and reports them in both ISRs', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.irq(12).setLevel(true);
    expect(readIrr(pic.slavePorts)).toBe(0x10);
    expect(pic.acknowledge()).toBe(0x3c);
    expect(readIsr(pic.masterPorts)).toBe(0x04);
    expect(readIsr(pic.slavePorts)).toBe(0x10);
    pic.slavePorts.writePort(0, 1, 0x20);
    pic.masterPorts.writePort(0, 1, 0x20);
    expect(readIsr(pic.masterPorts)).toBe(0);
  });

  it('masks through OCW1 and reads IMR back', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.masterPorts.writePort(1, 1, 0x02);
    expect(pic.masterPorts.readPort(1, 1)).toBe(0x02);
    pic.irq(1).setLevel(true);
    expect(pic.hasInterrupt()).toBe(false);
    pic.masterPorts.writePort(1, 1, 0x00);
    expect(pic.acknowledge()).toBe(0x31);
  });

  it('clears ISR by itself in auto-EOI mode', () => {
    const pic = new PicPair();
    linuxInit(pic, true);
    pic.irq(3).setLevel(true);
    expect(pic.acknowledge()).toBe(0x33);
    expect(readIsr(pic.masterPorts)).toBe(0);
  });

  it('answers a vanished request with spurious IRQ7 and does not set ISR', () => {
    const pic = new PicPair();
    linuxInit(pic);
    // Level-triggered IRQ5 (ELCR) asserts then drops before INTA.
    pic.elcrPorts.writePort(0, 1, 0x20);
    pic.irq(5).setLevel(true);
    expect(pic.hasInterrupt()).toBe(true);
    pic.irq(5).setLevel(false);
    expect(pic.acknowledge()).toBe(0x37);
    expect(readIsr(pic.masterPorts)).toBe(0);
  });

  it('answers a vanished slave request with IRQ15 and leaves master ISR bit 2 set', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.elcrPorts.writePort(1, 1, 0x02); // IRQ9 level
    pic.irq(9).setLevel(true);
    // The CPU has seen INTR; the line drops while the CPU starts INTA: model by masking the
    // slave after the master has already latched its cascade request.
    pic.irq(9).setLevel(false);
    pic.master.irr |= 0x04; // the master latched the cascade request before it went away
    expect(pic.acknowledge()).toBe(0x3f);
    expect(readIsr(pic.masterPorts)).toBe(0x04);
    expect(readIsr(pic.slavePorts)).toBe(0);
  });

  it('treats ELCR level inputs as level: IRR follows the pin and re-requests after EOI', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.elcrPorts.writePort(1, 1, 0xff);
    expect(pic.elcrPorts.readPort(1, 1)).toBe(0xde); // IRQ8 and IRQ13 are edge-only
    pic.irq(11).setLevel(true);
    expect(pic.acknowledge()).toBe(0x3b);
    pic.slavePorts.writePort(0, 1, 0x20);
    pic.masterPorts.writePort(0, 1, 0x20);
    // Still asserted: requested again.
    expect(pic.hasInterrupt()).toBe(true);
    pic.irq(11).setLevel(false);
    expect(pic.hasInterrupt()).toBe(false);
    expect(readIrr(pic.slavePorts)).toBe(0);
  });

  it('latches an edge even after the line has dropped, and needs a new edge after that', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.irq(4).setLevel(true);
    pic.irq(4).setLevel(false);
    expect(readIrr(pic.masterPorts)).toBe(0x10);
    expect(pic.acknowledge()).toBe(0x34);
    pic.masterPorts.writePort(0, 1, 0x64); // specific EOI for IR4
    expect(pic.hasInterrupt()).toBe(false);
  });

  it('polls: OCW3 P returns 0x80|level and acknowledges', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.irq(6).setLevel(true);
    pic.masterPorts.writePort(0, 1, 0x0c);
    expect(pic.masterPorts.readPort(0, 1)).toBe(0x86);
    expect(readIsr(pic.masterPorts)).toBe(0x40);
    pic.masterPorts.writePort(0, 1, 0x0c);
    expect(pic.masterPorts.readPort(0, 1)).toBe(0x00);
  });

  it('special mask mode lets lower levels in while a masked level is in service', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.irq(3).setLevel(true);
    expect(pic.acknowledge()).toBe(0x33);
    pic.irq(5).setLevel(true);
    expect(pic.hasInterrupt()).toBe(false);
    pic.masterPorts.writePort(1, 1, 0x08); // mask IR3
    pic.masterPorts.writePort(0, 1, 0x68); // OCW3: set special mask
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x35);
  });

  it('rotates priorities on rotate-on-non-specific-EOI', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.irq(0).setLevel(true);
    expect(pic.acknowledge()).toBe(0x30);
    pic.masterPorts.writePort(0, 1, 0xa0); // rotate on non-specific EOI: IR0 becomes lowest
    pic.irq(0).setLevel(false);
    pic.irq(0).setLevel(true);
    pic.irq(7).setLevel(true);
    expect(pic.acknowledge()).toBe(0x37); // IR1 is highest now, so IR7 outranks IR0
  });

  it('ICW1 clears IMR and forgets latched edges', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.masterPorts.writePort(1, 1, 0xff);
    pic.irq(1).setLevel(true);
    linuxInit(pic);
    expect(pic.masterPorts.readPort(1, 1)).toBe(0);
    expect(pic.hasInterrupt()).toBe(false);
  });

  it('saves and restores, and refuses a state of another version', () => {
    const pic = new PicPair();
    linuxInit(pic);
    pic.irq(1).setLevel(true);
    const copy = new PicPair();
    copy.restore(JSON.parse(JSON.stringify(pic.save())));
    expect(copy.hasInterrupt()).toBe(true);
    expect(copy.acknowledge()).toBe(0x31);
    expect(() => copy.restore({ version: 9 } as never)).toThrow(/pic: saved state version 9/);
  });
});
