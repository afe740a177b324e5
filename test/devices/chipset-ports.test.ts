import { describe, expect, it } from 'vitest';
import { DebugExitPort } from '../../core/devices/debug-exit';
import { Port92 } from '../../core/devices/port92';
import { PostCodePort } from '../../core/devices/post';
import { SimpleA20Gate } from '../../core/devices/types';

describe('port 0x92', () => {
  it('gates A20 with bit 1 and reads it back; bit 0 pulses reset', () => {
    const changes: boolean[] = [];
    const a20 = new SimpleA20Gate(false, (on) => void changes.push(on));
    let resets = 0;
    const p = new Port92({ a20, onReset: () => void resets++ });
    p.writePort(0, 1, 0x02);
    expect(p.readPort(0, 1)).toBe(0x02);
    expect(changes).toEqual([true]);
    p.writePort(0, 1, 0x03);
    expect(resets).toBe(1);
    expect(p.readPort(0, 1) & 0x01).toBe(0);
    // The same gate driven elsewhere (the i8042) shows here.
    a20.setEnabled(false);
    expect(p.readPort(0, 1)).toBe(0);
  });
});

describe('POST port 0x80', () => {
  it('records the last code written', () => {
    const seen: number[] = [];
    const p = new PostCodePort((c) => void seen.push(c));
    p.writePort(0, 1, 0x12);
    p.writePort(0, 1, 0x1ab);
    expect(p.lastCode).toBe(0xab);
    expect(p.readPort(0, 1)).toBe(0xab);
    expect(seen).toEqual([0x12, 0xab]);
  });
});

describe('debug-exit port', () => {
  it('exits with (v << 1) | 1 like QEMU isa-debug-exit', () => {
    const codes: number[] = [];
    const p = new DebugExitPort((c) => void codes.push(c));
    p.writePort(0, 1, 0);
    p.writePort(0, 1, 0x10);
    p.writePort(0, 4, 0x1ff);
    expect(codes).toEqual([1, 0x21, 0x1ff]);
  });
});
