// A small PCI bus 0: functions register at (device, function); the configuration mechanism
// routes accesses here. Absent functions read as all ones, so a probe sees vendor 0xFFFF.
import type { AccessSize } from '../../bus';
import { VmdeskError } from '../../common';
import { checkState, DeviceStateError } from '../types';
import { PciConfigSpace } from './config-space';

export const PCI_BUS_STATE_VERSION = 1;
export interface PciBusState {
  version: typeof PCI_BUS_STATE_VERSION;
  /** Config bytes per function, keyed "device.function". */
  functions: Record<string, number[]>;
}

/** What the bus needs from a function; `PciFunctionBase` is a ready-made implementation. */
export interface PciFunction {
  readonly name: string;
  readConfig(offset: number, size: AccessSize): number;
  writeConfig(offset: number, size: AccessSize, value: number): void;
}

export class PciBusError extends VmdeskError {
  constructor(message: string) {
    super('pci', message);
  }
}

/** A function backed by a `PciConfigSpace`; subclasses override `configWritten` to react. */
export class PciFunctionBase implements PciFunction {
  constructor(
    readonly name: string,
    readonly config: PciConfigSpace,
  ) {}

  readConfig(offset: number, size: AccessSize): number {
    return this.config.read(offset, size);
  }

  writeConfig(offset: number, size: AccessSize, value: number): void {
    this.config.write(offset, size, value);
    this.configWritten(offset, size);
  }

  /** Hook after a guest write (BAR moved, command changed). */
  protected configWritten(_offset: number, _size: AccessSize): void {}

  saveConfig(): number[] {
    return Array.from(this.config.bytes);
  }

  restoreConfig(bytes: number[]): void {
    if (!Array.isArray(bytes) || bytes.length !== 256) throw new DeviceStateError(`pci: saved config of ${this.name} is not 256 bytes`);
    this.config.bytes.set(bytes.map((b) => Number(b) & 0xff));
    this.configWritten(0, 4);
  }
}

export class PciBus {
  private readonly slots = new Map<number, PciFunction>();

  register(device: number, fn: number, f: PciFunction): void {
    if (!Number.isInteger(device) || device < 0 || device > 31 || !Number.isInteger(fn) || fn < 0 || fn > 7) {
      throw new PciBusError(`pci: ${f.name} asks for ${device}.${fn}, outside devices 0–31 and functions 0–7`);
    }
    const key = (device << 3) | fn;
    const held = this.slots.get(key);
    if (held) throw new PciBusError(`pci: ${f.name} at 00:${device.toString(16).padStart(2, '0')}.${fn} is taken by ${held.name}`);
    this.slots.set(key, f);
  }

  save(): PciBusState {
    const functions: Record<string, number[]> = {};
    for (const [key, f] of this.slots) if (f instanceof PciFunctionBase) functions[`${key >> 3}.${key & 7}`] = f.saveConfig();
    return { version: PCI_BUS_STATE_VERSION, functions };
  }

  restore(state: PciBusState): void {
    checkState('pci-bus', state, PCI_BUS_STATE_VERSION);
    for (const [key, f] of this.slots) {
      const bytes = state.functions?.[`${key >> 3}.${key & 7}`];
      if (f instanceof PciFunctionBase && bytes !== undefined) f.restoreConfig(bytes);
    }
  }

  find(device: number, fn: number): PciFunction | undefined {
    return this.slots.get(((device & 31) << 3) | (fn & 7));
  }

  read(device: number, fn: number, offset: number, size: AccessSize): number {
    const f = this.find(device, fn);
    if (!f) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    try {
      return f.readConfig(offset & 0xff, size) >>> 0;
    } catch {
      return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    }
  }

  write(device: number, fn: number, offset: number, size: AccessSize, value: number): void {
    const f = this.find(device, fn);
    if (!f) return;
    try {
      f.writeConfig(offset & 0xff, size, value);
    } catch {
      // A device model's bug must not crash the VM on a guest config write.
    }
  }
}

export { PciConfigSpace };
