// PIT, RTC, APIC timer, PM timer and TSC all derive from one virtual clock, so a guest that
// calibrates one against another (Linux: TSC against the PIT, the APIC timer against the
// PIT, the PM timer as a clocksource) sees them agree.
import { describe, expect, it } from 'vitest';
import { ManualClock, TimeStampCounter } from '../../core/bus';
import { AcpiPm, LocalApic, Pit8254, Rtc146818 } from '../../core/devices';

describe('one clock for all timers', () => {
  it('agree over 2.5 guest seconds', () => {
    const clock = new ManualClock();
    const pit = new Pit8254({ clock });
    const pm = new AcpiPm({ clock, onPowerOff: () => {} });
    const tsc = new TimeStampCounter(clock, 2e9);
    const lapic = new LocalApic({ clock, timerHz: 100e6 });
    const rtc = new Rtc146818({ clock, ramBytes: 1 << 26, hostTimeMs: () => Date.UTC(2026, 0, 1, 0, 0, 0) });
    lapic.writeMmio(0xf0, 4, 0x1ff);
    lapic.writeMmio(0x3e0, 4, 0xb); // divide by 1
    lapic.writeMmio(0x380, 4, 0xffffffff);
    // Linux's PIT calibration shape: channel 2, mode 0, count 0xFFFF.
    pit.setGate(2, true);
    pit.writePort(3, 1, 0xb0);
    pit.writePort(2, 1, 0xff);
    pit.writePort(2, 1, 0xff);
    const pmStart = pm.timerBlock.readPort(0, 4);
    clock.advance(50e6); // 50 ms, like quick_pit_calibrate's window
    pit.writePort(3, 1, 0x80);
    const pitElapsed = 0xffff - (pit.readPort(2, 1) | (pit.readPort(2, 1) << 8));
    const pmElapsed = pm.timerBlock.readPort(0, 4) - pmStart;
    const apicElapsed = 0xffffffff - lapic.readMmio(0x390, 4);
    const tscElapsed = tsc.read();
    // Each counts 50 ms at its own rate, to within one tick.
    expect(Math.abs(pitElapsed - 0.05 * 1_193_182)).toBeLessThanOrEqual(1);
    expect(Math.abs(pmElapsed - 0.05 * 3_579_545)).toBeLessThanOrEqual(1);
    expect(Math.abs(apicElapsed - 0.05 * 100e6)).toBeLessThanOrEqual(1);
    expect(tscElapsed).toBe(0.05 * 2e9);
    // TSC frequency as Linux would compute it from the PIT: within 0.01 %.
    const tscHzFromPit = (tscElapsed * 1_193_182) / pitElapsed;
    expect(Math.abs(tscHzFromPit - 2e9) / 2e9).toBeLessThan(1e-4);
    clock.advance(2.45e9);
    rtc.writePort(0, 1, 0);
    expect(rtc.readPort(1, 1)).toBe(0x02); // 2 whole seconds on the RTC
  });
});
