// The ZRLE encoding (RFC 6143 §7.7.6): 64×64 tiles, each solid, packed palette, plain RLE,
// palette RLE or raw — whichever is smallest — through one zlib stream per connection
// (the stream's state carries across rectangles, so it is never reset).
import zlib from 'node:zlib';
import { TILE } from '../../vmm/console';
import { ByteWriter } from './byte-writer';
import type { PixelRows, Rect } from './encodings';
import type { PixelTranslator } from './pixel-format';

const MAX_PALETTE_RLE = 127;
const MAX_PACKED = 16;

const runBytes = (length: number): number => Math.floor((length - 1) / 255) + 1;

function writeRunLength(out: ByteWriter, length: number): void {
  let left = length - 1;
  while (left >= 255) {
    out.u8(255);
    left -= 255;
  }
  out.u8(left);
}

export class ZrleEncoder {
  private readonly deflate = zlib.createDeflate({ level: 6 });
  private readonly chunks: Buffer[] = [];
  private readonly plain = new ByteWriter(64 * 1024);
  private readonly tile = new Uint32Array(TILE * TILE);
  private readonly palette = new Map<number, number>();
  private readonly paletteValues: number[] = [];

  constructor() {
    this.deflate.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.deflate.on('error', () => undefined);
  }

  /** The rectangle's ZRLE payload: u32 length and the zlib bytes. */
  async encode(frame: PixelRows, t: PixelTranslator, r: Rect): Promise<Buffer> {
    const plain = this.plain;
    plain.length = 0;
    for (let ty = r.y; ty < r.y + r.h; ty += TILE) {
      for (let tx = r.x; tx < r.x + r.w; tx += TILE) {
        this.encodeTile(frame, t, tx, ty, Math.min(TILE, r.x + r.w - tx), Math.min(TILE, r.y + r.h - ty));
      }
    }
    const input = plain.take();
    const compressed = await new Promise<Buffer>((resolve, reject) => {
      this.deflate.write(input);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        const data = Buffer.concat(this.chunks);
        this.chunks.length = 0;
        if (this.deflate.destroyed) reject(new Error('rfb: the ZRLE stream was closed'));
        else resolve(data);
      });
    });
    const out = Buffer.allocUnsafe(4 + compressed.length);
    out.writeUInt32BE(compressed.length, 0);
    compressed.copy(out, 4);
    return out;
  }

  dispose(): void {
    this.deflate.destroy();
  }

  private encodeTile(frame: PixelRows, t: PixelTranslator, x0: number, y0: number, w: number, h: number): void {
    const n = w * h;
    const px = this.tile;
    const src = frame.pixels;
    const stride = frame.width;
    let i = 0;
    let lastWord = -1;
    let lastValue = 0;
    for (let y = y0; y < y0 + h; y++) {
      const row = y * stride;
      for (let x = x0; x < x0 + w; x++) {
        const word = src[row + x]!;
        if (word !== lastWord) {
          lastWord = word;
          lastValue = t.value(word);
        }
        px[i++] = lastValue;
      }
    }

    // One pass: the palette (up to 127 colours) and the runs.
    const palette = this.palette;
    const values = this.paletteValues;
    palette.clear();
    values.length = 0;
    let runs = 0;
    let plainRunBytes = 0;
    let paletteRunBytes = 0;
    let paletteFull = false;
    let start = 0;
    for (let k = 1; k <= n; k++) {
      if (k < n && px[k] === px[start]) continue;
      const length = k - start;
      runs++;
      plainRunBytes += runBytes(length);
      paletteRunBytes += length === 1 ? 1 : 1 + runBytes(length);
      const v = px[start]!;
      if (!paletteFull && !palette.has(v)) {
        if (values.length >= MAX_PALETTE_RLE) paletteFull = true;
        else {
          palette.set(v, values.length);
          values.push(v);
        }
      }
      start = k;
    }

    const out = this.plain;
    const cp = t.bytesPerCPixel;
    if (!paletteFull && values.length === 1) {
      out.u8(1); // solid
      this.cpixel(out, t, values[0]!);
      return;
    }
    const size = values.length;
    const bits = size <= 2 ? 1 : size <= 4 ? 2 : 4;
    const raw = n * cp;
    const plainRle = runs * cp + plainRunBytes;
    const packed = !paletteFull && size <= MAX_PACKED ? size * cp + h * Math.ceil((w * bits) / 8) : Infinity;
    const paletteRle = !paletteFull ? size * cp + paletteRunBytes : Infinity;
    const best = Math.min(raw, plainRle, packed, paletteRle);

    if (best === packed) {
      out.u8(size);
      for (const v of values) this.cpixel(out, t, v);
      for (let y = 0; y < h; y++) {
        let byte = 0;
        let used = 0;
        for (let x = 0; x < w; x++) {
          byte = (byte << bits) | palette.get(px[y * w + x]!)!;
          used += bits;
          if (used === 8) {
            out.u8(byte);
            byte = used = 0;
          }
        }
        if (used > 0) out.u8(byte << (8 - used)); // rows end on a byte boundary
      }
    } else if (best === paletteRle) {
      out.u8(128 + size);
      for (const v of values) this.cpixel(out, t, v);
      this.runs(px, n, (v, length) => {
        const index = palette.get(v)!;
        if (length === 1) out.u8(index);
        else {
          out.u8(index | 128);
          writeRunLength(out, length);
        }
      });
    } else if (best === plainRle) {
      out.u8(128);
      this.runs(px, n, (v, length) => {
        this.cpixel(out, t, v);
        writeRunLength(out, length);
      });
    } else {
      out.u8(0);
      for (let k = 0; k < n; k++) this.cpixel(out, t, px[k]!);
    }
  }

  private runs(px: Uint32Array, n: number, emit: (value: number, length: number) => void): void {
    let start = 0;
    for (let k = 1; k <= n; k++) {
      if (k < n && px[k] === px[start]) continue;
      emit(px[start]!, k - start);
      start = k;
    }
  }

  private cpixel(out: ByteWriter, t: PixelTranslator, v: number): void {
    const buf = out.reserve(4);
    out.length = t.writeCPixel(buf, out.length, v);
  }
}
