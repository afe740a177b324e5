// Saved state of the RTC/CMOS. `baseMs` is the RTC's wall time at guest time `baseNs`.
export const RTC_STATE_VERSION = 1;

export interface RtcState {
  version: typeof RTC_STATE_VERSION;
  cmos: number[];
  index: number;
  nmiMasked: boolean;
  baseMs: number;
  baseNs: number;
  frozenMs: number | null;
  dowDelta: number;
  flags: number;
  lastCheckNs: number;
}
