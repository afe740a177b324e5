// The VGA as a BIOS and Linux drive it (FreeVGA register reference): register files and
// their quirks, the planar memory model (write modes 0–3, read modes 0–1, latches,
// chain-4, odd/even), and what the renderer shows for text mode, mode 12h and mode 13h.
import { describe, expect, it } from 'vitest';
import { MmioBus, PortBus } from '../../../core/bus';
import { Vga, VgaRenderer } from '../../../core/devices/vga';
import { loadFont, MODE_03H, MODE_12H, MODE_13H, setDac, setMode } from './vga-modes';

function setup() {
  const vga = new Vga();
  const ports = new PortBus();
  const mmio = new MmioBus();
  ports.register('vga', 0x3b0, 0x30, vga.ioPorts);
  ports.register('vbe', 0x1ce, 2, vga.vbePorts);
  mmio.register('vga-window', 0xa0000, 0x20000, vga.legacyWindow);
  const renderer = new VgaRenderer(vga);
  const w8 = (addr: number, v: number): void => mmio.write(addr, 1, v);
  const r8 = (addr: number): number => mmio.read(addr, 1);
  const pixel = (x: number, y: number): [number, number, number] => {
    const i = (y * renderer.width + x) * 4;
    return [renderer.pixels[i]!, renderer.pixels[i + 1]!, renderer.pixels[i + 2]!];
  };
  return { vga, ports, mmio, renderer, w8, r8, pixel };
}

const c6 = (v: number): number => (v << 2) | (v >> 4);

describe('VGA registers', () => {
  it('misc output reads back at 3CC and moves the CRTC between 3Bx and 3Dx', () => {
    const { ports } = setup();
    ports.write(0x3c2, 1, 0x67);
    expect(ports.read(0x3cc, 1)).toBe(0x67);
    ports.write(0x3d4, 1, 0x0e);
    ports.write(0x3d5, 1, 0x12);
    expect(ports.read(0x3d5, 1)).toBe(0x12);
    expect(ports.read(0x3b5, 1)).toBe(0xff); // mono CRTC not decoded in colour mode
    ports.write(0x3c2, 1, 0x66);
    ports.write(0x3b4, 1, 0x0e);
    expect(ports.read(0x3b5, 1)).toBe(0x12);
    expect(ports.read(0x3d5, 1)).toBe(0xff);
  });

  it('CR11 bit 7 write-protects CR0–CR7 except the line-compare bit of CR7', () => {
    const { ports } = setup();
    ports.write(0x3c2, 1, 0x67);
    ports.write(0x3d4, 2, 0x5f00);
    ports.write(0x3d4, 2, 0x0007);
    ports.write(0x3d4, 2, 0x8011);
    ports.write(0x3d4, 2, 0x1200);
    ports.write(0x3d4, 2, 0xff07);
    ports.write(0x3d4, 1, 0x00);
    expect(ports.read(0x3d5, 1)).toBe(0x5f);
    ports.write(0x3d4, 1, 0x07);
    expect(ports.read(0x3d5, 1)).toBe(0x10);
    ports.write(0x3d4, 2, 0x0011);
    ports.write(0x3d4, 2, 0x1200);
    ports.write(0x3d4, 1, 0x00);
    expect(ports.read(0x3d5, 1)).toBe(0x12);
  });

  it('the attribute controller flip-flop alternates index/data and resets on reading 3DA', () => {
    const { ports } = setup();
    ports.write(0x3c2, 1, 0x67);
    ports.read(0x3da, 1);
    ports.write(0x3c0, 1, 0x05);
    ports.write(0x3c0, 1, 0x2a);
    expect(ports.read(0x3c0, 1)).toBe(0x05);
    ports.write(0x3c0, 1, 0x06); // flip-flop is back at "index"
    ports.read(0x3da, 1); // ...and reset again
    ports.write(0x3c0, 1, 0x05);
    expect(ports.read(0x3c1, 1)).toBe(0x2a);
    ports.write(0x3c0, 1, 0x3f); // data: palette registers keep 6 bits
    ports.read(0x3da, 1);
    ports.write(0x3c0, 1, 0x05);
    expect(ports.read(0x3c1, 1)).toBe(0x3f);
  });

  it('input status 1 toggles retrace so wait-for-retrace loops end', () => {
    const { ports } = setup();
    ports.write(0x3c2, 1, 0x67);
    const a = ports.read(0x3da, 1) & 0x08;
    const b = ports.read(0x3da, 1) & 0x08;
    expect(a ^ b).toBe(0x08);
  });

  it('the DAC auto-increments through R, G, B on write and on read, with 6-bit values', () => {
    const { ports } = setup();
    ports.write(0x3c8, 1, 10);
    for (const v of [1, 2, 3, 4, 5, 0xff]) ports.write(0x3c9, 1, v);
    expect(ports.read(0x3c8, 1)).toBe(12);
    ports.write(0x3c7, 1, 10);
    expect(ports.read(0x3c7, 1)).toBe(3);
    expect([0, 1, 2, 3, 4, 5].map(() => ports.read(0x3c9, 1))).toEqual([1, 2, 3, 4, 5, 0x3f]);
  });

  it('sequencer and graphics registers keep only their defined bits', () => {
    const { ports } = setup();
    ports.write(0x3c4, 2, 0xff02);
    expect(ports.read(0x3c5, 1)).toBe(0x0f);
    ports.write(0x3ce, 2, 0xff05);
    expect(ports.read(0x3cf, 1)).toBe(0x7b);
  });
});

