import { describe, expect, it } from 'vitest';
import { ManualClock, ticksAt, timeOfTick, TimerQueue, TimeStampCounter } from '../../core/bus';

describe('ManualClock', () => {
  it('fires timers in deadline order with now() equal to each deadline', () => {
    const clock = new ManualClock();
    const seen: [string, number, number][] = [];
    clock.schedule(300, (t) => void seen.push(['c', t, clock.now()]));
    clock.schedule(100, (t) => void seen.push(['a', t, clock.now()]));
    clock.schedule(200, (t) => void seen.push(['b', t, clock.now()]));
    clock.advance(250);
    expect(seen).toEqual([
      ['a', 100, 100],
      ['b', 200, 200],
    ]);
    expect(clock.now()).toBe(250);
    clock.advance(100);
    expect(seen.map((s) => s[0])).toEqual(['a', 'b', 'c']);
  });

  it('runs timers scheduled from callbacks within the same advance, and honours cancel', () => {
    const clock = new ManualClock();
    let ticks = 0;
    const tick = (t: number): void => {
      ticks++;
      clock.schedule(t + 10, tick);
    };
    clock.schedule(10, tick);
    const dropped = clock.schedule(55, () => {
      throw new Error('cancelled timer ran');
    });
    dropped.cancel();
    clock.advance(100);
    expect(ticks).toBe(10);
  });

  it('never moves backwards', () => {
    const clock = new ManualClock(1000);
    clock.advanceTo(10);
    clock.advance(-5);
    expect(clock.now()).toBe(1000);
  });
});

describe('TimerQueue', () => {
  it('stops after its limit so a timer rescheduling itself at "now" cannot hang the loop', () => {
    const q = new TimerQueue();
    const again = (): void => void q.add(0, again);
    q.add(0, again);
    expect(q.runDue(0, 50)).toBe(50);
  });
});

describe('tick arithmetic', () => {
  it('timeOfTick is the first ns at which ticksAt reaches the tick', () => {
    for (const hz of [1_193_182, 3_579_545, 32768, 2_000_000_000]) {
      for (const tick of [1, 7, 1000, 123_456_789]) {
        const t = timeOfTick(tick, hz);
        expect(ticksAt(t, hz)).toBeGreaterThanOrEqual(tick);
        expect(ticksAt(t - 1, hz)).toBeLessThan(tick);
      }
    }
  });
});

describe('TimeStampCounter', () => {
  it('counts at its nominal frequency and continues from a written value', () => {
    const clock = new ManualClock();
    const tsc = new TimeStampCounter(clock, 2e9);
    clock.advance(1e9);
    expect(tsc.read()).toBe(2e9);
    tsc.write(5);
    clock.advance(1000);
    expect(tsc.read()).toBe(2005);
    const out = { lo: 0, hi: 0 };
    tsc.write(0x1_2345_6789);
    tsc.readSplit(out);
    expect(out).toEqual({ lo: 0x2345_6789, hi: 1 });
  });
});

describe('TimerQueue under a guest that reprograms a timer in a loop', () => {
  it('keeps only live timers and still fires the last one', () => {
    const q = new TimerQueue();
    let handle = q.add(1000, () => {});
    let fired = 0;
    for (let i = 0; i < 100_000; i++) {
      handle.cancel();
      handle = q.add(1000 + i, () => void fired++);
    }
    expect(q.size).toBeLessThan(5000);
    expect(q.runDue(1_000_000)).toBe(1);
    expect(fired).toBe(1);
  });
});
