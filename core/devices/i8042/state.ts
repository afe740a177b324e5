// Saved state of the i8042 and the PS/2 devices behind it.
export interface Ps2KeyboardState {
  queue: number[];
  scanning: boolean;
  leds: number;
  typematic: number;
  scancodeSet: number;
  pendingCommand: number;
  lastSent: number;
}

export interface Ps2MouseState {
  queue: number[];
  reporting: boolean;
  remote: boolean;
  wrap: boolean;
  sampleRate: number;
  resolution: number;
  scaling21: boolean;
  deviceId: number;
  buttons: number;
  pendingCommand: number;
  lastSent: number;
}

export const I8042_STATE_VERSION = 1;

export interface I8042State {
  version: typeof I8042_STATE_VERSION;
  ram: number[];
  status: number;
  outputBuffer: number;
  outputFull: boolean;
  outputFromAux: boolean;
  pendingCommand: number;
  controllerQueue: { byte: number; aux: boolean }[];
  translateBreak: boolean;
  keyboard: Ps2KeyboardState;
  mouse: Ps2MouseState;
}
