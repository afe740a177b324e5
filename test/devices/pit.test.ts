import { describe, expect, it } from 'vitest';
import { ManualClock, timeOfTick } from '../../core/bus';
import { PIT_HZ, Pit8254, SystemControlPortB } from '../../core/devices/pit';

function setup() {
  const clock = new ManualClock();
  let edges = 0;
  let level = false;
  const pit = new Pit8254({
    clock,
    irq0: {
      setLevel(l) {
        if (l && !level) edges++;
        level = l;
      },
    },
  });
  const port61 = new SystemControlPortB({ clock, pit });
  return { clock, pit, port61, edges: () => edges };
}

const tickNs = (ticks: number): number => timeOfTick(ticks, PIT_HZ);

function program(pit: Pit8254, channel: number, mode: number, count: number, bcd = false): void {
  pit.writePort(3, 1, (channel << 6) | 0x30 | (mode << 1) | (bcd ? 1 : 0));
  pit.writePort(channel, 1, count & 0xff);
  pit.writePort(channel, 1, (count >> 8) & 0xff);
}

function readLatched(pit: Pit8254, channel: number): number {
  pit.writePort(3, 1, channel << 6); // counter latch
  const lo = pit.readPort(channel, 1);
  return lo | (pit.readPort(channel, 1) << 8);
}

