// What a VM is entitled to on the host's CPUs, from its .vmx: shares (sched.cpu.shares),
// a reservation (sched.cpu.min) and a limit (sched.cpu.max). As in ESX, reservation and
// limit are MHz; we also take "N%" of one core. A core is CORE_MHZ, the vCPU's nominal clock
// (its TSC runs at 2 GHz, core/vmm), so "1000" and "50%" are the same half core.
import { UsageError } from '../../common';
import type { VmConfig } from '../vmx';
import { SHARE_LEVELS } from '../vmx/vm-config';

export const CORE_MHZ = 2000;

export interface CpuEntitlement {
  readonly shares: number;
  /** Guaranteed MHz (0: none). */
  readonly reservationMHz: number;
  /** Most MHz it may use (Infinity: unlimited, i.e. all of its vCPUs). */
  readonly limitMHz: number;
  readonly vcpus: number;
}

/** "1500" (MHz), "1.5GHz", "75%" (of one core) → MHz. */
export function parseCpuAmount(text: string, field: string, coreMHz = CORE_MHZ): number {
  const t = text.trim().toLowerCase();
  const m = /^(\d+(?:\.\d+)?)\s*(%|mhz|ghz)?$/.exec(t);
  if (!m) throw new UsageError(`scheduler: ${field} = "${text}" must be MHz (e.g. 1000), GHz (1.5GHz) or a percentage of one core (50%)`);
  const n = Number(m[1]);
  const mhz = m[2] === '%' ? (n / 100) * coreMHz : m[2] === 'ghz' ? n * 1000 : n;
  return mhz;
}

export function entitlementOf(config: VmConfig, coreMHz = CORE_MHZ): CpuEntitlement {
  const vcpus = config.cpus;
  const shares = config.cpuShares ?? SHARE_LEVELS.normal * vcpus;
  const reservationMHz = config.cpuReservation !== undefined ? parseCpuAmount(config.cpuReservation, 'sched.cpu.min', coreMHz) : 0;
  const limitRaw = config.cpuLimit?.trim().toLowerCase();
  // VMware writes -1 (or nothing) for "unlimited".
  const limitMHz = limitRaw === undefined || limitRaw === '-1' || limitRaw === 'unlimited' ? Infinity : parseCpuAmount(config.cpuLimit!, 'sched.cpu.max', coreMHz);
  const most = vcpus * coreMHz;
  if (reservationMHz > most) throw new UsageError(`scheduler: ${config.displayName}: a reservation of ${reservationMHz} MHz is more than its ${vcpus} vCPU can use (${most} MHz)`);
  if (reservationMHz > limitMHz) throw new UsageError(`scheduler: ${config.displayName}: its reservation (${reservationMHz} MHz) is above its limit (${limitMHz} MHz)`);
  return { shares, reservationMHz, limitMHz, vcpus };
}
