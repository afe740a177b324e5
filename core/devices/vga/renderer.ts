// Draws the VGA's picture into an RGBA frame for a console: 80x25-style text from planes
// 0/1 with the font in plane 2 (attributes, blink, cursor, 9-dot cells), 16-colour planar
// and 256-colour graphics through the attribute palette and DAC, and VBE modes of 8, 15,
// 16, 24 and 32 bits per pixel. Only what changed is redrawn: VRAM granules the dirty map
// flags, cursor and blink rows, or everything after a register change; a pixel that really
// changes marks its 16x16 tile, and `update()` returns the tiles as rectangles.
import { TileMap, type DirtyRect } from './dirty';
import type { Vga } from './vga';
import {
  VBE_DISPI_INDEX_BPP,
  VBE_DISPI_INDEX_XRES,
  VBE_DISPI_INDEX_YRES,
} from './vbe-defs';

export type VgaMode = 'text' | 'planar' | 'chained' | 'vbe' | 'blank';

export interface FrameUpdate {
  width: number;
  height: number;
  mode: VgaMode;
  /** The resolution changed: the console sends a desktop-size change. */
  resized: boolean;
  rects: DirtyRect[];
}

const MAX_DIM = 4096;
/** Cursor and character blink half-periods: 16 and 32 frames at 70 Hz (FreeVGA, CR0A / AR10). */
const CURSOR_BLINK_MS = 229;
const CHAR_BLINK_MS = 457;
const BLACK = 0xff000000 | 0;

const rgba = (r: number, g: number, b: number): number => (0xff000000 | (b << 16) | (g << 8) | r) | 0;

export class VgaRenderer {
  width = 0;
  height = 0;
  mode: VgaMode = 'blank';
  /** The frame, RGBA bytes, width*height*4. Replaced (not resized) on a resolution change. */
  pixels = new Uint8Array(0);
  private px = new Int32Array(0);
  private readonly tiles = new TileMap();
  private readonly pal16 = new Int32Array(16);
  private readonly pal256 = new Int32Array(256);
  private lastGeneration = -1;
  private lastCursorGeneration = -1;
  private lastCursorAddr = -1;
  private lastCursorPhase = -1;
  private lastCharPhase = -1;
  private readonly fontCopy = new Uint8Array(2 * 8192);
  private readonly fontNow = new Uint8Array(2 * 8192);
  /** What each text cell showed last: code | attr << 8 | cursor << 16 | blink-off << 17; -1 unknown. */
  private cells = new Int32Array(0);

  constructor(private readonly vga: Vga) {}

  /** Redraw what changed; `nowMs` drives cursor and text blink. */
  update(nowMs = 0): FrameUpdate {
    const vga = this.vga;
    const { mode, width, height } = this.geometry();
    let full = vga.generation !== this.lastGeneration || mode !== this.mode;
    const resized = width !== this.width || height !== this.height;
    if (resized) {
      this.width = width;
      this.height = height;
      this.pixels = new Uint8Array(width * height * 4);
      this.px = new Int32Array(this.pixels.buffer);
      this.px.fill(BLACK);
      this.tiles.resize(width, height);
      this.tiles.markAll();
      full = true;
    }
    this.mode = mode;
    this.lastGeneration = vga.generation;
    if (full) this.buildPalettes();
    switch (mode) {
      case 'text':
        this.drawText(full, nowMs);
        break;
      case 'planar':
      case 'chained':
      case 'vbe':
        this.drawGraphics(mode, full);
        break;
      default:
        if (full) this.fillBlack();
    }
    vga.dirty.clear();
    return { width, height, mode, resized, rects: this.tiles.takeRects() };
  }

  private geometry(): { mode: VgaMode; width: number; height: number } {
    const v = this.vga;
    const clamp = (n: number): number => Math.max(1, Math.min(MAX_DIM, n | 0));
    if (v.vbeEnabled) return { mode: 'vbe', width: clamp(v.vbe[VBE_DISPI_INDEX_XRES]!), height: clamp(v.vbe[VBE_DISPI_INDEX_YRES]!) };
    const c = v.crtc;
    const vde = (c[0x12]! | ((c[7]! & 0x02) << 7) | ((c[7]! & 0x40) << 3)) + 1;
    const blank = !(v.arIndex & 0x20) || (v.seq[1]! & 0x20) !== 0;
    if (!(v.gc[6]! & 1)) {
      const { cols, rows, cw, ch } = this.textGeometry();
      return { mode: blank ? 'blank' : 'text', width: clamp(cols * cw), height: clamp(rows * ch) };
    }
    const chained = (v.gc[5]! & 0x40) !== 0;
    const scan = ((c[9]! & 0x1f) + 1) << (c[9]! >> 7);
    const width = ((c[1]! + 1) * 8) >> (chained ? 1 : 0);
    const mode: VgaMode = blank ? 'blank' : chained ? 'chained' : 'planar';
    return { mode, width: clamp(width), height: clamp(Math.floor(vde / scan)) };
  }

