// core/vmm/clock: the VM's virtual clock that follows host time (see host-clock.ts for how
// the run loop drives it). Devices see it only as core/bus `VirtualClock`.
export * from './host-clock';
export * from './catch-up-pace';
