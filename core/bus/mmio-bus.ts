// Memory-mapped I/O ranges above or beside guest RAM. Like the port bus: overlapping
// claims fail, devices see offsets from their base, unclaimed reads are all ones.
import { type Disposable, toDisposable, hex } from '../common';
import { type AccessSize, BusError } from './port-bus';

export interface MmioDevice {
  readMmio(offset: number, size: AccessSize): number;
  writeMmio(offset: number, size: AccessSize, value: number): void;
}

export interface MmioRegion {
  readonly name: string;
  readonly base: number;
  readonly length: number;
  readonly device: MmioDevice;
}

export class MmioBus {
  /** Sorted by base; few regions, so a linear scan from the last hit is cheap. */
  private regions: MmioRegion[] = [];
  private last: MmioRegion | undefined;

  register(name: string, base: number, length: number, device: MmioDevice): Disposable {
    if (length < 1 || base < 0 || base + length > 0x1_0000_0000) {
      throw new BusError(`mmio: ${name} at ${hex(base, 8)}+${hex(length)} is outside the 4 GiB physical space`);
    }
    for (const r of this.regions) {
      if (base < r.base + r.length && r.base < base + length) {
        throw new BusError(`mmio: ${name} at ${hex(base, 8)}+${hex(length)} overlaps ${r.name} at ${hex(r.base, 8)}+${hex(r.length)}`);
      }
    }
    const region: MmioRegion = { name, base, length, device };
    this.regions = [...this.regions, region].sort((a, b) => a.base - b.base);
    return toDisposable(() => {
      this.regions = this.regions.filter((r) => r !== region);
      if (this.last === region) this.last = undefined;
    });
  }

  /** The region containing physical address `addr`, if any. */
  find(addr: number): MmioRegion | undefined {
    const last = this.last;
    if (last && addr >= last.base && addr < last.base + last.length) return last;
    for (const r of this.regions) {
      if (addr >= r.base && addr < r.base + r.length) {
        this.last = r;
        return r;
      }
    }
    return undefined;
  }

  read(addr: number, size: AccessSize): number {
    const r = this.find(addr);
    if (!r) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    return r.device.readMmio(addr - r.base, size);
  }

  write(addr: number, size: AccessSize, value: number): void {
    const r = this.find(addr);
    if (r) r.device.writeMmio(addr - r.base, size, value);
  }

  get all(): readonly MmioRegion[] {
    return this.regions;
  }
}
