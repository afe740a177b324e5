// What a VM's screen shows when the machine has no display adapter: a dark 640×480 frame
// saying so, drawn once (a 5×7 pixel font scaled up, only the letters it needs). Not a
// fake guest screen: consoles connect and show the plain fact.
import type { DisplayAdapter, FrameTarget } from './frame';

const GLYPHS: Record<string, string[]> = {
  A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  D: ['####.', '#...#', '#...#', '#...#', '#...#', '#...#', '####.'],
  E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
  I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
  N: ['#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#', '#...#'],
  O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  Y: ['#...#', '#...#', '.#.#.', '..#..', '..#..', '..#..', '..#..'],
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
};

export const NO_DISPLAY_TEXT = 'NO DISPLAY ADAPTER';
export const NO_DISPLAY_WIDTH = 640;
export const NO_DISPLAY_HEIGHT = 480;
const BACKGROUND = 0x202428;
const INK = 0xd0d4d8;
const SCALE = 4;

/** Draws `text` (letters of GLYPHS) centred at row `top`, in 0xRRGGBB words. */
function drawText(target: FrameTarget, text: string, top: number, colour: number): void {
  const advance = 6 * SCALE;
  const left = Math.floor((target.width - text.length * advance + SCALE) / 2);
  const word = target.format === 'rgbx' ? ((colour & 0xff) << 16) | (colour & 0xff00) | (colour >>> 16) : colour;
  [...text].forEach((ch, i) => {
    const glyph = GLYPHS[ch] ?? GLYPHS[' ']!;
    glyph.forEach((row, gy) => {
      for (let gx = 0; gx < 5; gx++) {
        if (row[gx] !== '#') continue;
        for (let dy = 0; dy < SCALE; dy++) {
          const y = top + gy * SCALE + dy;
          const x = left + i * advance + gx * SCALE;
          target.pixels.fill(word, y * target.width + x, y * target.width + x + SCALE);
        }
      }
    });
  });
}

export class NoDisplayAdapter implements DisplayAdapter {
  private drawn = false;

  refresh(target: FrameTarget): void {
    if (this.drawn) return;
    this.drawn = true;
    target.resize(NO_DISPLAY_WIDTH, NO_DISPLAY_HEIGHT, 'bgrx');
    target.pixels.fill(BACKGROUND);
    drawText(target, NO_DISPLAY_TEXT, Math.floor((NO_DISPLAY_HEIGHT - 7 * SCALE) / 2), INK);
    target.markAllDirty();
  }
}
