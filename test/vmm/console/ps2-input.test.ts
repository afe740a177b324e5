// Keysyms and pointer events from a console, through Ps2InputAdapter into a real i8042 with
// its default set 2 → set 1 translation on: what a guest reads from port 0x60 (set 1, as
// Linux's atkbd and every BIOS see it) and the mouse packets on the aux port.
import { describe, expect, it } from 'vitest';
import { I8042 } from '../../../core/devices/i8042';
import { SimpleA20Gate } from '../../../core/devices/types';
import { Ps2InputAdapter, keyCodeOf } from '../../../core/vmm/console';

function machine() {
  const kbc = new I8042({ a20: new SimpleA20Gate(true), onReset: () => undefined });
  const input = new Ps2InputAdapter(kbc);
  const status = (): number => kbc.commandPort.readPort(0, 1);
  /** What the guest reads, pumping the adapter as a guest's reads make room. */
  const drain = (): number[] => {
    const out: number[] = [];
    for (let guard = 0; guard < 1000; guard++) {
      input.pump();
      if (!(status() & 1)) break;
      out.push(kbc.dataPort.readPort(0, 1));
    }
    return out;
  };
  const type = (keysym: number): number[] => {
    input.key(keysym, true);
    input.key(keysym, false);
    return drain();
  };
  return { kbc, input, drain, type, status };
}

const ch = (c: string): number => c.charCodeAt(0);

describe('keysyms to PS/2 scan codes (US layout)', () => {
  it('types letters and digits as their set 1 make and break codes', () => {
    const { type } = machine();
    expect(type(ch('a'))).toEqual([0x1e, 0x9e]);
    expect(type(ch('z'))).toEqual([0x2c, 0xac]);
    expect(type(ch('1'))).toEqual([0x02, 0x82]);
    expect(type(ch('0'))).toEqual([0x0b, 0x8b]);
    expect(type(0x20)).toEqual([0x39, 0xb9]); // space
    expect(type(0xff0d)).toEqual([0x1c, 0x9c]); // Return
    expect(type(0xff1b)).toEqual([0x01, 0x81]); // Escape
  });

  it('adds Shift around a shifted character typed without Shift held', () => {
    const { type } = machine();
    expect(type(ch('A'))).toEqual([0x2a, 0x1e, 0xaa, 0x9e]);
    expect(type(ch('!'))).toEqual([0x2a, 0x02, 0xaa, 0x82]);
    expect(type(ch(':'))).toEqual([0x2a, 0x27, 0xaa, 0xa7]);
  });

  it('keeps the client\'s Shift for shifted characters and lifts it for unshifted ones', () => {
    const { input, drain } = machine();
    input.key(0xffe1, true); // Shift_L
    input.key(ch('A'), true);
    input.key(ch('A'), false);
    input.key(ch('-'), true); // a client that sends "-" while Shift is down
    input.key(ch('-'), false);
    input.key(0xffe1, false);
    expect(drain()).toEqual([0x2a, 0x1e, 0x9e, 0xaa, 0x0c, 0x2a, 0x8c, 0xaa]);
  });

  it('sends the extended (E0) codes of arrows, the navigation block, right modifiers and keypad', () => {
    const { type } = machine();
    expect(type(0xff52)).toEqual([0xe0, 0x48, 0xe0, 0xc8]); // Up
    expect(type(0xff51)).toEqual([0xe0, 0x4b, 0xe0, 0xcb]); // Left
    expect(type(0xffff)).toEqual([0xe0, 0x53, 0xe0, 0xd3]); // Delete
    expect(type(0xff55)).toEqual([0xe0, 0x49, 0xe0, 0xc9]); // Page Up
    expect(type(0xffe4)).toEqual([0xe0, 0x1d, 0xe0, 0x9d]); // Control_R
    expect(type(0xffea)).toEqual([0xe0, 0x38, 0xe0, 0xb8]); // Alt_R
    // The GUI keys in set 2 (the i8042's translation table has no entry for them yet).
    expect(keyCodeOf(0xffeb)?.set2).toEqual([0xe0, 0x1f]); // Super_L
    expect(keyCodeOf(0xff67)?.set2).toEqual([0xe0, 0x2f]); // Menu
    expect(type(0xff8d)).toEqual([0xe0, 0x1c, 0xe0, 0x9c]); // KP_Enter
    expect(type(0xffaf)).toEqual([0xe0, 0x35, 0xe0, 0xb5]); // KP_Divide
    expect(type(0xffb7)).toEqual([0x47, 0xc7]); // KP_7
    expect(type(0xffaa)).toEqual([0x37, 0xb7]); // KP_Multiply
  });

  it('maps the function keys, including F11/F12 and the odd F7', () => {
    const { type } = machine();
    const f = (n: number): number[] => type(0xffbe + n - 1);
    expect(f(1)).toEqual([0x3b, 0xbb]);
    expect(f(7)).toEqual([0x41, 0xc1]);
    expect(f(10)).toEqual([0x44, 0xc4]);
    expect(f(11)).toEqual([0x57, 0xd7]);
    expect(f(12)).toEqual([0x58, 0xd8]);
  });

  it('sends Print Screen and Pause as their multi-byte sequences (Pause has no break)', () => {
    const { type } = machine();
    expect(type(0xff61)).toEqual([0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa]);
    expect(type(0xff13)).toEqual([0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5]);
  });

  it('types Ctrl-Alt-Del as noVNC sends it', () => {
    const { input, drain } = machine();
    for (const k of [0xffe3, 0xffe9, 0xffff]) input.key(k, true);
    for (const k of [0xffff, 0xffe9, 0xffe3]) input.key(k, false);
    expect(drain()).toEqual([0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d]);
  });

  it('holds key codes while the 16-byte keyboard buffer is full, losing none', () => {
    const { input, drain } = machine();
    const text = 'the quick brown fox';
    for (const c of text) {
      input.key(ch(c), true);
      input.key(ch(c), false);
    }
    expect(input.backlog).toBeGreaterThan(0);
    const codes = drain();
    expect(codes.length).toBe(text.length * 2);
    expect(codes.slice(0, 4)).toEqual([0x14, 0x94, 0x23, 0xa3]); // t, h
  });

  it('types physical keys from XT codes (QEMU extended key events), whatever the keysym', () => {
    const { input, drain } = machine();
    const xt = (code: number, keysym: number): number[] => {
      input.scancode(code, keysym, true);
      input.scancode(code, keysym, false);
      return drain();
    };
    expect(xt(0x10, ch('a'))).toEqual([0x10, 0x90]); // AZERTY "a" is the US Q key: no remapping
    expect(xt(0xc8, 0xff52)).toEqual([0xe0, 0x48, 0xe0, 0xc8]); // Up
    expect(xt(0x9d, 0xffe4)).toEqual([0xe0, 0x1d, 0xe0, 0x9d]); // Right Ctrl
    expect(xt(0x56, 0x3c)).toEqual([0x56, 0xd6]); // the ISO 102nd key
    expect(xt(0x7f, ch('x'))).toEqual([0x2d, 0xad]); // no such key: the keysym decides
  });

  it('ignores keysyms a US keyboard does not have, and releases of keys never pressed', () => {
    const { input, drain } = machine();
    input.key(0x20ac, true); // EuroSign
    input.key(ch('q'), false);
    expect(drain()).toEqual([]);
    expect(keyCodeOf(0x20ac)).toBeUndefined();
  });

  it('releases the keys still held when a console goes away', () => {
    const { input, drain } = machine();
    input.key(0xffe3, true);
    input.key(ch('c'), true);
    input.releaseAll();
    expect(drain()).toEqual([0x1d, 0x2e, 0x9d, 0xae]);
  });
});

