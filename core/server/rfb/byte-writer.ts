// A growable output buffer for building RFB messages without a Buffer per field.
export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Makes room for `n` more bytes and returns the buffer to write them into at `length`. */
  reserve(n: number): Buffer {
    if (this.length + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    return this.buf;
  }

  u8(v: number): void {
    this.reserve(1)[this.length++] = v & 0xff;
  }
  u16(v: number): void {
    this.reserve(2).writeUInt16BE(v & 0xffff, this.length);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4).writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
  }
  s32(v: number): void {
    this.reserve(4).writeInt32BE(v | 0, this.length);
    this.length += 4;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length).set(b, this.length);
    this.length += b.length;
  }

  /** The bytes written so far (a copy owned by the caller), and starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.length));
    this.length = 0;
    return out;
  }
}
