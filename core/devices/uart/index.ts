// core/devices/uart: the 16550A UART (COM1–COM4 are instances) and its backend interface.
export { Uart16550, type Uart16550Options, type SerialBackend, type ModemInputs } from './uart16550';
export { IIR_NONE, IIR_LINE_STATUS, IIR_RX_DATA, IIR_TIMEOUT, IIR_THRE, IIR_MODEM } from './uart16550';
export type { UartState } from './state';
