// Saved state of one 16550A.
export const UART_STATE_VERSION = 1;

export interface UartState {
  version: typeof UART_STATE_VERSION;
  rx: number[];
  ier: number;
  lcr: number;
  mcr: number;
  lsrErrors: number;
  scr: number;
  divisor: number;
  fifoEnabled: boolean;
  triggerLevel: number;
  fcrDma: boolean;
  threPending: boolean;
  msrDelta: number;
  inputs: { cts: boolean; dsr: boolean; ri: boolean; dcd: boolean };
  lastRxActivityNs: number;
}
