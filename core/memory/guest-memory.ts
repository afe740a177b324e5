// Guest physical RAM over a SharedArrayBuffer, so the host side (vmkernel, consoles,
// migration) can read it while a vCPU worker runs. Holds a dirty bitmap with one bit
// per 4 KiB page, set by writers that go through `markDirty`.
import { VmdeskError } from '../common';

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export class MemoryError extends VmdeskError {
  constructor(message: string) {
    super('memory', message);
  }
}

export interface GuestMemoryState {
  /** RAM bytes; shared with every thread that maps this VM. */
  readonly ram: SharedArrayBuffer;
  /** One bit per page, Uint32 words, shared as well. */
  readonly dirty: SharedArrayBuffer;
}

export class GuestMemory {
  readonly size: number;
  readonly u8: Uint8Array;
  readonly view: DataView;
  readonly dirtyBits: Uint32Array;

  constructor(readonly state: GuestMemoryState) {
    this.size = state.ram.byteLength;
    this.u8 = new Uint8Array(state.ram);
    this.view = new DataView(state.ram);
    this.dirtyBits = new Uint32Array(state.dirty);
  }

  /** Allocate `bytes` of zeroed RAM (a whole number of pages, at most 3.5 GiB). */
  static allocate(bytes: number): GuestMemory {
    if (!Number.isInteger(bytes) || bytes <= 0 || bytes % PAGE_SIZE !== 0) {
      throw new MemoryError(`memory: size ${bytes} is not a positive whole number of 4 KiB pages`);
    }
    if (bytes > 0xe000_0000) throw new MemoryError(`memory: ${bytes / 2 ** 20} MiB is more than the 3584 MiB below the PCI hole`);
    const pages = bytes / PAGE_SIZE;
    return new GuestMemory({
      ram: new SharedArrayBuffer(bytes),
      dirty: new SharedArrayBuffer(Math.ceil(pages / 32) * 4),
    });
  }

  contains(addr: number, length = 1): boolean {
    return addr >= 0 && length >= 0 && addr + length <= this.size;
  }

  markDirty(addr: number, length = 1): void {
    const first = addr >>> PAGE_SHIFT;
    const last = (addr + length - 1) >>> PAGE_SHIFT;
    for (let p = first; p <= last; p++) this.dirtyBits[p >>> 5]! |= 1 << (p & 31);
  }

  /** Copy guest bytes out (bounds-checked; for loaders, DMA and consoles, not the CPU hot path). */
  read(addr: number, length: number): Uint8Array {
    if (!this.contains(addr, length)) throw new MemoryError(`memory: read of ${length} bytes at 0x${addr.toString(16)} is outside guest RAM`);
    return this.u8.slice(addr, addr + length);
  }

  write(addr: number, bytes: Uint8Array): void {
    if (!this.contains(addr, bytes.length)) throw new MemoryError(`memory: write of ${bytes.length} bytes at 0x${addr.toString(16)} is outside guest RAM`);
    this.u8.set(bytes, addr);
    this.markDirty(addr, bytes.length);
  }
}
