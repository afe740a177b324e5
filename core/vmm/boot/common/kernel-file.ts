// Bounds-checked little-endian reads over a kernel or initrd file, so a truncated file is a
// one-line BootError naming the file and the field, never a RangeError.
import { BootError } from './boot-error';

/** Bounds-checked little-endian reads over a kernel file, failing with the file's name. */
export class KernelFileReader {
  readonly view: DataView;

  constructor(
    readonly name: string,
    readonly bytes: Uint8Array,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  need(offset: number, length: number, what: string): void {
    if (offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new BootError(`${this.name}: truncated: ${what} needs bytes 0x${offset.toString(16)}..0x${(offset + length).toString(16)} but the file has ${this.bytes.length}`);
    }
  }

  u8(offset: number, what: string): number {
    this.need(offset, 1, what);
    return this.view.getUint8(offset);
  }

  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return this.view.getUint16(offset, true);
  }

  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.view.getUint32(offset, true);
  }

  slice(offset: number, length: number, what: string): Uint8Array {
    this.need(offset, length, what);
    return this.bytes.subarray(offset, offset + length);
  }
}
