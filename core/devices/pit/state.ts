// Saved state of the 8254 and of port 0x61. Times are guest-clock PIT ticks, so the clock is
// restored before the PIT.
export interface PitChannelState {
  mode: number;
  bcd: boolean;
  access: number;
  reload: number;
  writeLsb: number;
  writeHigh: boolean;
  readHigh: boolean;
  latched: boolean;
  latchValue: number;
  latchHigh: boolean;
  statusLatched: boolean;
  statusValue: number;
  armed: boolean;
  nullCount: boolean;
  gate: boolean;
  triggered: boolean;
  counting: boolean;
  startTick: number;
  heldElapsed: number;
  pendingReload: number;
  pendingAtTick: number;
}

export const PIT_STATE_VERSION = 1;

export interface PitState {
  version: typeof PIT_STATE_VERSION;
  channels: PitChannelState[];
}

export const PORT61_STATE_VERSION = 1;

export interface Port61State {
  version: typeof PORT61_STATE_VERSION;
  /** Bits 0–3 as last written. */
  control: number;
}
