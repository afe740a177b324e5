import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/bus';
import { Rtc146818 } from '../../core/devices/rtc';

// Tuesday 1 December 2026, 19:58:30.000 UTC.
const HOST = Date.UTC(2026, 11, 1, 19, 58, 30, 0);

function setup(ramBytes = 128 * 2 ** 20) {
  const clock = new ManualClock();
  let level = false;
  let edges = 0;
  const rtc = new Rtc146818({
    clock,
    ramBytes,
    hostTimeMs: () => HOST,
    irq: {
      setLevel(l) {
        if (l && !level) edges++;
        level = l;
      },
    },
  });
  const read = (reg: number): number => {
    rtc.writePort(0, 1, reg);
    return rtc.readPort(1, 1);
  };
  const write = (reg: number, v: number): void => {
    rtc.writePort(0, 1, reg);
    rtc.writePort(1, 1, v);
  };
  return { clock, rtc, read, write, level: () => level, edges: () => edges };
}

describe('MC146818 RTC', () => {
  it('reads the host time in BCD, 24-hour mode, with the century byte', () => {
    const { read } = setup();
    expect([read(0), read(2), read(4), read(6), read(7), read(8), read(9), read(0x32)]).toEqual([
      0x30, 0x58, 0x19, 0x03, 0x01, 0x12, 0x26, 0x20,
    ]);
  });

  it('reads binary and 12-hour forms when register B asks', () => {
    const { read, write } = setup();
    write(0x0b, 0x04); // binary, 12-hour
    expect(read(4)).toBe(0x80 | 7); // 7 PM
    expect(read(0)).toBe(30);
    expect(read(9)).toBe(26);
  });

  it('advances with guest time, carrying into the hour', () => {
    const { clock, read } = setup();
    clock.advance(90e9);
    expect([read(0), read(2), read(4)]).toEqual([0x00, 0x00, 0x20]);
  });

  it('sets UIP only in the 244 µs before an update', () => {
    const { clock, read } = setup();
    clock.advanceTo(500e6);
    expect(read(0x0a) & 0x80).toBe(0);
    clock.advanceTo(1e9 - 100e3);
    expect(read(0x0a) & 0x80).toBe(0x80);
    expect(read(0x0a) & 0x7f).toBe(0x26);
    clock.advanceTo(1e9 + 1);
    expect(read(0x0a) & 0x80).toBe(0);
  });

  it('raises IRQ 8 on update-ended with UIE; register C reads 0x90 and clears', () => {
    const { clock, read, write, level } = setup();
    write(0x0a, 0x20); // no periodic rate, so PF stays clear
    write(0x0b, 0x12);
    clock.advance(999e6);
    expect(level()).toBe(false);
    clock.advance(2e6);
    expect(level()).toBe(true);
    expect(read(0x0c)).toBe(0x90);
    expect(level()).toBe(false);
    expect(read(0x0c)).toBe(0x00);
  });

  it('delivers the periodic interrupt at 1024 Hz (RS = 6)', () => {
    const { clock, read, write, edges } = setup();
    write(0x0a, 0x26);
    write(0x0b, 0x42);
    for (let i = 0; i < 1024; i++) {
      clock.advance(1e9 / 1024);
      expect(read(0x0c) & 0xc0).toBe(0xc0);
    }
    expect(edges()).toBe(1024);
  });

  it('sets PF for polling even with PIE off, and does not raise the IRQ', () => {
    const { clock, read, write, level } = setup();
    write(0x0a, 0x2f); // 2 Hz
    clock.advance(600e6);
    expect(level()).toBe(false);
    expect(read(0x0c)).toBe(0x40);
  });

  it('fires the alarm when hours, minutes and seconds match', () => {
    const { clock, read, write, level } = setup();
    write(1, 0x35);
    write(3, 0x58);
    write(5, 0x19);
    write(0x0b, 0x22);
    clock.advance(4.5e9);
    expect(level()).toBe(false);
    clock.advance(1e9);
    expect(level()).toBe(true);
    expect(read(0x0c) & 0xa0).toBe(0xa0);
  });

  it('treats alarm bytes 0xC0–0xFF as "don\'t care": an alarm every second', () => {
    const { clock, read, write } = setup();
    write(0x0a, 0x20);
    write(1, 0xff);
    write(3, 0xff);
    write(5, 0xff);
    write(0x0b, 0x22);
    for (let i = 0; i < 3; i++) {
      clock.advance(1e9);
      expect(read(0x0c)).toBe(0xb0); // IRQF, AF, and UF (set every update)
    }
  });

  it('holds time while SET is on and runs on from the written time', () => {
    const { clock, read, write } = setup();
    write(0x0b, 0x82);
    write(4, 0x05);
    write(2, 0x10);
    write(0, 0x00);
    clock.advance(10e9);
    expect(read(0)).toBe(0x00);
    write(0x0b, 0x02);
    clock.advance(3e9);
    expect([read(0), read(2), read(4), read(7)]).toEqual([0x03, 0x10, 0x05, 0x01]);
  });

  it('port 0x70 bit 7 masks NMI and is not part of the index', () => {
    const { rtc } = setup();
    rtc.writePort(0, 1, 0x8d);
    expect(rtc.nmiDisabled).toBe(true);
    expect(rtc.readPort(1, 1)).toBe(0x80); // register D: valid RAM and time
    rtc.writePort(0, 1, 0x0d);
    expect(rtc.nmiDisabled).toBe(false);
  });

  it('reports memory size in CMOS for 128 MiB and 32 MiB', () => {
    const big = setup(128 * 2 ** 20);
    const w = (r: (n: number) => number, lo: number): number => r(lo) | (r(lo + 1) << 8);
    expect(w(big.read, 0x15)).toBe(640);
    expect(w(big.read, 0x17)).toBe(0xffff);
    expect(w(big.read, 0x30)).toBe(0xffff);
    expect(w(big.read, 0x34)).toBe((112 * 2 ** 20) / 65536);
    const small = setup(32 * 2 ** 20);
    expect(w(small.read, 0x17)).toBe(31 * 1024);
    expect(w(small.read, 0x34)).toBe(256);
  });

  it('keeps general CMOS bytes and a valid checksum', () => {
    const { read, write } = setup();
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += read(i);
    expect((read(0x2e) << 8) | read(0x2f)).toBe(sum);
    write(0x50, 0xa5);
    expect(read(0x50)).toBe(0xa5);
  });

  it('saves and restores time and flags', () => {
    const a = setup();
    a.write(0x0a, 0x20);
    a.write(0x0b, 0x12);
    a.clock.advance(5.5e9);
    const saved = JSON.parse(JSON.stringify(a.rtc.save()));
    const b = setup();
    b.clock.advanceTo(a.clock.now());
    b.rtc.restore(saved);
    expect(b.read(0)).toBe(0x35);
    expect(b.read(0x0c)).toBe(0x90);
    expect(() => b.rtc.restore({ version: 1, cmos: [1] } as never)).toThrow(/rtc: saved state needs 128 CMOS bytes/);
  });
});
