// Saved state of the 8259A pair: plain named fields, versioned (STYLE.md habit 6).
export interface PicChipState {
  irr: number;
  isr: number;
  imr: number;
  lines: number;
  elcr: number;
  vectorBase: number;
  lowestPriority: number;
  icwStep: number;
  icw4Needed: boolean;
  single: boolean;
  levelTriggeredAll: boolean;
  autoEoi: boolean;
  rotateOnAutoEoi: boolean;
  specialFullyNested: boolean;
  specialMask: boolean;
  readIsr: boolean;
  poll: boolean;
  cascade: number;
  initialized: boolean;
}

export const PIC_STATE_VERSION = 1;

export interface PicPairState {
  version: typeof PIC_STATE_VERSION;
  master: PicChipState;
  slave: PicChipState;
}
