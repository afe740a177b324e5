// A PS/2 keyboard (IBM MF2): the host's commands (LEDs, echo, identify, scancode set,
// typematic rate/delay, enable/disable, defaults, resend, reset with BAT 0xAA) and key
// events queued as scancodes. Keys come in as set 2 make codes; set 1 is produced here when
// the guest selects it without the controller's translation. Set 3 is answered as set 2.
import { SET2_TO_SET1 } from './translate';
import type { Ps2KeyboardState } from './state';

const ACK = 0xfa;
const RESEND = 0xfe;
const BAT_OK = 0xaa;
const QUEUE_LIMIT = 16;

export class Ps2Keyboard {
  readonly queue: number[] = [];
  scanning = true;
  leds = 0;
  /** Typematic byte: bits 0–4 rate, bits 5–6 delay (default 10.9 cps, 500 ms). */
  typematic = 0x2b;
  scancodeSet = 2;
  private pendingCommand = 0;
  private lastSent = 0;
  /** Told when bytes are queued (the controller loads its output buffer). */
  onOutput: (() => void) | undefined;

  private send(...bytes: number[]): void {
    for (const b of bytes) {
      if (this.queue.length >= QUEUE_LIMIT) break;
      this.queue.push(b);
      this.lastSent = b;
    }
    this.onOutput?.();
  }

  /** A byte from the host (port 0x60). */
  receive(b: number): void {
    const pending = this.pendingCommand;
    if (pending !== 0) {
      this.pendingCommand = 0;
      if (pending === 0xed) {
        this.leds = b & 7;
        this.send(ACK);
        return;
      }
      if (pending === 0xf3) {
        this.typematic = b & 0x7f;
        this.send(ACK);
        return;
      }
      if (pending === 0xf0) {
        if (b === 0) {
          this.send(ACK, this.scancodeSet);
        } else if (b >= 1 && b <= 3) {
          this.scancodeSet = b;
          this.send(ACK);
        } else {
          this.send(RESEND);
        }
        return;
      }
      // Not an argument after all: treat as a new command.
    }
    switch (b) {
      case 0xed:
      case 0xf3:
      case 0xf0:
        this.pendingCommand = b;
        this.send(ACK);
        break;
      case 0xee:
        this.send(0xee);
        break;
      case 0xf2:
        this.send(ACK, 0xab, 0x83);
        break;
      case 0xf4:
        this.scanning = true;
        this.queue.length = 0;
        this.send(ACK);
        break;
      case 0xf5:
        this.defaults();
        this.scanning = false;
        this.send(ACK);
        break;
      case 0xf6:
        this.defaults();
        this.send(ACK);
        break;
      case 0xf7:
      case 0xf8:
      case 0xf9:
      case 0xfa:
        this.send(ACK); // set-3 key type commands: accepted, no effect
        break;
      case 0xfe:
        this.send(this.lastSent);
        break;
      case 0xff:
        this.queue.length = 0;
        this.defaults();
        this.leds = 0;
        this.scanning = true;
        this.send(ACK, BAT_OK);
        break;
      default:
        this.send(RESEND);
    }
  }

  private defaults(): void {
    this.typematic = 0x2b;
    this.scancodeSet = 2;
  }

  /** A key went down: `set2` is its set 2 make code, e.g. [0x1c] for A, [0xe0, 0x75] for Up. */
  pressKey(set2: readonly number[]): void {
    if (!this.scanning) return;
    this.send(...this.encode(set2, false));
  }

  releaseKey(set2: readonly number[]): void {
    if (!this.scanning) return;
    this.send(...this.encode(set2, true));
  }

  private encode(set2: readonly number[], release: boolean): number[] {
    const out: number[] = [];
    const last = set2.length - 1;
    set2.forEach((b, i) => {
      if (this.scancodeSet === 1) {
        const prefix = b === 0xe0 || b === 0xe1;
        out.push(prefix ? b : SET2_TO_SET1[b & 0xff]! | (release && i === last ? 0x80 : 0));
      } else {
        if (release && i === last) out.push(0xf0);
        out.push(b & 0xff);
      }
    });
    return out;
  }

  save(): Ps2KeyboardState {
    return {
      queue: [...this.queue],
      scanning: this.scanning,
      leds: this.leds,
      typematic: this.typematic,
      scancodeSet: this.scancodeSet,
      pendingCommand: this.pendingCommand,
      lastSent: this.lastSent,
    };
  }

  restore(s: Ps2KeyboardState): void {
    this.queue.length = 0;
    if (Array.isArray(s.queue)) this.queue.push(...s.queue.slice(0, QUEUE_LIMIT).map((b) => Number(b) & 0xff));
    this.scanning = !!s.scanning;
    this.leds = Number(s.leds) & 7;
    this.typematic = Number(s.typematic) & 0x7f;
    this.scancodeSet = [1, 2, 3].includes(s.scancodeSet) ? s.scancodeSet : 2;
    this.pendingCommand = [0xed, 0xf3, 0xf0].includes(s.pendingCommand) ? s.pendingCommand : 0;
    this.lastSent = Number(s.lastSent) & 0xff;
  }
}
