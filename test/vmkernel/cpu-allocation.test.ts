// The scheduler's arithmetic: shares split what reservations leave, limits and demand cap a
// VM and hand its part on, VMware's share levels and units from the .vmx.
import { describe, expect, it } from 'vitest';
import { allocateCpu, entitlementOf, parseHostCpuCapacity, type CpuClaim } from '../../core/vmkernel';
import { VmxFile, readVmConfig } from '../../core/vmkernel/vmx';

const CORE = 2000;
const vm = (id: string, o: Partial<CpuClaim> = {}): CpuClaim => ({ id, shares: 1000, reservationMHz: 0, limitMHz: Infinity, vcpus: 1, demandMHz: Infinity, ...o });
const split = (cap: number, claims: CpuClaim[]) => Object.fromEntries([...allocateCpu(cap, CORE, claims)].map(([k, v]) => [k, Math.round(v)]));

describe('allocateCpu', () => {
  it('splits one core 2:1 between two busy VMs at 2000 and 1000 shares', () => {
    expect(split(2000, [vm('a', { shares: 2000 }), vm('b')])).toEqual({ a: 1333, b: 667 });
  });

  it('never gives a VM more than its vCPUs: the rest stays unused when everyone is satisfied', () => {
    expect(split(8000, [vm('a', { shares: 2000 }), vm('b')])).toEqual({ a: 2000, b: 2000 });
  });

  it('hands the part a limited or idle VM cannot use to the others', () => {
    expect(split(2000, [vm('a', { shares: 2000, limitMHz: 400 }), vm('b')])).toEqual({ a: 400, b: 1600 });
    expect(split(2000, [vm('a', { shares: 2000, demandMHz: 100 }), vm('b'), vm('c')])).toEqual({ a: 100, b: 950, c: 950 });
  });

  it('keeps a reservation even against higher shares, and splits the rest by shares', () => {
    // c's reservation (1200) is above its proportional part (2000 · 500/3500 ≈ 286).
    expect(split(2000, [vm('a', { shares: 2000 }), vm('b', { shares: 1000 }), vm('c', { shares: 500, reservationMHz: 1200 })])).toEqual({ a: 533, b: 267, c: 1200 });
    // A reservation below the proportional part changes nothing.
    expect(split(2000, [vm('a', { shares: 2000 }), vm('b', { reservationMHz: 100 })])).toEqual({ a: 1333, b: 667 });
  });

  it('gives only reservations when they use the whole capacity', () => {
    expect(split(1000, [vm('a', { reservationMHz: 600 }), vm('b', { reservationMHz: 400 }), vm('c')])).toEqual({ a: 600, b: 400, c: 0 });
  });
});

describe('CPU entitlement from the .vmx', () => {
  const config = (lines: string) => readVmConfig(VmxFile.parse(`displayName = "x"\nnumvcpus = "1"\n${lines}`, 'x.vmx'));

  it('reads share levels, MHz and percentages of a core', () => {
    expect(entitlementOf(config('sched.cpu.shares = "high"'))).toEqual({ shares: 2000, reservationMHz: 0, limitMHz: Infinity, vcpus: 1 });
    expect(entitlementOf(config('sched.cpu.shares = "low"\nsched.cpu.min = "50%"\nsched.cpu.max = "1.5GHz"'))).toEqual({ shares: 500, reservationMHz: 1000, limitMHz: 1500, vcpus: 1 });
    expect(entitlementOf(config('sched.cpu.shares = "1234"\nsched.cpu.min = "250"\nsched.cpu.max = "-1"'))).toEqual({ shares: 1234, reservationMHz: 250, limitMHz: Infinity, vcpus: 1 });
    expect(entitlementOf(config('')).shares).toBe(1000);
  });

  it('refuses bad values with one line naming the key', () => {
    expect(() => config('sched.cpu.shares = "lots"')).toThrow('x.vmx: sched.cpu.shares = "lots" must be low, normal, high or a whole number');
    expect(() => entitlementOf(config('sched.cpu.min = "fast"'))).toThrow('scheduler: sched.cpu.min = "fast" must be MHz');
    expect(() => entitlementOf(config('sched.cpu.min = "3000"'))).toThrow('a reservation of 3000 MHz is more than its 1 vCPU can use (2000 MHz)');
    expect(() => entitlementOf(config('sched.cpu.min = "1000"\nsched.cpu.max = "500"'))).toThrow('its reservation (1000 MHz) is above its limit (500 MHz)');
  });

  it('reads the host capacity as cores, MHz or percent', () => {
    expect(parseHostCpuCapacity('1')).toBe(2000);
    expect(parseHostCpuCapacity('1.5')).toBe(3000);
    expect(parseHostCpuCapacity('2500MHz')).toBe(2500);
    expect(parseHostCpuCapacity('50%')).toBe(1000);
    expect(() => parseHostCpuCapacity('0')).toThrow('scheduler: host CPU capacity "0" must be more than 0');
  });
});
