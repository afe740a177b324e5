// core/vmm/console: a VM's screen and input as consoles see them — the frame contract
// (FrameTarget for the display device, FrameSource for consoles), the SharedArrayBuffer
// frame between the VM's worker and the host, and keysym/pointer input onto PS/2.
export * from './frame';
export { SharedFrame } from './shared-frame';
export { keyCodeOf, set2OfXtCode, specialKeyOf, type KeyCode, type SpecialKey } from './keysym-scancodes';
export { Ps2InputAdapter, type Ps2Devices } from './ps2-input';
export { NoDisplayAdapter, NO_DISPLAY_TEXT, NO_DISPLAY_WIDTH, NO_DISPLAY_HEIGHT } from './no-display-frame';
export { VmConsole } from './vm-console';
export { VgaDisplayAdapter } from './vga-display';
