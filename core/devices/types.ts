// Small shared pieces of the device models: saved-state checks, byte-wise splitting of wide
// port accesses, and the platform lines (A20, reset) that chipset devices drive.
import type { AccessSize } from '../bus';
import { VmdeskError } from '../common';

export class DeviceStateError extends VmdeskError {
  constructor(message: string) {
    super('device-state', message);
  }
}

/** Throws a one-line error unless `state` is an object of the expected version. */
export function checkState(device: string, state: unknown, version: number): asserts state is { version: number } {
  if (typeof state !== 'object' || state === null) throw new DeviceStateError(`${device}: saved state is not an object`);
  const v = (state as { version?: unknown }).version;
  if (v !== version) throw new DeviceStateError(`${device}: saved state version ${String(v)} is not ${version}`);
}

/** A number from saved state, or a clear error naming the field. */
export function stateNumber(device: string, state: object, field: string): number {
  const v = (state as Record<string, unknown>)[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new DeviceStateError(`${device}: saved state field ${field} is not a number`);
  return v;
}

/** Read a wide access to an 8-bit device as consecutive byte reads (ISA bus sizing). */
export function readBytewise(offset: number, size: AccessSize, readByte: (offset: number) => number): number {
  if (size === 1) return readByte(offset) & 0xff;
  let v = 0;
  for (let i = 0; i < size; i++) v |= (readByte(offset + i) & 0xff) << (8 * i);
  return v >>> 0;
}

export function writeBytewise(offset: number, size: AccessSize, value: number, writeByte: (offset: number, value: number) => void): void {
  if (size === 1) {
    writeByte(offset, value & 0xff);
    return;
  }
  for (let i = 0; i < size; i++) writeByte(offset + i, (value >>> (8 * i)) & 0xff);
}

/**
 * The A20 gate as chipset devices see it: port 0x92 and the i8042 output port both drive it
 * and read it back. The builder hands the same object to both.
 */
export interface A20Gate {
  readonly enabled: boolean;
  setEnabled(enabled: boolean): void;
}

/** A plain A20 gate that remembers its state and tells a listener (the memory/CPU side). */
export class SimpleA20Gate implements A20Gate {
  constructor(
    private on = false,
    private readonly listener?: (enabled: boolean) => void,
  ) {}

  get enabled(): boolean {
    return this.on;
  }

  setEnabled(enabled: boolean): void {
    if (enabled === this.on) return;
    this.on = enabled;
    this.listener?.(enabled);
  }
}