describe('planar memory', () => {
  function planar() {
    const s = setup();
    setMode(s.ports, MODE_12H);
    const plane = (p: number, off: number): number => s.vga.vram[off * 4 + p]!;
    return { ...s, plane };
  }

  it('write mode 0 with set/reset, map mask and bit mask; read mode 0 picks a plane through the latches', () => {
    const { ports, w8, r8, plane } = planar();
    w8(0xa0010, 0xa5); // map mask 0xF: every plane gets A5
    expect([0, 1, 2, 3].map((p) => plane(p, 0x10))).toEqual([0xa5, 0xa5, 0xa5, 0xa5]);
    ports.write(0x3ce, 2, 0x0500); // set/reset value 5
    ports.write(0x3ce, 2, 0x0f01); // enabled on all planes
    ports.write(0x3ce, 2, 0x0f08); // bit mask: low nibble
    r8(0xa0010); // load latches
    w8(0xa0010, 0x00);
    expect([0, 1, 2, 3].map((p) => plane(p, 0x10))).toEqual([0xaf, 0xa0, 0xaf, 0xa0]);
    ports.write(0x3ce, 2, 0x0001);
    ports.write(0x3ce, 2, 0xff08);
    ports.write(0x3c4, 2, 0x0402); // map mask: plane 2 only
    w8(0xa0011, 0x3c);
    expect([plane(0, 0x11), plane(2, 0x11)]).toEqual([0, 0x3c]);
    ports.write(0x3ce, 2, 0x0204); // read map select 2
    expect(r8(0xa0011)).toBe(0x3c);
  });

  it('write mode 1 copies the latches; write mode 2 spreads a colour; logical XOR with the latches', () => {
    const { ports, w8, r8, plane } = planar();
    ports.write(0x3ce, 2, 0x0205);
    w8(0xa0000, 0x09); // colour 9 → planes 0 and 3 all ones
    expect([0, 1, 2, 3].map((p) => plane(p, 0))).toEqual([0xff, 0, 0, 0xff]);
    ports.write(0x3ce, 2, 0x0105);
    r8(0xa0000);
    w8(0xa0100, 0x00);
    expect([0, 1, 2, 3].map((p) => plane(p, 0x100))).toEqual([0xff, 0, 0, 0xff]);
    ports.write(0x3ce, 2, 0x0005);
    ports.write(0x3ce, 2, 0x1803); // XOR
    r8(0xa0000);
    w8(0xa0000, 0x0f);
    expect([0, 1, 2, 3].map((p) => plane(p, 0))).toEqual([0xf0, 0x0f, 0x0f, 0xf0]);
  });

  it('write mode 3 masks set/reset with the rotated data; read mode 1 compares colours', () => {
    const { ports, w8, r8, plane } = planar();
    ports.write(0x3ce, 2, 0x0305);
    ports.write(0x3ce, 2, 0x0c00); // colour 12
    ports.write(0x3ce, 2, 0x0103); // rotate right by 1
    r8(0xa0020);
    w8(0xa0020, 0x06); // rotated: 0x03 → bits 0,1
    expect([0, 1, 2, 3].map((p) => plane(p, 0x20))).toEqual([0, 0, 0x03, 0x03]);
    ports.write(0x3ce, 2, 0x0003);
    ports.write(0x3ce, 2, 0x0805); // read mode 1
    ports.write(0x3ce, 2, 0x0c02); // compare with colour 12
    ports.write(0x3ce, 2, 0x0f07);
    expect(r8(0xa0020)).toBe(0x03);
    ports.write(0x3ce, 2, 0x0002);
    expect(r8(0xa0020)).toBe(0xfc);
  });

  it('mode 13h chain-4 puts pixel x at VRAM byte x; odd/even text writes go to planes 0 and 1', () => {
    const s = setup();
    setMode(s.ports, MODE_13H);
    s.w8(0xa0000 + 321, 7);
    expect(s.vga.vram[321]).toBe(7);
    expect(s.r8(0xa0000 + 321)).toBe(7);
    setMode(s.ports, MODE_03H);
    s.w8(0xb8000 + 2 * 5, 0x41);
    s.w8(0xb8000 + 2 * 5 + 1, 0x1e);
    expect([s.vga.vram[5 * 4], s.vga.vram[5 * 4 + 1]]).toEqual([0x41, 0x1e]);
    expect(s.r8(0xb8000 + 11)).toBe(0x1e);
    expect(s.r8(0xa0000)).toBe(0xff); // text mode maps B8000 only
  });
});

