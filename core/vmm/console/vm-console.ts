// The worker side of a VM's consoles: the display device draws into the shared frame at
// ~60 Hz of wall time (between slices), and console input (keysyms, pointer) goes to the
// PS/2 devices, with key codes fed as the guest drains the keyboard.
import type { DisplayAdapter } from './frame';
import { NoDisplayAdapter } from './no-display-frame';
import { type Ps2Devices, Ps2InputAdapter } from './ps2-input';
import { SharedFrame } from './shared-frame';

const REFRESH_MS = 16;

export class VmConsole {
  readonly frame: SharedFrame;
  readonly input: Ps2InputAdapter;
  private readonly display: DisplayAdapter;
  private lastRefresh = -Infinity;

  constructor(frameBuffer: SharedArrayBuffer, devices: Ps2Devices, display: DisplayAdapter | undefined) {
    this.frame = new SharedFrame(frameBuffer);
    this.input = new Ps2InputAdapter(devices);
    this.display = display ?? new NoDisplayAdapter();
    this.display.refresh(this.frame);
  }

  /** Call between slices: refreshes the frame when due and feeds waiting key codes. */
  tick(nowMs: number): void {
    if (this.input.backlog > 0) this.input.pump();
    if (nowMs - this.lastRefresh < REFRESH_MS) return;
    this.lastRefresh = nowMs;
    this.display.refresh(this.frame);
  }
}
