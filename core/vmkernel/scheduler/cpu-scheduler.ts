// The host's proportional-share CPU scheduler. It admits a VM at power-on (refusing one
// whose reservation no longer fits), and every tick measures each VM's CPU use, estimates
// its demand, allocates the capacity (cpu-allocation.ts) and hands each worker its
// allowance, which the worker's run loop enforces with a token bucket (core/vmm).
//
// Demand: a VM that was runnable the whole tick (running or waiting for its allowance, not
// halted) wants all it may get; one that halted wants a little more than it used.
// Capacity: the configured capacity is what VMs may use at most; when the OS gives our
// threads less (other processes), a VM that was allowed more than it got is "starved", and
// while two or more VMs contend the scheduler splits what they really got, so shares still
// decide the ratio. It
// grows back by 10 % a tick once nobody is starved.
import os from 'node:os';
import { UsageError, VmdeskError, type Disposable } from '../../common';
import { allocateCpu, type CpuClaim } from './cpu-allocation';
import { CORE_MHZ, parseCpuAmount, type CpuEntitlement } from './cpu-entitlement';

/** What the scheduler needs of a running VM. */
export interface ScheduledVm {
  /** Cumulative counters since power-on, ms. */
  cpuTimeMs(): number;
  /** Wall ms spent asleep because the guest halted. */
  haltedMs(): number;
  /** Wall ms spent waiting for its allowance. */
  throttledMs(): number;
  /** Thousandths of one core; undefined: unlimited. */
  setAllowance(permille: number | undefined): void;
}

export interface CpuSchedulerOptions {
  /** MHz the host offers VMs (default: every core at CORE_MHZ). */
  readonly capacityMHz?: number;
  readonly coreMHz?: number;
  /** ms between allocations. */
  readonly tickMs?: number;
}

export interface CpuAllocationInfo {
  readonly id: string;
  readonly name: string;
  readonly entitlement: CpuEntitlement;
  readonly allocationMHz: number;
  /** Measured over the last tick, MHz. */
  readonly usedMHz: number;
}

interface Entry {
  readonly id: string;
  readonly name: string;
  readonly entitlement: CpuEntitlement;
  readonly vm: ScheduledVm;
  demandMHz: number;
  allocationMHz: number;
  usedMHz: number;
  last: { wall: number; cpu: number; halted: number; throttled: number };
}

export class SchedulerError extends VmdeskError {}

/** "2" (cores), "1.5", "3000MHz", "3GHz", "150%" (of one core) → MHz. */
export function parseHostCpuCapacity(text: string, coreMHz = CORE_MHZ): number {
  const t = text.trim();
  const mhz = /^\d+(\.\d+)?$/.test(t) ? Number(t) * coreMHz : parseCpuAmount(t, 'host CPU capacity', coreMHz);
  if (!(mhz > 0)) throw new UsageError(`scheduler: host CPU capacity "${text}" must be more than 0 (cores, MHz, GHz or % of a core)`);
  return mhz;
}

export class CpuScheduler implements Disposable {
  readonly capacityMHz: number;
  readonly coreMHz: number;
  private effectiveMHz: number;
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;

  constructor(o: CpuSchedulerOptions = {}) {
    this.coreMHz = o.coreMHz ?? CORE_MHZ;
    this.capacityMHz = o.capacityMHz ?? os.availableParallelism() * this.coreMHz;
    this.effectiveMHz = this.capacityMHz;
    this.timer = setInterval(() => this.tick(), o.tickMs ?? 200);
    this.timer.unref();
  }

