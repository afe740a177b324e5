// A console's input on the VM's PS/2 devices: keysyms become set 2 make/break codes for
// the i8042's keyboard (with Shift pressed or lifted around a character whose shift state
// differs from the keyboard's, so "A" types an A even without Shift held), and absolute
// pointer positions become relative PS/2 mouse motion. Key codes wait here while the
// keyboard's 16-byte buffer is full; call pump() when the guest may have read some.
import type { MouseButtons } from '../../devices/i8042';
import type { InputSink } from './frame';
import { SHIFT_L, SHIFT_R, keyCodeOf, set2OfXtCode, specialKeyOf } from './keysym-scancodes';

/** What the adapter drives; the I8042's keyboard and mouse are this. */
export interface Ps2Devices {
  readonly keyboard: { readonly queue: readonly number[]; pressKey(set2: readonly number[]): void; releaseKey(set2: readonly number[]): void };
  readonly mouse: { move(dx: number, dy: number, buttons?: MouseButtons, dz?: number): void };
}

type KeyAction = { readonly down: boolean; readonly set2: readonly number[] };

const KEYBOARD_QUEUE = 16;
const LSHIFT = [0x12];
const RSHIFT = [0x59];
/** Largest step per PS/2 packet that needs no overflow bit (9-bit two's complement). */
const MAX_STEP = 127;

export class Ps2InputAdapter implements InputSink {
  private readonly pending: KeyAction[] = [];
  /** Keysyms down, with the code pressed for each (released by the same code). */
  private readonly held = new Map<number, readonly number[]>();
  /** Physical keys down by XT code (scancode()), released as pressed. */
  private readonly heldXt = new Map<number, readonly number[]>();
  private lastX: number | undefined;
  private lastY = 0;
  private lastMask = 0;

  constructor(private readonly devices: Ps2Devices) {}

  private get shiftHeld(): boolean {
    return this.held.has(SHIFT_L) || this.held.has(SHIFT_R);
  }

  key(keysym: number, down: boolean): void {
    const specialKey = specialKeyOf(keysym);
    if (specialKey === 'pause') {
      // Pause has no break code: E1 14 77 E1 F0 14 F0 77 on press only.
      if (down) this.queue({ down: true, set2: [0xe1, 0x14, 0x77] }, { down: false, set2: [0xe1, 0x14] }, { down: false, set2: [0x77] });
      return;
    }
    if (specialKey === 'print-screen') {
      // Print Screen: E0 12 E0 7C, released as E0 F0 7C E0 F0 12.
      if (down) this.queue({ down: true, set2: [0xe0, 0x12] }, { down: true, set2: [0xe0, 0x7c] });
      else this.queue({ down: false, set2: [0xe0, 0x7c] }, { down: false, set2: [0xe0, 0x12] });
      return;
    }
    if (!down) {
      const code = this.held.get(keysym);
      if (!code) return; // never pressed (or released already)
      this.held.delete(keysym);
      this.queue({ down: false, set2: code });
      return;
    }
    const code = keyCodeOf(keysym);
    if (!code) return; // no such key on a US keyboard
    if (this.held.has(keysym)) {
      this.queue({ down: true, set2: code.set2 }); // typematic repeat: make again
      return;
    }
    const shiftHeld = this.shiftHeld;
    if (code.shift === true && !shiftHeld) {
      this.queue({ down: true, set2: LSHIFT }, { down: true, set2: code.set2 }, { down: false, set2: LSHIFT });
    } else if (code.shift === false && shiftHeld) {
      const lifted = [this.held.has(SHIFT_L) ? LSHIFT : undefined, this.held.has(SHIFT_R) ? RSHIFT : undefined].filter((c) => c !== undefined);
      this.queue(...lifted.map((c) => ({ down: false, set2: c })), { down: true, set2: code.set2 }, ...lifted.map((c) => ({ down: true, set2: c })));
    } else {
      this.queue({ down: true, set2: code.set2 });
    }
    this.held.set(keysym, code.set2);
  }

  scancode(xt: number, keysym: number, down: boolean): void {
    // Print Screen and Pause have sequences of their own; keysym handling knows them.
    if (xt === 0xb7 || xt === 0xc6 || (xt === 0x45 && keysym === 0xff13)) return this.key(keysym, down);
    const set2 = set2OfXtCode(xt);
    if (!set2) {
      if (keysym) this.key(keysym, down);
      return;
    }
    if (down) {
      this.heldXt.set(xt, set2);
      this.queue({ down: true, set2 });
    } else if (this.heldXt.delete(xt)) {
      this.queue({ down: false, set2 });
    }
  }

  pointer(x: number, y: number, buttonMask: number): void {
    const buttons: MouseButtons = { left: (buttonMask & 1) !== 0, middle: (buttonMask & 2) !== 0, right: (buttonMask & 4) !== 0 };
    // Wheel "buttons" count on their press (RFC 6143 §7.5.5). PS/2 wheel: negative is up.
    const pressed = buttonMask & ~this.lastMask;
    const dz = (pressed & 8 ? -1 : 0) + (pressed & 16 ? 1 : 0);
    let dx = this.lastX === undefined ? 0 : x - this.lastX;
    let dy = this.lastX === undefined ? 0 : this.lastY - y; // PS/2 y grows upwards
    this.lastX = x;
    this.lastY = y;
    const changed = (buttonMask & 7) !== (this.lastMask & 7) || dz !== 0;
    this.lastMask = buttonMask;
    if (dx === 0 && dy === 0 && !changed) return;
    let wheel = dz;
    do {
      const sx = Math.max(-MAX_STEP, Math.min(MAX_STEP, dx));
      const sy = Math.max(-MAX_STEP, Math.min(MAX_STEP, dy));
      this.devices.mouse.move(sx, sy, buttons, wheel);
      dx -= sx;
      dy -= sy;
      wheel = 0;
    } while (dx !== 0 || dy !== 0);
  }

  releaseAll(): void {
    for (const code of this.held.values()) this.queue({ down: false, set2: code });
    for (const code of this.heldXt.values()) this.queue({ down: false, set2: code });
    this.held.clear();
    this.heldXt.clear();
    if (this.lastMask & 7) this.devices.mouse.move(0, 0, {}, 0);
    this.lastMask = 0;
  }

  /** Feeds waiting key codes while the keyboard has room for them. */
  pump(): void {
    const keyboard = this.devices.keyboard;
    while (this.pending.length > 0) {
      const action = this.pending[0]!;
      if (keyboard.queue.length + action.set2.length + 1 > KEYBOARD_QUEUE) return;
      this.pending.shift();
      if (action.down) keyboard.pressKey(action.set2);
      else keyboard.releaseKey(action.set2);
    }
  }

  /** Key codes still waiting for the keyboard. */
  get backlog(): number {
    return this.pending.length;
  }

  private queue(...actions: KeyAction[]): void {
    // A guest that never reads its keyboard must not make the host hoard key codes.
    if (this.pending.length + actions.length > 256) return;
    this.pending.push(...actions);
    this.pump();
  }
}
