// core/devices/rtc: the MC146818 RTC and CMOS RAM (ports 0x70/0x71, IRQ 8).
export { Rtc146818, type Rtc146818Options } from './rtc146818';
export type { RtcState } from './state';
