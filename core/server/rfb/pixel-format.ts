// RFB pixel formats (RFC 6143 §7.4): parsing SetPixelFormat, and turning the frame's 32-bit
// words into a client's pixel values and bytes. Only true colour is served; a client asking
// for a colour map gets a clear error (RFC 6143 lets the server refuse nothing else cheaply).
import os from 'node:os';
import type { FramePixelFormat } from '../../vmm/console';

/** Frame words are host-endian in memory; the byte-copy fast path needs little endian. */
const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

export interface PixelFormat {
  readonly bitsPerPixel: 8 | 16 | 32;
  readonly depth: number;
  readonly bigEndian: boolean;
  readonly trueColour: boolean;
  readonly redMax: number;
  readonly greenMax: number;
  readonly blueMax: number;
  readonly redShift: number;
  readonly greenShift: number;
  readonly blueShift: number;
}

/** What ServerInit announces: 32 bpp, depth 24, little endian, 0x00RRGGBB. */
export const SERVER_PIXEL_FORMAT: PixelFormat = {
  bitsPerPixel: 32, depth: 24, bigEndian: false, trueColour: true,
  redMax: 255, greenMax: 255, blueMax: 255, redShift: 16, greenShift: 8, blueShift: 0,
};

export class PixelFormatError extends Error {}

/** The 16-byte PIXEL_FORMAT structure. */
export function encodePixelFormat(pf: PixelFormat): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(pf.bitsPerPixel, 0);
  b.writeUInt8(pf.depth, 1);
  b.writeUInt8(pf.bigEndian ? 1 : 0, 2);
  b.writeUInt8(pf.trueColour ? 1 : 0, 3);
  b.writeUInt16BE(pf.redMax, 4);
  b.writeUInt16BE(pf.greenMax, 6);
  b.writeUInt16BE(pf.blueMax, 8);
  b.writeUInt8(pf.redShift, 10);
  b.writeUInt8(pf.greenShift, 11);
  b.writeUInt8(pf.blueShift, 12);
  return b;
}

export function decodePixelFormat(b: Buffer, offset: number): PixelFormat {
  const bpp = b.readUInt8(offset);
  if (bpp !== 8 && bpp !== 16 && bpp !== 32) throw new PixelFormatError(`rfb: SetPixelFormat with ${bpp} bits per pixel (8, 16 or 32 are served)`);
  const pf: PixelFormat = {
    bitsPerPixel: bpp, depth: b.readUInt8(offset + 1), bigEndian: b.readUInt8(offset + 2) !== 0, trueColour: b.readUInt8(offset + 3) !== 0,
    redMax: b.readUInt16BE(offset + 4), greenMax: b.readUInt16BE(offset + 6), blueMax: b.readUInt16BE(offset + 8),
    redShift: b.readUInt8(offset + 10), greenShift: b.readUInt8(offset + 11), blueShift: b.readUInt8(offset + 12),
  };
  if (!pf.trueColour) throw new PixelFormatError('rfb: the client asked for a colour map; only true colour is served');
  for (const [max, shift, name] of [[pf.redMax, pf.redShift, 'red'], [pf.greenMax, pf.greenShift, 'green'], [pf.blueMax, pf.blueShift, 'blue']] as const) {
    if (max === 0 || (max & (max + 1)) !== 0 || shift >= bpp || Math.log2(max + 1) + shift > bpp) {
      throw new PixelFormatError(`rfb: SetPixelFormat ${name} max ${max} shift ${shift} does not fit ${bpp} bits per pixel`);
    }
  }
  return pf;
}

/**
 * Turns frame words into client pixels: value tables per channel, and byte writers for
 * PIXEL (bpp/8 bytes) and ZRLE's CPIXEL (3 bytes for 32 bpp formats whose colour fits in
 * the low or the high three bytes, RFC 6143 §7.7.6).
 */
export class PixelTranslator {
  readonly bytesPerPixel: number;
  readonly bytesPerCPixel: number;
  /** For 3-byte CPIXELs: skip this many leading bytes of the 4-byte PIXEL. */
  readonly cpixelSkip: number;
  private readonly red = new Uint32Array(256);
  private readonly green = new Uint32Array(256);
  private readonly blue = new Uint32Array(256);
  /** The client wants exactly the frame's words (32 bpp little endian 0x00RRGGBB from 'bgrx'). */
  readonly identity: boolean;

  constructor(
    readonly format: PixelFormat,
    readonly source: FramePixelFormat,
  ) {
    for (let v = 0; v < 256; v++) {
      this.red[v] = (Math.round((v * format.redMax) / 255) << format.redShift) >>> 0;
      this.green[v] = (Math.round((v * format.greenMax) / 255) << format.greenShift) >>> 0;
      this.blue[v] = (Math.round((v * format.blueMax) / 255) << format.blueShift) >>> 0;
    }
    this.bytesPerPixel = format.bitsPerPixel / 8;
    const colourBits = ((format.redMax << format.redShift) | (format.greenMax << format.greenShift) | (format.blueMax << format.blueShift)) >>> 0;
    const fitsLow = colourBits <= 0xffffff;
    const fitsHigh = (colourBits & 0xff) === 0;
    const compact = format.bitsPerPixel === 32 && format.depth <= 24 && (fitsLow || fitsHigh);
    this.bytesPerCPixel = compact ? 3 : this.bytesPerPixel;
    // Little endian writes the least significant byte first; big endian the most.
    this.cpixelSkip = compact ? (fitsLow === !format.bigEndian ? 0 : 1) : 0;
    this.identity = HOST_LITTLE_ENDIAN && source === 'bgrx' && format.bitsPerPixel === 32 && !format.bigEndian &&
      format.redMax === 255 && format.greenMax === 255 && format.blueMax === 255 &&
      format.redShift === 16 && format.greenShift === 8 && format.blueShift === 0;
  }

  /** The client pixel value of one frame word. */
  value(word: number): number {
    if (this.source === 'bgrx') return (this.red[(word >>> 16) & 0xff]! | this.green[(word >>> 8) & 0xff]! | this.blue[word & 0xff]!) >>> 0;
    return (this.red[word & 0xff]! | this.green[(word >>> 8) & 0xff]! | this.blue[(word >>> 16) & 0xff]!) >>> 0;
  }

  /** Writes a PIXEL; returns the next offset. */
  writePixel(out: Buffer, offset: number, value: number): number {
    switch (this.bytesPerPixel) {
      case 1:
        out[offset] = value;
        return offset + 1;
      case 2:
        if (this.format.bigEndian) out.writeUInt16BE(value & 0xffff, offset);
        else out.writeUInt16LE(value & 0xffff, offset);
        return offset + 2;
      default:
        if (this.format.bigEndian) out.writeUInt32BE(value >>> 0, offset);
        else out.writeUInt32LE(value >>> 0, offset);
        return offset + 4;
    }
  }

  /** Writes a CPIXEL; returns the next offset. */
  writeCPixel(out: Buffer, offset: number, value: number): number {
    if (this.bytesPerCPixel !== 3) return this.writePixel(out, offset, value);
    // The three bytes, in wire order (see cpixelSkip), without building an array.
    const first = this.format.bigEndian ? 24 - 8 * this.cpixelSkip : 8 * this.cpixelSkip;
    const step = this.format.bigEndian ? -8 : 8;
    out[offset] = (value >>> first) & 0xff;
    out[offset + 1] = (value >>> (first + step)) & 0xff;
    out[offset + 2] = (value >>> (first + 2 * step)) & 0xff;
    return offset + 3;
  }
}
