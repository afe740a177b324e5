// core/devices/port92: system control port A (fast A20 and reset).
export { Port92, type Port92Options, type Port92State } from './port92';
