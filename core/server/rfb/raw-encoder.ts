// The Raw encoding (RFC 6143 §7.7.1): the rectangle's pixels, left to right, top to
// bottom, in the client's pixel format.
import type { ByteWriter } from './byte-writer';
import type { PixelRows, Rect } from './encodings';
import type { PixelTranslator } from './pixel-format';

export function writeRaw(out: ByteWriter, frame: PixelRows, t: PixelTranslator, r: Rect): void {
  const pixels = frame.pixels;
  const width = frame.width;
  const buf = out.reserve(r.w * r.h * t.bytesPerPixel);
  let o = out.length;
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * width;
    if (t.identity) {
      // The frame's words are the client's pixels (little endian 0x00RRGGBB): copy the row's
      // bytes, clearing the unused top byte.
      const words = pixels.subarray(row + r.x, row + r.x + r.w);
      const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
      buf.set(bytes, o);
      for (let i = o + 3, end = o + r.w * 4; i < end; i += 4) buf[i] = 0;
      o += r.w * 4;
    } else {
      for (let x = r.x; x < r.x + r.w; x++) o = t.writePixel(buf, o, t.value(pixels[row + x]!));
    }
  }
  out.length = o;
}