describe('absolute pointer to relative PS/2 mouse', () => {
  function withMouse() {
    const m = machine();
    const aux = (b: number): void => {
      m.kbc.commandPort.writePort(0, 1, 0xd4);
      m.kbc.dataPort.writePort(0, 1, b);
    };
    aux(0xf4); // enable data reporting
    expect(m.drain()).toEqual([0xfa]);
    return { ...m, aux };
  }
  const packets = (bytes: number[]): { buttons: number; dx: number; dy: number }[] => {
    const out = [];
    for (let i = 0; i + 2 < bytes.length; i += 3) {
      const h = bytes[i]!;
      out.push({ buttons: h & 7, dx: h & 0x10 ? bytes[i + 1]! - 256 : bytes[i + 1]!, dy: h & 0x20 ? bytes[i + 2]! - 256 : bytes[i + 2]! });
    }
    return out;
  };

  it('turns positions into motion deltas with y pointing up, and buttons into packet bits', () => {
    const { input, drain } = withMouse();
    input.pointer(100, 100, 0); // first position: nothing to move by
    expect(drain()).toEqual([]);
    input.pointer(110, 95, 0);
    input.pointer(110, 95, 1); // left down
    input.pointer(104, 101, 4); // right only
    expect(packets(drain())).toEqual([
      { buttons: 0, dx: 10, dy: 5 },
      { buttons: 1, dx: 0, dy: 0 },
      { buttons: 2, dx: -6, dy: -6 },
    ]);
  });

  it('splits a long jump into packets that need no overflow bit', () => {
    const { input, drain } = withMouse();
    input.pointer(0, 0, 0);
    input.pointer(300, 0, 0);
    const p = packets(drain());
    expect(p.map((q) => q.dx)).toEqual([127, 127, 46]);
    expect(p.reduce((s, q) => s + q.dy, 0)).toBe(0);
  });
});
