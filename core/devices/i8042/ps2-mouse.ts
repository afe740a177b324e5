// A PS/2 mouse: stream and remote modes, 3-byte movement packets (4 with the IntelliMouse
// wheel, unlocked by the sample-rate sequence 200, 100, 80), sample rate, resolution,
// scaling, status request, wrap (echo) mode, reset answering 0xAA 0x00.
import type { Ps2MouseState } from './state';

const ACK = 0xfa;
const RESEND = 0xfe;
const QUEUE_LIMIT = 16;

export interface MouseButtons {
  left?: boolean;
  right?: boolean;
  middle?: boolean;
}

export class Ps2Mouse {
  readonly queue: number[] = [];
  reporting = false;
  remote = false;
  wrap = false;
  sampleRate = 100;
  resolution = 2;
  scaling21 = false;
  deviceId = 0;
  buttons = 0;
  private dx = 0;
  private dy = 0;
  private dz = 0;
  private pendingCommand = 0;
  private lastSent = 0;
  private rateHistory: number[] = [];
  onOutput: (() => void) | undefined;

  private send(...bytes: number[]): void {
    for (const b of bytes) {
      if (this.queue.length >= QUEUE_LIMIT) break;
      this.queue.push(b & 0xff);
      this.lastSent = b & 0xff;
    }
    this.onOutput?.();
  }

  receive(b: number): void {
    if (this.wrap && b !== 0xec && b !== 0xff) {
      this.send(b);
      return;
    }
    const pending = this.pendingCommand;
    if (pending !== 0) {
      this.pendingCommand = 0;
      if (pending === 0xf3) {
        this.sampleRate = b;
        this.rateHistory = [...this.rateHistory, b].slice(-3);
        if (this.rateHistory.join() === '200,100,80') this.deviceId = 3;
        this.send(ACK);
        return;
      }
      if (pending === 0xe8) {
        this.resolution = b & 3;
        this.send(ACK);
        return;
      }
    }
    switch (b) {
      case 0xff:
        this.queue.length = 0;
        this.defaults();
        this.deviceId = 0;
        this.wrap = false;
        this.send(ACK, 0xaa, 0x00);
        break;
      case 0xfe:
        this.send(this.lastSent);
        break;
      case 0xf6:
        this.defaults();
        this.send(ACK);
        break;
      case 0xf5:
        this.reporting = false;
        this.dx = this.dy = this.dz = 0;
        this.send(ACK);
        break;
      case 0xf4:
        // Enabling data reporting also clears the movement counters.
        this.reporting = true;
        this.dx = this.dy = this.dz = 0;
        this.send(ACK);
        break;
      case 0xf3:
      case 0xe8:
        this.pendingCommand = b;
        this.send(ACK);
        break;
      case 0xf2:
        this.send(ACK, this.deviceId);
        break;
      case 0xf0:
        this.remote = true;
        this.send(ACK);
        break;
      case 0xee:
        this.wrap = true;
        this.send(ACK);
        break;
      case 0xec:
        this.wrap = false;
        this.send(ACK);
        break;
      case 0xeb:
        this.send(ACK);
        this.packet();
        break;
      case 0xea:
        this.remote = false;
        this.send(ACK);
        break;
      case 0xe9:
        this.send(ACK, this.status(), this.resolution, this.sampleRate);
        break;
      case 0xe7:
        this.scaling21 = true;
        this.send(ACK);
        break;
      case 0xe6:
        this.scaling21 = false;
        this.send(ACK);
        break;
      default:
        this.send(RESEND);
    }
  }

  private defaults(): void {
    this.reporting = false;
    this.remote = false;
    this.sampleRate = 100;
    this.resolution = 2;
    this.scaling21 = false;
    this.dx = this.dy = this.dz = 0;
    this.rateHistory = [];
  }

  private status(): number {
    const b = this.buttons;
    return (this.remote ? 0x40 : 0) | (this.reporting ? 0x20 : 0) | (this.scaling21 ? 0x10 : 0) |
      (b & 1 ? 0x04 : 0) | (b & 4 ? 0x02 : 0) | (b & 2 ? 0x01 : 0);
  }

  /** Motion from the host: dx right, dy up (PS/2 convention), dz wheel; buttons now held. */
  move(dx: number, dy: number, buttons: MouseButtons = {}, dz = 0): void {
    this.buttons = (buttons.left ? 1 : 0) | (buttons.right ? 2 : 0) | (buttons.middle ? 4 : 0);
    // Stream mode with reporting off drops motion; remote mode accumulates it for 0xEB.
    if (!this.remote && !this.reporting) return;
    this.dx += Math.trunc(dx) || 0;
    this.dy += Math.trunc(dy) || 0;
    this.dz += Math.trunc(dz) || 0;
    const size = this.deviceId === 3 ? 4 : 3;
    if (this.reporting && !this.remote && !this.wrap && this.queue.length + size <= QUEUE_LIMIT) this.packet();
  }

  /** Emit one movement packet with what has accumulated (PS/2 "Movement Data Packet"). */
  private packet(): void {
    const clamp = (v: number): [number, boolean] => (v > 255 ? [255, true] : v < -256 ? [-256, true] : [v, false]);
    const [x, xo] = clamp(this.dx);
    const [y, yo] = clamp(this.dy);
    const head = 0x08 | (this.buttons & 7) | (x < 0 ? 0x10 : 0) | (y < 0 ? 0x20 : 0) | (xo ? 0x40 : 0) | (yo ? 0x80 : 0);
    const bytes = [head, x & 0xff, y & 0xff];
    if (this.deviceId === 3) bytes.push(Math.max(-8, Math.min(7, this.dz)) & 0xff);
    this.dx = this.dy = this.dz = 0;
    this.send(...bytes);
  }

  save(): Ps2MouseState {
    return {
      queue: [...this.queue],
      reporting: this.reporting,
      remote: this.remote,
      wrap: this.wrap,
      sampleRate: this.sampleRate,
      resolution: this.resolution,
      scaling21: this.scaling21,
      deviceId: this.deviceId,
      buttons: this.buttons,
      pendingCommand: this.pendingCommand,
      lastSent: this.lastSent,
    };
  }

  restore(s: Ps2MouseState): void {
    this.queue.length = 0;
    if (Array.isArray(s.queue)) this.queue.push(...s.queue.slice(0, QUEUE_LIMIT).map((b) => Number(b) & 0xff));
    this.reporting = !!s.reporting;
    this.remote = !!s.remote;
    this.wrap = !!s.wrap;
    this.sampleRate = Number(s.sampleRate) & 0xff;
    this.resolution = Number(s.resolution) & 3;
    this.scaling21 = !!s.scaling21;
    this.deviceId = s.deviceId === 3 ? 3 : 0;
    this.buttons = Number(s.buttons) & 7;
    this.pendingCommand = [0xf3, 0xe8].includes(s.pendingCommand) ? s.pendingCommand : 0;
    this.lastSent = Number(s.lastSent) & 0xff;
    this.dx = this.dy = this.dz = 0;
  }
}
