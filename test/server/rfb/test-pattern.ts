// A synthetic screen for the console tests: a SharedFrame with a test pattern (colour bars,
// a gradient, a checkerboard, a white frame) that stands in for the VGA, and an input sink
// that records what consoles send.
import { type RunningRfbServer, startRfbTcpServer } from '../../../core/server/rfb';
import { SharedFrame, type ConsoleDisplay, type InputSink } from '../../../core/vmm/console';

export const BARS = [0xffffff, 0xffff00, 0x00ffff, 0x00ff00, 0xff00ff, 0xff0000, 0x0000ff, 0x000000];

/** The pattern's colour at (x, y) as 0xRRGGBB. */
export function patternAt(x: number, y: number, width: number, height: number): number {
  if (x === 0 || y === 0 || x === width - 1 || y === height - 1) return 0xffffff;
  const band = Math.floor((y * 4) / height);
  if (band === 0) return BARS[Math.floor((x * BARS.length) / width)]!;
  if (band === 1) {
    const v = Math.floor((x * 255) / (width - 1));
    return (v << 16) | ((255 - v) << 8) | ((y * 7) & 0xff);
  }
  if (band === 2) return ((x >> 3) + (y >> 3)) & 1 ? 0x202020 : 0xe0e0e0;
  return ((x * 13 + y * 7) & 0xff) * 0x010101 ^ (x & 0x30) << 16; // noisy: raw or RLE tiles
}

export function drawPattern(frame: SharedFrame): void {
  const { width, height } = frame;
  const px = frame.pixels;
  const rgbx = frame.format === 'rgbx';
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = patternAt(x, y, width, height);
      px[y * width + x] = rgbx ? ((c & 0xff) << 16) | (c & 0xff00) | (c >>> 16) : c;
    }
  }
  frame.markAllDirty();
}

export interface RecordingInput extends InputSink {
  readonly keys: { keysym: number; down: boolean }[];
  readonly scancodes: { xt: number; keysym: number; down: boolean }[];
  readonly pointers: { x: number; y: number; mask: number }[];
}

export function recordingInput(): RecordingInput {
  const keys: { keysym: number; down: boolean }[] = [];
  const pointers: { x: number; y: number; mask: number }[] = [];
  const scancodes: { xt: number; keysym: number; down: boolean }[] = [];
  return {
    keys, pointers, scancodes,
    key: (keysym, down) => void keys.push({ keysym, down }),
    pointer: (x, y, mask) => void pointers.push({ x, y, mask }),
    scancode: (xt, keysym, down) => void scancodes.push({ xt, keysym, down }),
  };
}

export function patternDisplay(width: number, height: number, options: { password?: string; format?: 'bgrx' | 'rgbx'; name?: string } = {}): ConsoleDisplay & { frame: SharedFrame; input: RecordingInput } {
  const frame = SharedFrame.allocate(1024 * 768, options.name ?? 'test-pattern');
  frame.resize(width, height, options.format ?? 'bgrx');
  drawPattern(frame);
  return { frame, input: recordingInput(), ...(options.password ? { password: options.password } : {}) };
}

/** An RFB TCP server on a port VNC tools can name as a display (5900 + N). */
export async function startOnDisplayPort(display: ConsoleDisplay): Promise<RunningRfbServer> {
  for (let attempt = 0; ; attempt++) {
    const port = 5900 + 1000 + Math.floor(Math.random() * 20000);
    try {
      return await startRfbTcpServer({ display, port });
    } catch (err) {
      if (attempt > 20) throw err;
    }
  }
}
