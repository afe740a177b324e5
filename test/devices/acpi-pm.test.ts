import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/bus';
import { AcpiPm } from '../../core/devices/acpi-pm';

function setup() {
  const clock = new ManualClock();
  let sci = false;
  const events: string[] = [];
  const pm = new AcpiPm({
    clock,
    sci: { setLevel: (l) => void (sci = l) },
    onPowerOff: () => void events.push('off'),
    onSleep: (t) => void events.push(`sleep ${t}`),
  });
  return { clock, pm, events, sci: () => sci };
}

describe('ACPI PM block', () => {
  it('counts the 24-bit PM timer at 3.579545 MHz of guest time and wraps', () => {
    const { clock, pm } = setup();
    clock.advance(1e9);
    expect(pm.timerBlock.readPort(0, 4)).toBe(3_579_545);
    expect(pm.timerBlock.readPort(2, 1)).toBe(3_579_545 >> 16);
    clock.advanceTo(5e9); // 17,897,725 ticks: past 2^24
    expect(pm.timerBlock.readPort(0, 4)).toBe(17_897_725 - 0x100_0000);
  });

  it('reads the PM timer in one piece while guest time moves under the access', () => {
    // A host-time clock moves between any two looks; make it move one PM tick per look.
    class MovingClock extends ManualClock {
      override now(): number {
        const t = super.now();
        this.advance(1e9 / 3_579_545);
        return t;
      }
    }
    const clock = new MovingClock();
    const pm = new AcpiPm({ clock, onPowerOff: () => {} });
    clock.advanceTo((0xffe * 1e9) / 3_579_545 + 1); // the low byte carries during the read
    const before = pm.timerValue();
    const read = pm.timerBlock.readPort(0, 4);
    const after = pm.timerValue();
    expect(read).toBeGreaterThan(before);
    expect(read).toBeLessThan(after);
  });

  it('sets TMR_STS on a bit-23 carry and raises SCI when TMR_EN is set', () => {
    const { clock, pm, sci } = setup();
    pm.eventBlock.writePort(2, 2, 0x0001);
    clock.advance(2.3e9);
    expect(sci()).toBe(false);
    clock.advance(0.1e9); // 2^23 ticks = 2.3436 s
    expect(sci()).toBe(true);
    expect(pm.eventBlock.readPort(0, 2) & 1).toBe(1);
    pm.eventBlock.writePort(0, 2, 0x0001);
    expect(sci()).toBe(false);
  });

  it('raises SCI for the power button only when PWRBTN_EN is set; write-1 clears', () => {
    const { pm, sci } = setup();
    pm.pressPowerButton();
    expect(sci()).toBe(false);
    expect(pm.eventBlock.readPort(0, 2) & 0x100).toBe(0x100);
    pm.eventBlock.writePort(2, 2, 0x0100);
    expect(sci()).toBe(true);
    pm.eventBlock.writePort(0, 2, 0x0100);
    expect(sci()).toBe(false);
    expect(pm.eventBlock.readPort(0, 4) >>> 16).toBe(0x0100); // PM1_EN in the upper half
  });

  it('powers off on SLP_EN with SLP_TYP = 0 (_S5) and reports SCI_EN always set', () => {
    const { pm, events } = setup();
    expect(pm.controlBlock.readPort(0, 2) & 1).toBe(1);
    pm.controlBlock.writePort(0, 2, 5 << 10); // SLP_TYP alone: nothing
    expect(events).toEqual([]);
    pm.controlBlock.writePort(0, 2, (1 << 10) | 0x2000);
    expect(events).toEqual(['sleep 1']);
    pm.controlBlock.writePort(0, 2, 0x2000);
    expect(events).toEqual(['sleep 1', 'off']);
    expect(pm.controlBlock.readPort(0, 2) & 0x2000).toBe(0); // SLP_EN reads 0
  });

  it('raises SCI for an enabled GPE0 event and clears it by writing 1', () => {
    const { pm, sci } = setup();
    pm.gpe0Block.writePort(2, 1, 0x08);
    pm.raiseGpe(3);
    expect(sci()).toBe(true);
    expect(pm.gpe0Block.readPort(0, 1)).toBe(0x08);
    pm.gpe0Block.writePort(0, 1, 0x08);
    expect(sci()).toBe(false);
  });

  it('saves and restores status and enables', () => {
    const a = setup();
    a.pm.eventBlock.writePort(2, 2, 0x0100);
    a.pm.pressPowerButton();
    const b = setup();
    b.pm.restore(JSON.parse(JSON.stringify(a.pm.save())));
    expect(b.sci()).toBe(true);
    expect(() => b.pm.restore({ version: 1 } as never)).toThrow(/acpi-pm: saved state field status/);
  });
});