describe('8254 PIT', () => {
  it('mode 2 at Linux HZ=100 raises IRQ0 100 times per guest second', () => {
    const { clock, pit, edges } = setup();
    program(pit, 0, 2, 11932);
    // 11932 ticks is 10.0002 ms: 99 periods fit in one guest second, the 100th just after.
    clock.advance(1_000_000_000);
    expect(edges()).toBe(99);
    clock.advanceTo(tickNs(11932 * 100));
    expect(edges()).toBe(100);
  });

  it('counts down at 1.193182 MHz of guest time, independent of how often it is read', () => {
    const { clock, pit } = setup();
    program(pit, 0, 2, 0); // 65536
    clock.advanceTo(tickNs(1000));
    expect(readLatched(pit, 0)).toBe(0x10000 - 1000);
    clock.advanceTo(tickNs(0x10000 + 5));
    expect(readLatched(pit, 0)).toBe(0x10000 - 5);
  });

  it('keeps a latched count while time goes on, until both bytes are read', () => {
    const { clock, pit } = setup();
    program(pit, 0, 2, 5000);
    clock.advanceTo(tickNs(100));
    pit.writePort(3, 1, 0x00);
    clock.advanceTo(tickNs(300));
    expect(pit.readPort(0, 1)).toBe(4900 & 0xff);
    clock.advanceTo(tickNs(400));
    expect(pit.readPort(0, 1)).toBe(4900 >> 8);
    // Latch released: the live count now.
    const lo = pit.readPort(0, 1);
    expect(lo | (pit.readPort(0, 1) << 8)).toBe(4600);
  });

  it('mode 3 is a square wave: OUT high for half the period, count steps by two', () => {
    const { clock, pit } = setup();
    program(pit, 0, 3, 1000);
    const status = (): number => {
      pit.writePort(3, 1, 0xe2); // read-back: status only, counter 0
      return pit.readPort(0, 1);
    };
    clock.advanceTo(tickNs(100));
    expect(status() & 0x80).toBe(0x80);
    expect(status() & 0x3f).toBe(0x36); // RW=3, mode 3, binary
    expect(readLatched(pit, 0)).toBe(800);
    clock.advanceTo(tickNs(600));
    expect(status() & 0x80).toBe(0);
    expect(readLatched(pit, 0)).toBe(800);
  });

  it('read-back latches status then count; null count is set until a count is written', () => {
    const { clock, pit } = setup();
    pit.writePort(3, 1, 0xb0); // counter 2, RW 3, mode 0
    pit.writePort(3, 1, 0xc8); // read-back count+status of counter 2
    expect(pit.readPort(2, 1) & 0x40).toBe(0x40);
    pit.writePort(2, 1, 0x10);
    pit.writePort(2, 1, 0x00);
    clock.advanceTo(tickNs(3));
    pit.writePort(3, 1, 0xc8);
    const st = pit.readPort(2, 1);
    expect(st & 0x40).toBe(0);
    expect(st & 0x0e).toBe(0); // mode 0
  });

  it('channel 2 in mode 0 gated by port 0x61: OUT2 rises after N ticks, gate low pauses', () => {
    const { clock, pit, port61 } = setup();
    port61.writePort(0, 1, 0x00);
    program(pit, 2, 0, 2000);
    clock.advanceTo(tickNs(5000));
    expect(port61.readPort(0, 1) & 0x20).toBe(0); // gate low: not counting
    port61.writePort(0, 1, 0x01);
    const start = clock.now();
    clock.advanceTo(start + tickNs(1500));
    expect(port61.readPort(0, 1) & 0x20).toBe(0);
    port61.writePort(0, 1, 0x00);
    clock.advance(tickNs(10_000));
    expect(port61.readPort(0, 1) & 0x20).toBe(0);
    port61.writePort(0, 1, 0x01);
    clock.advance(tickNs(600));
    expect(port61.readPort(0, 1) & 0x20).toBe(0x20);
    expect(port61.readPort(0, 1) & 0x03).toBe(0x01);
  });

  it('port 0x61 bit 4 toggles with the refresh clock', () => {
    const { clock, port61 } = setup();
    const seen = new Set<number>();
    for (let i = 0; i < 10; i++) {
      seen.add(port61.readPort(0, 1) & 0x10);
      clock.advance(7_000);
    }
    expect([...seen].sort()).toEqual([0, 0x10]);
  });

  it('BCD counting: count 1000 decimal reads back as BCD digits', () => {
    const { clock, pit } = setup();
    program(pit, 0, 2, 0x1000, true);
    clock.advanceTo(tickNs(1));
    expect(readLatched(pit, 0)).toBe(0x0999);
    clock.advanceTo(tickNs(1000 + 250));
    expect(readLatched(pit, 0)).toBe(0x0750);
  });

  it('LSB-only and MSB-only access modes', () => {
    const { clock, pit } = setup();
    pit.writePort(3, 1, 0x14); // counter 0, LSB only, mode 2
    pit.writePort(0, 1, 200);
    clock.advanceTo(tickNs(50));
    expect(pit.readPort(0, 1)).toBe(150);
    pit.writePort(3, 1, 0x24); // MSB only, mode 2
    pit.writePort(0, 1, 0x02); // 512
    const t0 = clock.now();
    clock.advanceTo(t0 + tickNs(256) + 1);
    expect(pit.readPort(0, 1)).toBe(0x01);
  });

  it('mode 0 raises IRQ0 once at terminal count; mode 4 strobes once', () => {
    const { clock, pit, edges } = setup();
    program(pit, 0, 0, 1000);
    clock.advance(tickNs(999));
    expect(edges()).toBe(0);
    clock.advance(tickNs(10_000));
    expect(edges()).toBe(1);
    program(pit, 0, 4, 1000);
    clock.advance(tickNs(200_000));
    expect(edges()).toBe(2);
  });

  it('mode 1 starts on a gate rising edge (channel 2)', () => {
    const { clock, pit, port61 } = setup();
    program(pit, 2, 1, 100);
    clock.advance(tickNs(500));
    expect(pit.out(2)).toBe(true);
    port61.writePort(0, 1, 1);
    clock.advance(tickNs(50));
    expect(pit.out(2)).toBe(false);
    clock.advance(tickNs(60));
    expect(pit.out(2)).toBe(true);
  });

  it('mode 2: a new count takes effect at the end of the current period', () => {
    const { clock, pit, edges } = setup();
    program(pit, 0, 2, 1000);
    clock.advanceTo(tickNs(500));
    pit.writePort(0, 1, 100);
    pit.writePort(0, 1, 0);
    clock.advanceTo(tickNs(999));
    expect(edges()).toBe(0);
    clock.advanceTo(tickNs(1000 + 100 * 10));
    expect(edges()).toBe(11);
  });

  it('saves and restores mid-count', () => {
    const { clock, pit } = setup();
    program(pit, 0, 2, 3000);
    clock.advanceTo(tickNs(1000));
    const state = JSON.parse(JSON.stringify(pit.save()));
    const b = setup();
    b.clock.advanceTo(clock.now());
    b.pit.restore(state);
    b.clock.advanceTo(tickNs(1500));
    expect(readLatched(b.pit, 0)).toBe(1500);
    b.clock.advanceTo(tickNs(9001));
    expect(b.edges()).toBe(3);
    expect(() => b.pit.restore({ version: 1, channels: [] } as never)).toThrow(/pit: saved state needs 3 channels/);
  });

  it('mode 3 on channel 2: gate low forces OUT2 high and stops; gate high restarts the period', () => {
    const { clock, pit, port61 } = setup();
    port61.writePort(0, 1, 0x01);
    program(pit, 2, 3, 1000);
    clock.advance(tickNs(700)); // in the low half
    expect(port61.readPort(0, 1) & 0x20).toBe(0);
    port61.writePort(0, 1, 0x00);
    expect(port61.readPort(0, 1) & 0x20).toBe(0x20);
    clock.advance(tickNs(5000));
    port61.writePort(0, 1, 0x01);
    pit.writePort(3, 1, 0x80);
    const c = pit.readPort(2, 1) | (pit.readPort(2, 1) << 8);
    expect(c).toBe(1000); // reloaded on the gate's rising edge
  });

  it('mode 5 strobes once per gate trigger', () => {
    const { clock, pit, port61 } = setup();
    program(pit, 2, 5, 50);
    port61.writePort(0, 1, 0x01);
    const start = clock.now();
    clock.advanceTo(start + tickNs(50) + 10);
    expect(pit.out(2)).toBe(false); // the one-clock strobe
    clock.advance(tickNs(2));
    expect(pit.out(2)).toBe(true);
  });
});
