// One PCI function's 256-byte configuration space with per-byte write masks and
// write-1-to-clear bits, and BAR sizing: a BAR of size S has its low log2(S) address bits
// read-only zero, so writing all ones and reading back tells the size (PCI Local Bus
// Specification 3.0, §6.2.5.1). Header type 0 layout.
import type { AccessSize } from '../../bus';

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

export interface PciIdentity {
  vendorId: number;
  deviceId: number;
  revision?: number;
  /** Class code as 0xCCSSPP (class, subclass, programming interface). */
  classCode: number;
  /** Header type byte; bit 7 marks a multi-function device. */
  headerType?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
  /** INTx pin 1..4 (A..D), 0 for none. */
  interruptPin?: number;
}

export interface BarDefinition {
  /** Size in bytes, a power of two (I/O >= 4, memory >= 16). */
  size: number;
  kind: 'io' | 'mem32';
  prefetchable?: boolean;
}

export class PciConfigSpace {
  readonly bytes = new Uint8Array(256);
  readonly writeMask = new Uint8Array(256);
  readonly clearMask = new Uint8Array(256);
  readonly bars: (BarDefinition | undefined)[] = new Array(6).fill(undefined);

  constructor(id: PciIdentity) {
    this.set16(PCI_VENDOR_ID, id.vendorId);
    this.set16(PCI_DEVICE_ID, id.deviceId);
    this.bytes[PCI_REVISION] = id.revision ?? 0;
    this.bytes[PCI_CLASS_PROG] = id.classCode & 0xff;
    this.bytes[0x0a] = (id.classCode >> 8) & 0xff;
    this.bytes[0x0b] = (id.classCode >> 16) & 0xff;
    this.bytes[PCI_HEADER_TYPE] = id.headerType ?? 0;
    this.set16(0x2c, id.subsystemVendorId ?? 0);
    this.set16(0x2e, id.subsystemId ?? 0);
    this.bytes[PCI_INTERRUPT_PIN] = id.interruptPin ?? 0;
    // Command: I/O, memory, bus master, parity, SERR#, INTx disable are writable.
    this.mask16(PCI_COMMAND, 0x0547);
    // Status: error bits are write-1-to-clear.
    this.clearMask[PCI_STATUS + 1] = 0xf9;
    this.writeMask[0x0c] = 0xff; // cache line size
    this.writeMask[0x0d] = 0xff; // latency timer
    this.writeMask[PCI_INTERRUPT_LINE] = 0xff;
  }

  set16(offset: number, v: number): void {
    this.bytes[offset] = v & 0xff;
    this.bytes[offset + 1] = (v >> 8) & 0xff;
  }

  set32(offset: number, v: number): void {
    for (let i = 0; i < 4; i++) this.bytes[offset + i] = (v >>> (8 * i)) & 0xff;
  }

  get16(offset: number): number {
    return this.bytes[offset]! | (this.bytes[offset + 1]! << 8);
  }

  get32(offset: number): number {
    return (this.bytes[offset]! | (this.bytes[offset + 1]! << 8) | (this.bytes[offset + 2]! << 16) | (this.bytes[offset + 3]! << 24)) >>> 0;
  }

  mask16(offset: number, mask: number): void {
    this.writeMask[offset] = mask & 0xff;
    this.writeMask[offset + 1] = (mask >> 8) & 0xff;
  }

  /** Make a range of device-specific registers plain read/write storage. */
  writable(from: number, to: number): void {
    this.writeMask.fill(0xff, from, to + 1);
  }

  defineBar(index: number, bar: BarDefinition): void {
    if (index < 0 || index > 5 || !Number.isInteger(index)) throw new RangeError(`pci: BAR index ${index} is not 0..5`);
    const min = bar.kind === 'io' ? 4 : 16;
    if (bar.size < min || (bar.size & (bar.size - 1)) !== 0) throw new RangeError(`pci: BAR${index} size ${bar.size} is not a power of two >= ${min}`);
    this.bars[index] = bar;
    const off = PCI_BAR0 + 4 * index;
    const typeBits = bar.kind === 'io' ? 0x1 : bar.prefetchable ? 0x8 : 0x0;
    this.set32(off, typeBits);
    const addrMask = (~(bar.size - 1) >>> 0) & (bar.kind === 'io' ? 0xfffffffc : 0xfffffff0);
    for (let i = 0; i < 4; i++) this.writeMask[off + i] = (addrMask >>> (8 * i)) & 0xff;
  }

  /** The address a BAR decodes now (type bits stripped). */
  barAddress(index: number): number {
    const bar = this.bars[index];
    if (!bar) return 0;
    const v = this.get32(PCI_BAR0 + 4 * index);
    return (bar.kind === 'io' ? v & 0xfffffffc : v & 0xfffffff0) >>> 0;
  }

  read(offset: number, size: AccessSize): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.bytes[(offset + i) & 0xff]! << (8 * i);
    return v >>> 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    for (let i = 0; i < size; i++) {
      const o = (offset + i) & 0xff;
      const b = (value >>> (8 * i)) & 0xff;
      const m = this.writeMask[o]!;
      this.bytes[o] = (this.bytes[o]! & ~m) | (b & m);
      const c = this.clearMask[o]!;
      if (c) this.bytes[o]! &= ~(b & c);
    }
  }
}
