// core/devices/i8042: the keyboard controller with a PS/2 keyboard and mouse (ports 0x60/0x64,
// IRQ 1 and 12, the A20 gate and the reset line).
export { I8042, type I8042Options } from './i8042';
export { Ps2Keyboard } from './ps2-keyboard';
export { Ps2Mouse, type MouseButtons } from './ps2-mouse';
export { SET2_TO_SET1 } from './translate';
export type { I8042State, Ps2KeyboardState, Ps2MouseState } from './state';
