// The VGA as the consoles' display: what the shared frame shows must be what a fresh render
// of the same VGA shows, in text mode and after a mode change, with only the changed tiles
// marked for the consoles to send.
import { describe, expect, it } from 'vitest';
import { MmioBus, PortBus } from '../../../core/bus';
import { Vga, VgaRenderer } from '../../../core/devices/vga';
import { SharedFrame, TILE, VgaDisplayAdapter } from '../../../core/vmm/console';
import { loadFont, MODE_03H, MODE_13H, setDac, setMode } from '../../devices/vga/vga-modes';

function machine() {
  const vga = new Vga({ vramBytes: 1 << 20 });
  const ports = new PortBus();
  const mmio = new MmioBus();
  ports.register('vga', 0x3b0, 0x30, vga.ioPorts);
  mmio.register('vga-window', 0xa0000, 0x20000, vga.legacyWindow);
  const w8 = (addr: number, v: number): void => mmio.write(addr, 1, v);
  setMode(ports, MODE_03H);
  loadFont(ports, w8, new Map([[0x41, [0, 0, 0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe, 0xc6, 0xc6, 0xc6, 0xc6, 0, 0, 0, 0]]]));
  setMode(ports, MODE_03H); // back to odd/even text access after the font load
  ports.write(0x3d4, 2, 0x200a); // cursor off: no blinking between the two renders
  // The DAC powers up black: give the attribute palette's colours 1, 7 and 3Eh (and mode 13h's 0–FFh) some light.
  for (let i = 0; i < 256; i++) setDac(ports, i, [i & 63, (i * 7) & 63, (i * 13) & 63]);
  return { vga, ports, w8, adapter: new VgaDisplayAdapter(vga, () => 0) };
}

/** What an independent renderer draws for the VGA as it is now, as rgbx words. */
function freshRender(vga: Vga): { width: number; height: number; words: Uint32Array } {
  const r = new VgaRenderer(vga);
  const u = r.update(0);
  return { width: u.width, height: u.height, words: new Uint32Array(r.pixels.buffer.slice(0)) };
}

/** How many pixels differ (a frame-sized toEqual is slow). */
function differing(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

function dirtyTiles(frame: SharedFrame): number[] {
  const d = frame.takeDirty();
  return [...d.tiles.keys()].filter((i) => d.tiles[i] !== 0);
}

describe('VgaDisplayAdapter', () => {
  it('shows the text screen in the shared frame, then sends only the tile of a changed cell', () => {
    const m = machine();
    for (let i = 0; i < 3; i++) {
      m.w8(0xb8000 + 2 * i, 0x41);
      m.w8(0xb8001 + 2 * i, 0x1e);
    }
    const frame = SharedFrame.allocate(1024 * 768);
    m.adapter.refresh(frame);
    const want = freshRender(m.vga);
    expect([frame.width, frame.height, frame.format]).toEqual([720, 400, 'rgbx']);
    expect(differing(frame.pixels, want.words)).toBe(0);
    expect(new Set(want.words).size).toBe(3); // the glyphs, their background, the black rest
    dirtyTiles(frame);

    m.adapter.refresh(frame);
    expect(dirtyTiles(frame)).toEqual([]);
    // Row 10, column 40: pixels x 360–368, y 160–175, all in tile (5, 2).
    m.w8(0xb8000 + 2 * (80 * 10 + 40), 0x41);
    m.w8(0xb8001 + 2 * (80 * 10 + 40), 0x07);
    m.adapter.refresh(frame);
    expect(dirtyTiles(frame)).toEqual([2 * Math.ceil(720 / TILE) + 5]);
    expect(differing(frame.pixels, freshRender(m.vga).words)).toBe(0);
  });

  it('resizes the frame on a mode change and gives a new target the whole picture', () => {
    const m = machine();
    const frame = SharedFrame.allocate(1024 * 768);
    m.adapter.refresh(frame);
    setMode(m.ports, MODE_13H);
    for (let x = 0; x < 320; x++) m.w8(0xa0000 + 100 * 320 + x, x & 0xff);
    m.adapter.refresh(frame);
    const want = freshRender(m.vga);
    expect([frame.width, frame.height]).toEqual([320, 200]);
    expect(differing(frame.pixels, want.words)).toBe(0);

    // Nothing changed in the VGA, but this frame has never seen it.
    const second = SharedFrame.allocate(1024 * 768);
    m.adapter.refresh(second);
    expect([second.width, second.height]).toEqual([320, 200]);
    expect(differing(second.pixels, want.words)).toBe(0);
    expect(dirtyTiles(second).length).toBe(Math.ceil(320 / TILE) * Math.ceil(200 / TILE));
  });
});