  /** Admits a VM; throws when its reservation does not fit beside those already running. */
  admit(id: string, name: string, entitlement: CpuEntitlement, vm: ScheduledVm): Disposable {
    if (this.entries.has(id)) throw new SchedulerError('conflict', `scheduler: ${name} is already running`);
    const reserved = [...this.entries.values()].reduce((s, e) => s + e.entitlement.reservationMHz, 0);
    if (reserved + entitlement.reservationMHz > this.capacityMHz) {
      throw new SchedulerError(
        'conflict',
        `scheduler: cannot power on ${name}: its CPU reservation of ${Math.round(entitlement.reservationMHz)} MHz does not fit; the host has ${Math.round(this.capacityMHz - reserved)} of ${Math.round(this.capacityMHz)} MHz unreserved`,
      );
    }
    const now = performance.now();
    this.entries.set(id, {
      id,
      name,
      entitlement,
      vm,
      demandMHz: Infinity,
      allocationMHz: 0,
      usedMHz: 0,
      last: { wall: now, cpu: vm.cpuTimeMs(), halted: vm.haltedMs(), throttled: vm.throttledMs() },
    });
    this.apply();
    return { dispose: () => this.remove(id) };
  }

  private remove(id: string): void {
    if (this.entries.delete(id)) this.apply();
  }

  allocations(): CpuAllocationInfo[] {
    return [...this.entries.values()].map((e) => ({ id: e.id, name: e.name, entitlement: e.entitlement, allocationMHz: e.allocationMHz, usedMHz: e.usedMHz }));
  }

  /** Measure, estimate demand, reallocate. Runs on a timer; public for tests. */
  tick(): void {
    const now = performance.now();
    let runnableCount = 0;
    let worstRatio = Infinity;
    for (const e of this.entries.values()) {
      const wall = now - e.last.wall;
      if (wall <= 0) continue;
      const cpu = e.vm.cpuTimeMs();
      const halted = e.vm.haltedMs();
      const throttled = e.vm.throttledMs();
      const used = (Math.max(0, cpu - e.last.cpu) / wall) * this.coreMHz;
      // Smoothed over a few ticks: one tick on a busy host is noisy.
      e.usedMHz = e.usedMHz === 0 ? used : e.usedMHz * 0.5 + used * 0.5;
      // Runnable: it wanted the CPU all the tick (whether it got it, or waited for its allowance).
      const runnable = (halted - e.last.halted) / wall < 0.1;
      e.demandMHz = runnable ? Infinity : e.usedMHz * 1.25 + this.coreMHz * 0.02;
      if (runnable) {
        runnableCount++;
        // Starved by the OS, not held back by us: it ran whenever it could and still got less.
        const heldBack = (throttled - e.last.throttled) / wall > 0.05;
        if (!heldBack && e.allocationMHz > 0) worstRatio = Math.min(worstRatio, e.usedMHz / e.allocationMHz);
      }
      e.last = { wall: now, cpu, halted, throttled };
    }
    // Only a contest between VMs needs the capacity they really get; one VM alone takes all.
    // Aim for the most starved contender to get ~95 % of its allocation.
    const factor = runnableCount >= 2 && worstRatio !== Infinity ? Math.min(1.1, Math.max(0.5, worstRatio + 0.05)) : 1.1;
    this.effectiveMHz = Math.max(this.coreMHz * 0.05, Math.min(this.capacityMHz, this.effectiveMHz * factor));
    this.apply();
  }

  private apply(): void {
    const claims: CpuClaim[] = [...this.entries.values()].map((e) => ({
      id: e.id,
      shares: e.entitlement.shares,
      reservationMHz: e.entitlement.reservationMHz,
      limitMHz: e.entitlement.limitMHz,
      vcpus: e.entitlement.vcpus,
      demandMHz: e.demandMHz,
    }));
    const alloc = allocateCpu(this.effectiveMHz, this.coreMHz, claims);
    for (const e of this.entries.values()) {
      e.allocationMHz = alloc.get(e.id) ?? 0;
      // A VM allowed all of its vCPUs runs unthrottled.
      const full = e.allocationMHz >= e.entitlement.vcpus * this.coreMHz - 1e-6;
      e.vm.setAllowance(full ? undefined : (e.allocationMHz / this.coreMHz) * 1000);
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.entries.clear();
  }
}
