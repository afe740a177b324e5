// Reads a captured VGA text screen back into characters with the VGA BIOS's own font, the
// way a person reads it: every 9×16 cell of a 720×400 picture must be one glyph of the
// ROM's 8×16 font in two colours (the 9th dot column is the background, or for the line
// graphics codes C0h–DFh a copy of the 8th; FreeVGA, attribute controller AR10 bit 2), or
// one plain colour. A cell that is neither (a wrongly drawn glyph, a cursor) reads as '\0'.
import fs from 'node:fs';
import type { Image } from './png';

export const CELL_WIDTH = 9;
export const CELL_HEIGHT = 16;

/**
 * The 256×16-byte font inside a VGA BIOS image, found by the glyph of 'A' in the IBM VGA
 * 8×16 font (the one SeaVGABIOS ships) and checked by glyph 0 (empty) and DBh (full block).
 */
export function vgaBiosFont16(romFile: string): Uint8Array {
  const rom = fs.readFileSync(romFile);
  const glyphA = Buffer.from([0, 0, 0x10, 0x38, 0x6c, 0xc6, 0xc6, 0xfe, 0xc6, 0xc6, 0xc6, 0xc6, 0, 0, 0, 0]);
  const at = rom.indexOf(glyphA) - 0x41 * 16;
  if (at < 0) throw new Error(`vga font: no 8x16 font in ${romFile}`);
  const font = new Uint8Array(rom.subarray(at, at + 256 * 16));
  if (font.subarray(0, 16).some((b) => b !== 0) || font.subarray(0xdb * 16, 0xdc * 16).some((b) => b !== 0xff)) {
    throw new Error(`vga font: the font found in ${romFile} is not the 8x16 VGA font`);
  }
  return font;
}

/** Whether dot (x, y) of character `code` is foreground in a 9-dot cell. */
function dotSet(font: Uint8Array, code: number, x: number, y: number, lineGraphics: boolean): boolean {
  const row = font[code * 16 + y]!;
  if (x < 8) return ((row >> (7 - x)) & 1) === 1;
  return lineGraphics && code >= 0xc0 && code <= 0xdf && (row & 1) === 1;
}

export interface ScreenCell {
  readonly code: number;
  /** 0x00RRGGBB; for a plain cell both are its colour. */
  readonly fg: number;
  readonly bg: number;
}

/** Every cell of a text screen, row by row. */
export function readTextCells(img: Image, font: Uint8Array, lineGraphics = true): ScreenCell[][] {
  const rows: ScreenCell[][] = [];
  const rgb = (x: number, y: number): number => {
    const i = (y * img.width + x) * 4;
    return (img.rgba[i]! << 16) | (img.rgba[i + 1]! << 8) | img.rgba[i + 2]!;
  };
  for (let cy = 0; cy + CELL_HEIGHT <= img.height; cy += CELL_HEIGHT) {
    const row: ScreenCell[] = [];
    for (let cx = 0; cx + CELL_WIDTH <= img.width; cx += CELL_WIDTH) {
      const first = rgb(cx, cy);
      let plain = true;
      for (let y = 0; y < CELL_HEIGHT && plain; y++) for (let x = 0; x < CELL_WIDTH; x++) if (rgb(cx + x, cy + y) !== first) { plain = false; break; }
      if (plain) {
        row.push({ code: 0x20, fg: first, bg: first });
        continue;
      }
      let found: ScreenCell = { code: 0, fg: -1, bg: -1 };
      for (let code = 0; code < 256; code++) {
        let fg = -1;
        let bg = -1;
        let ok = true;
        for (let y = 0; y < CELL_HEIGHT && ok; y++) {
          for (let x = 0; x < CELL_WIDTH; x++) {
            const c = rgb(cx + x, cy + y);
            if (dotSet(font, code, x, y, lineGraphics)) {
              if (fg === -1) fg = c;
              else if (fg !== c) { ok = false; break; }
            } else if (bg === -1) bg = c;
            else if (bg !== c) { ok = false; break; }
          }
        }
        if (ok && fg !== bg && fg !== -1 && bg !== -1) {
          found = { code, fg, bg };
          break;
        }
      }
      row.push(found);
    }
    rows.push(row);
  }
  return rows;
}

/** The screen as text lines (code page 437's ASCII part; other codes as '\0'), trailing blanks cut. */
export function readTextLines(img: Image, font: Uint8Array): string[] {
  return readTextCells(img, font).map((row) =>
    row
      .map((c) => (c.code >= 0x20 && c.code < 0x7f ? String.fromCharCode(c.code) : '\0'))
      .join('')
      .trimEnd(),
  );
}
