// core/devices/pic: the 8259A pair with ELCR; the CPU's interrupt controller in PIC mode.
export { PicPair } from './pic-pair';
export { Pic8259 } from './pic8259';
export type { PicPairState, PicChipState } from './state';
