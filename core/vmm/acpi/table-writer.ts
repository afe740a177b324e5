// Little-endian field writing for ACPI tables, the common 36-byte table header (ACPI 6.5
// §5.2.6) and the checksum every table but the FACS carries (all bytes sum to zero).
import { VmdeskError } from '../../common';

export class AcpiError extends VmdeskError {
  constructor(message: string) {
    super('acpi', message);
  }
}

export const OEM_ID = 'VMDESK';
export const OEM_TABLE_ID = 'VMDESKPC';
export const CREATOR_ID = 'VMDS';
export const SDT_HEADER_SIZE = 36;

export class TableWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }

  u8(at: number, v: number): this {
    this.view.setUint8(at, v);
    return this;
  }

  u16(at: number, v: number): this {
    this.view.setUint16(at, v, true);
    return this;
  }

  u32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }

  u64(at: number, v: number): this {
    this.view.setBigUint64(at, BigInt(v), true);
    return this;
  }

  /** ASCII, padded with spaces to `width` (OEM IDs) or exactly `width` (signatures). */
  ascii(at: number, text: string, width: number): this {
    if (text.length > width) throw new AcpiError(`acpi: "${text}" is longer than its ${width}-byte field`);
    for (let i = 0; i < width; i++) this.bytes[at + i] = i < text.length ? text.charCodeAt(i) : 0x20;
    return this;
  }

  set(at: number, data: Uint8Array): this {
    this.bytes.set(data, at);
    return this;
  }

  /** Generic Address Structure (§5.2.3.2): space, bit width, bit offset, access size, address. */
  gas(at: number, space: number, bitWidth: number, accessSize: number, address: number): this {
    return this.u8(at, space).u8(at + 1, bitWidth).u8(at + 2, 0).u8(at + 3, accessSize).u64(at + 4, address);
  }

  /** The standard header; the checksum is filled by `finish`. */
  header(signature: string, revision: number): this {
    return this.ascii(0, signature, 4)
      .u32(4, this.bytes.length)
      .u8(8, revision)
      .ascii(10, OEM_ID, 6)
      .ascii(16, OEM_TABLE_ID, 8)
      .u32(24, 1)
      .ascii(28, CREATOR_ID, 4)
      .u32(32, 1);
  }

  /** Set the checksum byte at `at` so the first `length` bytes sum to zero. */
  finish(at = 9, length = this.bytes.length): Uint8Array {
    this.bytes[at] = 0;
    this.bytes[at] = (256 - byteSum(this.bytes.subarray(0, length))) & 0xff;
    return this.bytes;
  }
}

export function byteSum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
}

export const GAS_SYSTEM_IO = 1;
