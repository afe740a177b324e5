// core/devices/vga: standard VGA with Bochs VBE DISPI, its PCI function (1234:1111, LFB on
// BAR0, VGA BIOS on the ROM BAR), the RGBA renderer and dirty-rectangle tracking.
// Wiring: `attachVga(ports, mmio, pci, new PciVga({ vga: new Vga(), rom }))`; a console
// calls `new VgaRenderer(vga).update(nowMs)` per frame.
export { Vga, VGA_VRAM_DEFAULT, type VgaOptions } from './vga';
export { PciVga, attachVga, VGA_LEGACY, type PciVgaOptions } from './pci-vga';
export { VgaRenderer, type FrameUpdate, type VgaMode } from './renderer';
export { VramDirtyMap, TileMap, TILE, type DirtyRect } from './dirty';
export { saveVga, restoreVga, VgaError, VGA_STATE_VERSION, type VgaState } from './state';
export * from './vbe-defs';