describe('rendering', () => {
  function textScreen() {
    const s = setup();
    setMode(s.ports, MODE_03H);
    // "A": a 8x16 glyph with a left bar and a top line; 0xC4 (line graphics) with bit 0 set.
    const A = [0xff, ...Array(15).fill(0x80)];
    const box = Array(16).fill(0x01);
    loadFont(s.ports, s.w8, new Map([[0x41, A], [0xc4, box]]));
    setMode(s.ports, MODE_03H);
    setDac(s.ports, 0x01, [0, 0, 42]);
    setDac(s.ports, 0x3e, [63, 63, 21]);
    setDac(s.ports, 0x07, [42, 42, 42]);
    for (let i = 0; i < 80 * 25; i++) {
      s.w8(0xb8000 + 2 * i, 0x20);
      s.w8(0xb8000 + 2 * i + 1, 0x07);
    }
    return s;
  }

  it('text mode 3 is 720x400: glyphs from plane 2 in attribute colours, 9th column, cursor', () => {
    const s = textScreen();
    s.w8(0xb8000, 0x41);
    s.w8(0xb8001, 0x1e); // yellow on blue
    s.w8(0xb8002, 0xc4);
    s.w8(0xb8003, 0x1e);
    s.ports.write(0x3d4, 2, 0x0d0a); // cursor lines 13–14 at cell 81 (row 1, column 1)
    s.ports.write(0x3d4, 2, 0x000e);
    s.ports.write(0x3d4, 2, 0x510f);
    const u = s.renderer.update(0);
    expect(u).toMatchObject({ width: 720, height: 400, mode: 'text', resized: true });
    const yellow = [c6(63), c6(63), c6(21)];
    const blue = [0, 0, c6(42)];
    expect(s.pixel(0, 0)).toEqual(yellow);
    expect(s.pixel(5, 0)).toEqual(yellow); // top line
    expect(s.pixel(5, 5)).toEqual(blue);
    expect(s.pixel(0, 9)).toEqual(yellow); // left bar
    expect(s.pixel(8, 3)).toEqual(blue); // 9th column: background for ordinary characters
    expect(s.pixel(9 + 7, 3)).toEqual(yellow);
    expect(s.pixel(9 + 8, 3)).toEqual(yellow); // ...repeated for line-graphics codes C0–DF
    const grey = [c6(42), c6(42), c6(42)];
    expect(s.pixel(9 + 3, 16 + 13)).toEqual(grey); // cursor in the foreground colour
    expect(s.pixel(9 + 3, 16 + 12)).toEqual([0, 0, 0]);
    // The cursor blinks: off in the second phase, only its cell changes.
    const off = s.renderer.update(300);
    expect(s.pixel(9 + 3, 16 + 13)).toEqual([0, 0, 0]);
    expect(off.rects).toEqual([{ x: 0, y: 16, width: 32, height: 16 }]);
  });

  it('reports only what changed: one character cell, then nothing', () => {
    const s = textScreen();
    s.ports.write(0x3d4, 2, 0x200a); // cursor off
    s.renderer.update(0);
    expect(s.renderer.update(0).rects).toEqual([]);
    s.w8(0xb8000 + 2 * (80 * 10 + 40), 0x41);
    const u = s.renderer.update(0);
    expect(u.resized).toBe(false);
    expect(u.rects).toEqual([{ x: 352, y: 160, width: 16, height: 16 }]);
    expect(s.renderer.update(0).rects).toEqual([]);
  });

  it('blinking characters alternate with AR10 bit 3; the font is re-read when plane 2 changes', () => {
    const s = textScreen();
    s.ports.write(0x3d4, 2, 0x200a);
    s.w8(0xb8000, 0x41);
    s.w8(0xb8001, 0x9e); // blink + yellow on blue
    s.renderer.update(0);
    expect(s.pixel(0, 0)).toEqual([c6(63), c6(63), c6(21)]);
    s.renderer.update(500);
    expect(s.pixel(0, 0)).toEqual([0, 0, c6(42)]);
    // New glyph for "A": an empty top line.
    loadFont(s.ports, s.w8, new Map([[0x41, [0x00, ...Array(15).fill(0x80)]]]));
    setMode(s.ports, MODE_03H);
    s.renderer.update(1000);
    expect(s.pixel(5, 0)).toEqual([0, 0, c6(42)]);
  });

  it('mode 12h is 640x480 in 16 colours through the attribute palette', () => {
    const s = setup();
    setMode(s.ports, MODE_12H);
    setDac(s.ports, 0x3c, [63, 0, 0]); // AR[12] = 3C
    s.ports.write(0x3ce, 2, 0x0205);
    s.w8(0xa0000 + 80 * 100 + 2, 0x0c); // colour 12 over the whole byte: pixels 16–23 of line 100
    s.ports.write(0x3ce, 2, 0x8008); // bit mask: leftmost pixel only
    s.w8(0xa0000 + 80 * 479, 0x0c);
    const u = s.renderer.update();
    expect(u).toMatchObject({ width: 640, height: 480, mode: 'planar' });
    expect(s.pixel(16, 100)).toEqual([255, 0, 0]);
    expect(s.pixel(23, 100)).toEqual([255, 0, 0]);
    expect(s.pixel(24, 100)).toEqual([0, 0, 0]);
    expect(s.pixel(0, 479)).toEqual([255, 0, 0]);
    expect(s.pixel(1, 479)).toEqual([0, 0, 0]);
  });

  it('mode 13h is 320x200 with the DAC colour of each byte; one pixel is one tile', () => {
    const s = setup();
    setMode(s.ports, MODE_13H);
    setDac(s.ports, 200, [0, 63, 0]);
    expect(s.renderer.update()).toMatchObject({ width: 320, height: 200, mode: 'chained', resized: true });
    s.w8(0xa0000 + 320 * 50 + 100, 200);
    const u = s.renderer.update();
    expect(s.pixel(100, 50)).toEqual([0, 255, 0]);
    expect(u.rects).toEqual([{ x: 96, y: 48, width: 16, height: 16 }]);
    // A DAC change recolours without VRAM writes.
    setDac(s.ports, 200, [63, 0, 0]);
    s.renderer.update();
    expect(s.pixel(100, 50)).toEqual([255, 0, 0]);
  });

  it('blanks the screen while the attribute palette is being programmed (3C0 bit 5 clear)', () => {
    const s = setup();
    setMode(s.ports, MODE_13H);
    s.ports.read(0x3da, 1);
    s.ports.write(0x3c0, 1, 0x00);
    expect(s.renderer.update().mode).toBe('blank');
  });

  it('a machine reset turns VBE off and the registers to power-on values', () => {
    const s = setup();
    setMode(s.ports, MODE_13H);
    s.ports.write(0x1ce, 2, 4);
    s.ports.write(0x1cf, 2, 0x41);
    s.vga.reset();
    expect(s.vga.vbeEnabled).toBe(false);
    expect(s.ports.read(0x3cc, 1)).toBe(0);
    expect(s.renderer.update().mode).toBe('blank');
  });

  it('survives save/restore with the same picture', () => {
    const a = textScreen();
    a.w8(0xb8000, 0x41);
    a.w8(0xb8001, 0x1e);
    a.renderer.update(0);
    const b = setup();
    b.vga.restore(JSON.parse(JSON.stringify(a.vga.save())));
    b.renderer.update(0);
    expect(Buffer.from(b.renderer.pixels).equals(Buffer.from(a.renderer.pixels))).toBe(true);
    expect(() => b.vga.restore({ version: 2 } as never)).toThrow(/vga: saved state version 2/);
  });
});
