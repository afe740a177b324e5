// The I/O port space (64 Ki ports). Devices claim ranges; an overlapping claim is an
// error, and a device sees offsets relative to its base (STYLE.md habit 3).
// Unclaimed ports read as open bus (all ones) and ignore writes.
import { type Disposable, toDisposable, createLogger, hex, VmdeskError } from '../common';

export type AccessSize = 1 | 2 | 4;

export interface PortDevice {
  /** Read `size` bytes at `offset` from the device's base. */
  readPort(offset: number, size: AccessSize): number;
  writePort(offset: number, size: AccessSize, value: number): void;
}

export class BusError extends VmdeskError {
  constructor(message: string) {
    super('bus', message);
  }
}

interface PortClaim {
  readonly name: string;
  readonly base: number;
  readonly length: number;
  readonly device: PortDevice;
}

const log = createLogger('ports');
const OPEN_BUS = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

export class PortBus {
  /** claimIndex[port] = index into `claims` + 1, or 0 when unclaimed. */
  private readonly claimIndex = new Uint16Array(0x10000);
  private readonly claims: (PortClaim | undefined)[] = [];

  register(name: string, base: number, length: number, device: PortDevice): Disposable {
    if (!Number.isInteger(base) || !Number.isInteger(length) || length < 1 || base < 0 || base + length > 0x10000) {
      throw new BusError(`ports: ${name} asks for ${length} ports at ${hex(base, 4)}, outside the 64 Ki port space`);
    }
    for (let p = base; p < base + length; p++) {
      const held = this.claimIndex[p];
      if (held !== 0) {
        const other = this.claims[held - 1]!;
        throw new BusError(`ports: ${name} at ${hex(base, 4)}+${length} overlaps ${other.name} at ${hex(other.base, 4)}+${other.length}`);
      }
    }
    let slot = this.claims.indexOf(undefined);
    if (slot < 0) slot = this.claims.push(undefined) - 1;
    if (slot >= 0xffff) throw new BusError('ports: too many port ranges');
    this.claims[slot] = { name, base, length, device };
    this.claimIndex.fill(slot + 1, base, base + length);
    return toDisposable(() => {
      this.claimIndex.fill(0, base, base + length);
      this.claims[slot] = undefined;
    });
  }

  /** Name of the device that holds `port`, for diagnostics. */
  ownerOf(port: number): string | undefined {
    const held = this.claimIndex[port & 0xffff];
    return held ? this.claims[held - 1]!.name : undefined;
  }

  read(port: number, size: AccessSize): number {
    port &= 0xffff;
    const held = this.claimIndex[port];
    if (held === 0) {
      if (log.debugEnabled) log.debug(`read${size * 8} of unclaimed port ${hex(port, 4)}`);
      return OPEN_BUS[size];
    }
    const claim = this.claims[held - 1]!;
    return claim.device.readPort(port - claim.base, size);
  }

  write(port: number, size: AccessSize, value: number): void {
    port &= 0xffff;
    const held = this.claimIndex[port];
    if (held === 0) {
      if (log.debugEnabled) log.debug(`write${size * 8} ${hex(value)} to unclaimed port ${hex(port, 4)}`);
      return;
    }
    const claim = this.claims[held - 1]!;
    claim.device.writePort(port - claim.base, size, value);
  }
}
