// How fast a running guest's clock goes per instruction: at the measured rate, so guest time
// keeps pace with host time, and faster while it lags host time, up to twice as fast at a
// lag of CATCH_UP_WINDOW_NS or more — the running counterpart of a halted guest skipping
// ahead to its next timer (HostVirtualClock.catchUp).

export const CATCH_UP_WINDOW_NS = 1e9;

/** Guest ns per instruction for a vCPU measured at `instructionsPerNs`, lagging host time by `lagNs`. */
export function catchUpPace(instructionsPerNs: number, lagNs: number): number {
  return (1 + Math.min(Math.max(lagNs, 0) / CATCH_UP_WINDOW_NS, 1)) / instructionsPerNs;
}
