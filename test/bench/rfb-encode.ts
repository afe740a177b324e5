// RFB encoding cost on the host's main thread: whole-screen ZRLE and Raw updates of a
// 1024×768 frame (a text-console-like screen, the colour test pattern, and noise), and the
// per-update scroll search. Prints figures, asserts nothing.
//   npx tsx test/bench/rfb-encode.ts
import { PixelTranslator, SERVER_PIXEL_FORMAT } from '../../core/server/rfb';
import { ByteWriter } from '../../core/server/rfb/byte-writer';
import { ClientShadow } from '../../core/server/rfb/client-shadow';
import { writeRaw } from '../../core/server/rfb/raw-encoder';
import { ZrleEncoder } from '../../core/server/rfb/zrle-encoder';
import { SharedFrame } from '../../core/vmm/console';
import { drawPattern } from '../server/rfb/test-pattern';

const W = 1024;
const H = 768;
const rect = { x: 0, y: 0, w: W, h: H };

function textScreen(frame: SharedFrame): void {
  const px = frame.pixels;
  px.fill(0x000000);
  for (let row = 0; row < H / 16; row++) {
    for (let col = 0; col < W / 8; col++) {
      const glyph = Math.imul(row * 131 + col, 0x9e3779b1) >>> 0; // a "character" per cell
      if (glyph % 5 === 0) continue; // spaces
      for (let y = 2; y < 14; y++) for (let x = 1; x < 7; x++) if ((Math.imul(glyph ^ (y * 8 + x), 0x85ebca6b) >>> 29) < 3) px[(row * 16 + y) * W + col * 8 + x] = 0xaaaaaa;
    }
  }
}

function noise(frame: SharedFrame): void {
  let s = 1;
  const px = frame.pixels;
  for (let i = 0; i < px.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    px[i] = s & 0xffffff;
  }
}

async function main(): Promise<void> {
  const frame = SharedFrame.allocate(W * H);
  frame.resize(W, H);
  const t = new PixelTranslator(SERVER_PIXEL_FORMAT, 'bgrx');
  const t16 = new PixelTranslator({ ...SERVER_PIXEL_FORMAT, bitsPerPixel: 16, depth: 16, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0 }, 'bgrx');
  for (const [name, draw] of [['text console', textScreen], ['test pattern', drawPattern], ['noise', noise]] as const) {
    draw(frame);
    const zrle = new ZrleEncoder();
    await zrle.encode(frame, t, rect); // warm up
    const runs = 10;
    let bytes = 0;
    let start = performance.now();
    for (let i = 0; i < runs; i++) bytes = (await zrle.encode(frame, t, rect)).length;
    const zrleMs = (performance.now() - start) / runs;
    zrle.dispose();
    const out = new ByteWriter(W * H * 4);
    start = performance.now();
    for (let i = 0; i < runs; i++) {
      out.length = 0;
      writeRaw(out, frame, t, rect);
    }
    const rawMs = (performance.now() - start) / runs;
    start = performance.now();
    for (let i = 0; i < runs; i++) {
      out.length = 0;
      writeRaw(out, frame, t16, rect);
    }
    const raw16Ms = (performance.now() - start) / runs;
    console.log(`${name.padEnd(13)} ZRLE ${zrleMs.toFixed(1)} ms/screen, ${(bytes / 1024).toFixed(1)} KiB (${((W * H * 4) / bytes).toFixed(1)}:1); Raw 32 bpp ${rawMs.toFixed(1)} ms, Raw 16 bpp ${raw16Ms.toFixed(1)} ms`);
  }
  textScreen(frame);
  const shadow = new ClientShadow(W, H);
  shadow.capture(frame, rect);
  frame.pixels.copyWithin(0, 16 * W);
  const start = performance.now();
  const copy = shadow.findVerticalCopy(frame, 0, H);
  console.log(`scroll search over the whole screen: ${(performance.now() - start).toFixed(1)} ms, found dy=${copy ? copy.dst.y - copy.srcY : 'none'} over ${copy?.dst.h ?? 0} rows`);
}

void main();
