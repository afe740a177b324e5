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
      for (let x = r.x; x < r.x + r.w; x++) {
        buf.writeUInt32LE(pixels[row + x]! & 0xffffff, o);
        o += 4;
      }
    } else {
      for (let x = r.x; x < r.x + r.w; x++) o = t.writePixel(buf, o, t.value(pixels[row + x]!));
    }
  }
  out.length = o;
}
