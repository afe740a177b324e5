// Bochs VBE "DISPI" interface (Bochs iodev/vga.h, QEMU include/hw/display/bochs-vbe.h):
// an index port 0x1CE and a data port 0x1CF, 16-bit registers.
export const VBE_DISPI_INDEX_ID = 0x0;
export const VBE_DISPI_INDEX_XRES = 0x1;
export const VBE_DISPI_INDEX_YRES = 0x2;
export const VBE_DISPI_INDEX_BPP = 0x3;
export const VBE_DISPI_INDEX_ENABLE = 0x4;
export const VBE_DISPI_INDEX_BANK = 0x5;
export const VBE_DISPI_INDEX_VIRT_WIDTH = 0x6;
export const VBE_DISPI_INDEX_VIRT_HEIGHT = 0x7;
export const VBE_DISPI_INDEX_X_OFFSET = 0x8;
export const VBE_DISPI_INDEX_Y_OFFSET = 0x9;
export const VBE_DISPI_INDEX_VIDEO_MEMORY_64K = 0xa;
export const VBE_DISPI_INDEX_COUNT = 0xb;

export const VBE_DISPI_ID0 = 0xb0c0;
export const VBE_DISPI_ID5 = 0xb0c5;

export const VBE_DISPI_ENABLED = 0x01;
export const VBE_DISPI_GETCAPS = 0x02;
export const VBE_DISPI_8BIT_DAC = 0x20;
export const VBE_DISPI_LFB_ENABLED = 0x40;
export const VBE_DISPI_NOCLEARMEM = 0x80;

/** Largest mode offered through GETCAPS. */
export const VBE_DISPI_MAX_XRES = 2560;
export const VBE_DISPI_MAX_YRES = 1600;
export const VBE_DISPI_MAX_BPP = 32;

export const VBE_BPP_ALLOWED = [4, 8, 15, 16, 24, 32] as const;

export function vbeBytesPerPixel(bpp: number): number {
  return bpp === 15 ? 2 : bpp === 4 ? 0.5 : bpp >> 3;
}
