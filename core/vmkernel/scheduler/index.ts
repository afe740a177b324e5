// core/vmkernel/scheduler: the host's proportional-share CPU scheduler (shares, reservation, limit).
export { allocateCpu, unreservedMHz, type CpuClaim } from './cpu-allocation';
export { CORE_MHZ, entitlementOf, parseCpuAmount, type CpuEntitlement } from './cpu-entitlement';
export { CpuScheduler, SchedulerError, parseHostCpuCapacity, type CpuAllocationInfo, type CpuSchedulerOptions, type ScheduledVm } from './cpu-scheduler';
