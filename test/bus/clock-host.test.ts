import { describe, expect, it } from 'vitest';
import { HostVirtualClock, catchUpPace } from '../../core/vmm/clock';

function fakeHost(start = 5e12) {
  let t = start;
  return { now: () => t, set: (v: number) => void (t = v), add: (d: number) => void (t += d) };
}

describe('HostVirtualClock', () => {
  it('starts paused at 0 and follows host time once resumed', () => {
    const host = fakeHost();
    const clock = new HostVirtualClock({ hostNowNs: host.now });
    host.add(1e9);
    expect(clock.now()).toBe(0);
    clock.resume();
    host.add(250e6);
    expect(clock.now()).toBe(250e6);
  });

  it('never runs backwards when the host clock does', () => {
    const host = fakeHost();
    const clock = new HostVirtualClock({ hostNowNs: host.now });
    clock.resume();
    host.add(1e6);
    const a = clock.now();
    host.add(-5e5);
    expect(clock.now()).toBe(a);
    host.add(1e6);
    expect(clock.now()).toBe(a + 5e5);
  });

  it('stops guest time while paused: no jump after resume', () => {
    const host = fakeHost();
    const clock = new HostVirtualClock({ hostNowNs: host.now });
    clock.resume();
    host.add(1e9);
    clock.pause();
    host.add(3600e9);
    expect(clock.now()).toBe(1e9);
    clock.resume();
    host.add(1);
    expect(clock.now()).toBe(1e9 + 1);
  });

  it('fires due timers between slices and tells a halted CPU how long it may sleep', () => {
    const host = fakeHost();
    const clock = new HostVirtualClock({ hostNowNs: host.now });
    clock.resume();
    const fired: number[] = [];
    clock.schedule(10e6, (t) => void fired.push(t));
    clock.schedule(30e6, (t) => void fired.push(t));
    host.add(4e6);
    expect(clock.idleBudgetNs()).toBe(6e6);
    expect(clock.runDue()).toBe(0);
    host.add(20e6); // the host woke the halted vCPU late: guest time waits at the deadline
    expect(clock.now()).toBe(10e6);
    expect(clock.runDue()).toBe(1);
    expect(fired).toEqual([10e6]);
    expect(clock.now()).toBe(24e6);
    expect(clock.idleBudgetNs(1e6)).toBe(1e6); // capped by the caller's maximum
    host.add(100e6);
    expect(clock.idleBudgetNs()).toBe(0);
  });

  it('idleWait returns at once when a timer is already due, and sleeps until one is near', () => {
    const clock = new HostVirtualClock();
    clock.resume();
    const doorbell = new Int32Array(new SharedArrayBuffer(4));
    clock.schedule(clock.now() - 1, () => {});
    expect(clock.idleWait(doorbell, 0)).toBe('timer');
    clock.runDue();
    clock.schedule(clock.now() + 2e6, () => {});
    expect(clock.idleWait(doorbell, 0)).toBe('timer');
    expect(clock.runDue()).toBe(1);
  });

  it('derives the TSC from guest time at its nominal frequency', () => {
    const host = fakeHost();
    const clock = new HostVirtualClock({ hostNowNs: host.now, tscHz: 1e9 });
    clock.resume();
    host.add(123_456);
    expect(clock.tsc.read()).toBe(123_456);
  });

  it('saves and restores guest time so a restored VM continues where it stopped', () => {
    const host = fakeHost();
    const a = new HostVirtualClock({ hostNowNs: host.now });
    a.resume();
    host.add(42e9);
    const state = JSON.parse(JSON.stringify(a.save()));
    const host2 = fakeHost(1e6);
    const b = new HostVirtualClock({ hostNowNs: host2.now });
    b.restore(state);
    b.resume();
    host2.add(1e9);
    expect(b.now()).toBe(43e9);
    expect(() => b.restore({ version: 2 } as never)).toThrow(/clock: saved state/);
  });

  it('while paced, advances with executed instructions, not with host time', () => {
    const host = fakeHost();
    let executed = 0;
    const clock = new HostVirtualClock({ hostNowNs: host.now });
    clock.countInstructions(() => executed);
    clock.resume();
    clock.runPaced(10); // 10 ns per instruction
    host.add(5e9); // the host deschedules the vCPU for 5 s: the guest sees nothing of it
    expect(clock.now()).toBe(0);
    executed += 1000;
    expect(clock.now()).toBe(10_000);
    executed += 1e9; // never ahead of host time
    expect(clock.now()).toBe(5e9);
  });

  it('tells the vCPU how many instructions away a timer set while paced is due, so its slice ends there', () => {
    const host = fakeHost();
    let executed = 0;
    const told: number[] = [];
    const clock = new HostVirtualClock({ hostNowNs: host.now });
    clock.countInstructions(() => executed);
    clock.endSliceForTimers((n) => told.push(n));
    clock.resume();
    host.add(1e9);
    clock.runPaced(10);
    executed += 100;
    clock.schedule(clock.now() + 5000, () => {});
    expect(told).toEqual([500]);
    clock.followHost(); // halted: the host's clock, not the instruction count, ends the wait
    clock.schedule(clock.now() + 5000, () => {});
    expect(told).toEqual([500]);
  });

  it('a halted guest that lags host time catches up in bounded steps, then follows the host', () => {
    const host = fakeHost();
    let executed = 0;
    const clock = new HostVirtualClock({ hostNowNs: host.now });
    clock.countInstructions(() => executed);
    clock.resume();
    clock.runPaced(10);
    host.add(2.5e9);
    executed += 1e6; // 10 ms of guest time in 2.5 s of host time
    clock.followHost();
    expect(clock.lagNs()).toBe(2.49e9);
    const fired: number[] = [];
    clock.schedule(0.5e9, (t) => void fired.push(t));
    expect(clock.catchUp(1e9)).toBe(0.49e9); // up to the timer, which then fires on time
    expect(clock.catchUp(1e9)).toBe(0);
    expect(clock.runDue()).toBe(1);
    expect(fired).toEqual([0.5e9]);
    expect(clock.catchUp(1e9)).toBe(1e9);
    expect(clock.catchUp(1e9)).toBe(1e9);
    expect(clock.catchUp(1e9)).toBe(0);
    expect(clock.now()).toBe(2.5e9);
    host.add(3e6);
    expect(clock.now()).toBe(2.503e9);
  });

  it('keeps a lag across a pause, and the paused time never counts', () => {
    const host = fakeHost();
    let executed = 0;
    const clock = new HostVirtualClock({ hostNowNs: host.now });
    clock.countInstructions(() => executed);
    clock.resume();
    clock.runPaced(1);
    host.add(1e9);
    executed += 4e8;
    clock.pause();
    host.add(3600e9);
    clock.resume();
    expect(clock.now()).toBe(4e8);
    expect(clock.lagNs()).toBe(6e8);
  });
});

describe('catchUpPace', () => {
  it('runs a lagging guest clock faster per instruction, at most twice as fast', () => {
    const rate = 0.025; // 25 M instructions per host second
    expect(catchUpPace(rate, 0)).toBe(40);
    expect(catchUpPace(rate, 0.5e9)).toBe(60);
    expect(catchUpPace(rate, 1e9)).toBe(80);
    expect(catchUpPace(rate, 600e9)).toBe(80);
  });
});