  private textGeometry(): { cols: number; rows: number; cw: number; ch: number } {
    const v = this.vga;
    const c = v.crtc;
    const cols = Math.min(c[1]! + 1, 160);
    let cw = v.seq[1]! & 1 ? 8 : 9;
    if (v.seq[1]! & 0x08) cw *= 2;
    const ch = (c[9]! & 0x1f) + 1;
    const vde = (c[0x12]! | ((c[7]! & 0x02) << 7) | ((c[7]! & 0x40) << 3)) + 1;
    const rows = Math.max(1, Math.min(100, Math.floor(vde / (ch << (c[9]! >> 7)))));
    return { cols, rows, cw, ch };
  }

  private dacColor(i: number): number {
    const d = this.vga.dac;
    const r = d[i * 3]!;
    const g = d[i * 3 + 1]!;
    const b = d[i * 3 + 2]!;
    if (this.vga.dac8bit) return rgba(r, g, b);
    const x = (n: number): number => ((n << 2) | (n >> 4)) & 0xff;
    return rgba(x(r), x(g), x(b));
  }

  /** 16-colour indices through the attribute palette, AR10 bit 7 and AR14 (FreeVGA, AR10/AR14). */
  private buildPalettes(): void {
    const ar = this.vga.ar;
    for (let i = 0; i < 16; i++) {
      let v = ar[i]!;
      if (ar[0x10]! & 0x80) v = ((ar[0x14]! & 0x0f) << 4) | (v & 0x0f);
      else v = ((ar[0x14]! & 0x0c) << 4) | (v & 0x3f);
      this.pal16[i] = this.dacColor(v);
    }
    for (let i = 0; i < 256; i++) this.pal256[i] = this.dacColor(i);
  }

  private fillBlack(): void {
    const px = this.px;
    const w = this.width;
    for (let y = 0; y < this.height; y++) {
      const tileRow = (y >> 4) * this.tiles.tilesX;
      for (let x = 0, i = y * w; x < w; x++, i++) {
        if (px[i] !== BLACK) {
          px[i] = BLACK;
          this.tiles.tiles[tileRow + (x >> 4)] = 1;
        }
      }
    }
  }

  // ---- text ----

  private fontMaps(): [number, number] {
    const s = this.vga.seq[3]!;
    // SR03: map for attribute bit 3 = 0 (bits 4,1,0) and = 1 (bits 5,3,2); map n at plane offset n*8 KiB.
    return [(((s >> 4) & 1) | ((s << 1) & 6)) * 8192, (((s >> 5) & 1) | ((s >> 1) & 6)) * 8192];
  }

  private fontChanged(maps: [number, number]): boolean {
    const vram = this.vga.vram;
    const dirty = this.vga.dirty;
    if (!dirty.anyIn(maps[0] * 4, 8192 * 4) && !dirty.anyIn(maps[1] * 4, 8192 * 4)) return false;
    for (let m = 0; m < 2; m++) {
      const base = maps[m]! * 4 + 2;
      for (let i = 0; i < 8192; i++) this.fontNow[m * 8192 + i] = vram[base + i * 4]!;
    }
    let changed = false;
    for (let i = 0; i < this.fontNow.length; i++) {
      if (this.fontNow[i] !== this.fontCopy[i]) {
        changed = true;
        break;
      }
    }
    if (changed) this.fontCopy.set(this.fontNow);
    return changed;
  }

