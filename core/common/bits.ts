// Small bit helpers shared by devices and formats.

export const hex = (n: number, width = 0): string => '0x' + (n >>> 0).toString(16).toUpperCase().padStart(width, '0');

/** Mask with the low `bits` bits set (bits 0..32). */
export const lowMask = (bits: number): number => (bits >= 32 ? 0xffffffff : (1 << bits) - 1) >>> 0;

export const alignUp = (n: number, align: number): number => Math.ceil(n / align) * align;
export const alignDown = (n: number, align: number): number => Math.floor(n / align) * align;
