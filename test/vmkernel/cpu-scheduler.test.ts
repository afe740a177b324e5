// The scheduler's control loop over VMs' counters: the allowances it hands the workers at
// admission and after a tick, an idle (halted) VM's part handed on, reservations admitted
// only while they fit.
import { afterEach, describe, expect, it } from 'vitest';
import { CpuScheduler, type ScheduledVm } from '../../core/vmkernel';

class Counters implements ScheduledVm {
  cpu = 0;
  halted = 0;
  throttled = 0;
  allowance: number | undefined = -1;
  cpuTimeMs = () => this.cpu;
  haltedMs = () => this.halted;
  throttledMs = () => this.throttled;
  setAllowance = (p: number | undefined) => void (this.allowance = p === undefined ? undefined : Math.round(p));
}

const ent = (shares: number, reservationMHz = 0) => ({ shares, reservationMHz, limitMHz: Infinity, vcpus: 1 });
let scheduler: CpuScheduler;
afterEach(() => scheduler.dispose());

describe('CpuScheduler', () => {
  it('hands two busy VMs 2:1 of one core, and gives all but a trickle to the busy one when the other halts', async () => {
    scheduler = new CpuScheduler({ capacityMHz: 2000, tickMs: 60_000 });
    const a = new Counters();
    const b = new Counters();
    scheduler.admit('a', 'a', ent(2000), a);
    scheduler.admit('b', 'b', ent(1000), b);
    expect([a.allowance, b.allowance]).toEqual([667, 333]);
    // 100 ms on which a used all it was allowed and b slept (HLT) throughout.
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 100));
    const wall = performance.now() - t0;
    a.cpu += wall * 0.667;
    a.throttled += wall * 0.3;
    b.halted += wall;
    scheduler.tick();
    expect(a.allowance).toBeGreaterThan(900);
    expect(b.allowance).toBeLessThan(50);
    expect(scheduler.allocations().map((x) => x.id)).toEqual(['a', 'b']);
  });

  it('lets one VM alone use a whole core, unthrottled', () => {
    scheduler = new CpuScheduler({ capacityMHz: 4000, tickMs: 60_000 });
    const a = new Counters();
    scheduler.admit('a', 'a', ent(1000), a);
    expect(a.allowance).toBeUndefined();
  });

  it('admits reservations only while they fit, and frees them when a VM stops', () => {
    scheduler = new CpuScheduler({ capacityMHz: 2000, tickMs: 60_000 });
    const first = scheduler.admit('a', 'a', ent(1000, 1500), new Counters());
    expect(() => scheduler.admit('b', 'big', ent(1000, 1000), new Counters())).toThrow(
      'scheduler: cannot power on big: its CPU reservation of 1000 MHz does not fit; the host has 500 of 2000 MHz unreserved',
    );
    first.dispose();
    expect(() => scheduler.admit('b', 'big', ent(1000, 1000), new Counters())).not.toThrow();
  });
});