  private drawText(fullIn: boolean, nowMs: number): void {
    const v = this.vga;
    const c = v.crtc;
    const { cols, rows, cw, ch } = this.textGeometry();
    const maps = this.fontMaps();
    let full = fullIn;
    if (full) this.fontChanged(maps); // refresh the copy
    else if (this.fontChanged(maps)) full = true;
    const cursorPhase = Math.floor(nowMs / CURSOR_BLINK_MS) & 1;
    const charPhase = Math.floor(nowMs / CHAR_BLINK_MS) & 1;
    const blinkEnabled = (v.ar[0x10]! & 0x08) !== 0;
    if (blinkEnabled && charPhase !== this.lastCharPhase) full = true;
    this.lastCharPhase = charPhase;
    const start = (c[0x0c]! << 8) | c[0x0d]!;
    const lineOffset = c[0x13]! * 2;
    const cursorAddr = (c[0x0e]! << 8) | c[0x0f]!;
    const cursorOn = !(c[0x0a]! & 0x20) && cursorPhase === 0;
    const cursorChanged = v.cursorGeneration !== this.lastCursorGeneration || cursorAddr !== this.lastCursorAddr || cursorPhase !== this.lastCursorPhase;
    const rowOf = (addr: number): number => (lineOffset > 0 ? Math.floor((addr - start) / lineOffset) : -1);
    const oldCursorRow = rowOf(this.lastCursorAddr);
    const newCursorRow = rowOf(cursorAddr);
    this.lastCursorGeneration = v.cursorGeneration;
    this.lastCursorAddr = cursorAddr;
    this.lastCursorPhase = cursorPhase;
    if (this.cells.length !== cols * rows) this.cells = new Int32Array(cols * rows);
    if (full) this.cells.fill(-1);
    for (let row = 0; row < rows; row++) {
      const rowAddr = (start + row * lineOffset) & 0xffff;
      const redraw = full || v.dirty.anyIn(rowAddr * 4, cols * 4) || (cursorChanged && (row === oldCursorRow || row === newCursorRow));
      if (!redraw) continue;
      this.drawTextRow(row, rowAddr, cols, cw, ch, maps, blinkEnabled && charPhase === 1, cursorOn ? cursorAddr : -1);
    }
  }

  private drawTextRow(row: number, rowAddr: number, cols: number, cw: number, ch: number, maps: [number, number], blinkOff: boolean, cursorAddr: number): void {
    const v = this.vga;
    const vram = v.vram;
    const px = this.px;
    const tiles = this.tiles.tiles;
    const tilesX = this.tiles.tilesX;
    const w = this.width;
    const lineGraphics = (v.ar[0x10]! & 0x04) !== 0;
    const blinkEnabled = (v.ar[0x10]! & 0x08) !== 0;
    const double = cw > 9;
    const cellW = double ? cw >> 1 : cw;
    const curStart = v.crtc[0x0a]! & 0x1f;
    const curEnd = Math.min(v.crtc[0x0b]! & 0x1f, ch - 1);
    const cells = this.cells;
    for (let col = 0; col < cols; col++) {
      const addr = (rowAddr + col) & 0xffff;
      const code = vram[addr * 4]!;
      const attr = vram[addr * 4 + 1]!;
      // Skip cells that show exactly what they showed last frame.
      const key = code | (attr << 8) | (addr === cursorAddr ? 0x10000 : 0) | (blinkOff && attr & 0x80 ? 0x20000 : 0);
      if (cells[row * cols + col] === key) continue;
      cells[row * cols + col] = key;
      let bg = attr >> 4;
      let fgColor = this.pal16[attr & 0x0f]!;
      if (blinkEnabled) {
        bg &= 7;
        if (attr & 0x80 && blinkOff) fgColor = this.pal16[bg]!;
      }
      const bgColor = this.pal16[bg]!;
      const glyph = (maps[(attr >> 3) & 1]! + code * 32) * 4 + 2;
      const x0 = col * cw;
      for (let line = 0; line < ch; line++) {
        let bits = vram[glyph + line * 4]!;
        if (addr === cursorAddr && line >= curStart && line <= curEnd) bits = 0xff | 0x100;
        const y = row * ch + line;
        let i = y * w + x0;
        const tileRow = (y >> 4) * tilesX;
        for (let dx = 0; dx < cellW; dx++) {
          let on: boolean;
          if (dx < 8) on = ((bits >> (7 - dx)) & 1) !== 0;
          else on = bits & 0x100 ? true : lineGraphics && code >= 0xc0 && code <= 0xdf ? (bits & 1) !== 0 : false;
          const color = on ? fgColor : bgColor;
          for (let rep = double ? 2 : 1; rep > 0; rep--, i++) {
            if (px[i] !== color) {
              px[i] = color;
              tiles[tileRow + (((i - y * w) >> 4) | 0)] = 1;
            }
          }
        }
      }
    }
  }

  // ---- graphics ----

