// core/devices/pit: the 8254 PIT and port 0x61 (counter 2 gate, speaker, refresh toggle).
export { Pit8254, type Pit8254Options } from './pit8254';
export { PitChannel, PIT_HZ } from './pit-channel';
export { SystemControlPortB, type SystemControlPortOptions } from './system-control';
export type { PitState, PitChannelState, Port61State } from './state';
