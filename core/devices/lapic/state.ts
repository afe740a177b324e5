// Saved state of the local APIC. Timer times are guest-clock ns (restore the clock first).
export const LAPIC_STATE_VERSION = 1;

export interface LapicState {
  version: typeof LAPIC_STATE_VERSION;
  apicBase: number;
  globallyEnabled: boolean;
  id: number;
  tpr: number;
  ldr: number;
  dfr: number;
  svr: number;
  irr: number[];
  isr: number[];
  tmr: number[];
  esr: number;
  esrPending: number;
  icrLo: number;
  icrHi: number;
  lvt: number[];
  divideConfig: number;
  timerInitial: number;
  timerStartNs: number;
  extIntMessage: boolean;
}