  private drawGraphics(mode: 'planar' | 'chained' | 'vbe', full: boolean): void {
    const v = this.vga;
    const w = this.width;
    const h = this.height;
    let start: number;
    let lineBytes: number;
    let usedBytes: number;
    let bpp = 0;
    let scan = 1;
    if (mode === 'vbe') {
      bpp = v.vbe[VBE_DISPI_INDEX_BPP]!;
      start = v.vbeStart;
      lineBytes = v.vbeLineBytes;
      usedBytes = bpp === 4 ? w >> 1 : w * (bpp === 15 ? 2 : bpp >> 3);
      if (bpp === 4) lineBytes *= 8; // planar VBE: 4 vram bytes per 8 pixels
    } else {
      const c = v.crtc;
      start = ((c[0x0c]! << 8) | c[0x0d]!) * 4;
      lineBytes = c[0x13]! * 8;
      usedBytes = mode === 'planar' ? (w >> 3) * 4 : w;
      scan = 1;
    }
    const vramMask = mode === 'vbe' ? v.vramSize - 1 : 0x3ffff;
    for (let y = 0; y < h; y += scan) {
      const lineStart = (start + y * lineBytes) & vramMask;
      if (!full && !v.dirty.anyIn(lineStart, usedBytes)) continue;
      if (mode === 'planar' || bpp === 4) this.drawPlanarLine(y, lineStart, vramMask);
      else if (mode === 'chained' || bpp === 8) this.drawIndexedLine(y, lineStart, vramMask);
      else this.drawTrueColorLine(y, lineStart, bpp);
    }
  }

  private put(i: number, y: number, x: number, color: number): void {
    if (this.px[i] !== color) {
      this.px[i] = color;
      this.tiles.tiles[(y >> 4) * this.tiles.tilesX + (x >> 4)] = 1;
    }
  }

  private drawPlanarLine(y: number, lineStart: number, mask: number): void {
    const v32 = this.vga.vram32;
    const enable = this.vga.ar[0x12]! & 0x0f;
    const w = this.width;
    let i = y * w;
    for (let x = 0; x < w; x += 8) {
      const d = v32[((lineStart >>> 2) + (x >> 3)) & (mask >>> 2)]!;
      const p0 = d & 0xff;
      const p1 = (d >>> 8) & 0xff;
      const p2 = (d >>> 16) & 0xff;
      const p3 = d >>> 24;
      for (let b = 7; b >= 0 && x + 7 - b < w; b--, i++) {
        const c = (((p0 >> b) & 1) | (((p1 >> b) & 1) << 1) | (((p2 >> b) & 1) << 2) | (((p3 >> b) & 1) << 3)) & enable;
        this.put(i, y, x + 7 - b, this.pal16[c]!);
      }
    }
  }

  private drawIndexedLine(y: number, lineStart: number, mask: number): void {
    const vram = this.vga.vram;
    const w = this.width;
    let i = y * w;
    for (let x = 0; x < w; x++, i++) this.put(i, y, x, this.pal256[vram[(lineStart + x) & mask]!]!);
  }

  private drawTrueColorLine(y: number, lineStart: number, bpp: number): void {
    const vram = this.vga.vram;
    const size = vram.length;
    const w = this.width;
    let i = y * w;
    if (bpp === 32 && (lineStart & 3) === 0 && lineStart + w * 4 <= size) {
      // BGRX dwords to RGBA: swap R and B, force alpha.
      const v32 = this.vga.vram32;
      const px = this.px;
      const tiles = this.tiles.tiles;
      const tileRow = (y >> 4) * this.tiles.tilesX;
      for (let x = 0, o = lineStart >>> 2; x < w; x++, i++, o++) {
        const v = v32[o]!;
        const color = (0xff000000 | ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff)) | 0;
        if (px[i] !== color) {
          px[i] = color;
          tiles[tileRow + (x >> 4)] = 1;
        }
      }
      return;
    }
    const step = bpp === 15 || bpp === 16 ? 2 : bpp >> 3;
    for (let x = 0, o = lineStart; x < w; x++, i++, o += step) {
      if (o + step > size) return;
      let color: number;
      if (step === 2) {
        const p = vram[o]! | (vram[o + 1]! << 8);
        if (bpp === 15) {
          const r = (p >> 10) & 31;
          const g = (p >> 5) & 31;
          const b = p & 31;
          color = rgba((r << 3) | (r >> 2), (g << 3) | (g >> 2), (b << 3) | (b >> 2));
        } else {
          const r = p >> 11;
          const g = (p >> 5) & 63;
          const b = p & 31;
          color = rgba((r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2));
        }
      } else {
        color = rgba(vram[o + 2]!, vram[o + 1]!, vram[o]!);
      }
      this.put(i, y, x, color);
    }
  }
}
