// The proportional-share allocation of host CPU among running VMs (pure arithmetic; the
// scheduler applies it). ESX's rule: a VM gets at least its reservation, at most its
// ceiling (the least of its limit, its vCPUs and its demand), and otherwise capacity in
// proportion to its shares. That is a water level λ with allocation_i =
// clamp(λ · shares_i, reservation_i, ceiling_i) and Σ allocation_i = capacity; when a VM
// reaches its ceiling its part goes to the others, so capacity is left unused only when
// every VM is satisfied.

export interface CpuClaim {
  readonly id: string;
  readonly shares: number;
  readonly reservationMHz: number;
  /** Infinity when unlimited. */
  readonly limitMHz: number;
  readonly vcpus: number;
  /** What the VM would use if it could, MHz (Infinity: all it is allowed). */
  readonly demandMHz: number;
}

/** MHz for each claim. `capacityMHz` is what the host offers VMs; `coreMHz` is one vCPU at full speed. */
export function allocateCpu(capacityMHz: number, coreMHz: number, claims: readonly CpuClaim[]): Map<string, number> {
  const bounds = claims.map((c) => {
    const ceiling = Math.max(0, Math.min(c.limitMHz, c.vcpus * coreMHz, Math.max(c.demandMHz, c.reservationMHz)));
    // A reservation is kept even while the VM does not use it (ESX does not lend it out).
    return { c, floor: Math.min(c.reservationMHz, ceiling), ceiling };
  });
  const at = (level: number) => bounds.map((b) => Math.min(b.ceiling, Math.max(b.floor, level * b.c.shares)));
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  let result: number[];
  if (sum(bounds.map((b) => b.ceiling)) <= capacityMHz) result = bounds.map((b) => b.ceiling);
  else if (sum(bounds.map((b) => b.floor)) >= capacityMHz) result = bounds.map((b) => b.floor);
  else {
    // Σ clamp(λ·shares) grows monotonically with λ: bisect for the level that fills capacity.
    let lo = 0;
    let hi = Math.max(...bounds.map((b) => (b.c.shares > 0 ? b.ceiling / b.c.shares : 0)), 1e-12);
    for (let i = 0; i < 100; i++) {
      const mid = (lo + hi) / 2;
      if (sum(at(mid)) < capacityMHz) lo = mid;
      else hi = mid;
    }
    result = at(hi);
  }
  return new Map(bounds.map((b, i) => [b.c.id, result[i]!]));
}

/** Whether `capacityMHz` can hold every reservation; the MHz still free if so. */
export function unreservedMHz(capacityMHz: number, reservations: readonly number[]): number {
  return capacityMHz - reservations.reduce((s, r) => s + r, 0);
}
