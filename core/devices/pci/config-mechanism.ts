// PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, §3.2.2.3.2): a 32-bit
// CONFIG_ADDRESS at 0xCF8 (bit 31 enable, bus, device, function, register) and the data
// window 0xCFC–0xCFF taking byte, word and dword accesses at any offset. Only dword
// accesses reach CONFIG_ADDRESS; a byte at 0xCF9 is the PIIX3 reset control register
// (bit 2 RCPU 0→1 resets; the FADT reset value 0x06 does that), so this device claims 8 ports.
import type { AccessSize, PortDevice } from '../../bus';
import { checkState, stateNumber } from '../types';
import type { PciBus } from './pci-bus';

export interface PciConfigMechanismOptions {
  bus: PciBus;
  /** Reset control register requested a reset (hard when `hard`, SRST bit 1). */
  onReset: (hard: boolean) => void;
}

export const PCI_CONFIG_STATE_VERSION = 1;
export interface PciConfigMechanismState {
  version: typeof PCI_CONFIG_STATE_VERSION;
  address: number;
  resetControl: number;
}

export class PciConfigMechanism1 implements PortDevice {
  private address = 0;
  private resetControl = 0;

  constructor(private readonly options: PciConfigMechanismOptions) {}

  readPort(offset: number, size: AccessSize): number {
    if (offset < 4) {
      if (offset === 0 && size === 4) return this.address >>> 0;
      if (offset === 1 && size === 1) return this.resetControl;
      return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    }
    const target = this.target(offset);
    if (target === undefined) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    return this.options.bus.read(target.device, target.fn, target.register, size);
  }

  writePort(offset: number, size: AccessSize, value: number): void {
    if (offset < 4) {
      if (offset === 0 && size === 4) {
        // Bits 30–24 are reserved and bits 1–0 address dwords only: both read back 0.
        this.address = (value & 0x80fffffc) | 0;
      } else if (offset === 1 && size === 1) {
        const v = value & 0xff;
        this.resetControl = v & 0x02;
        if (v & 0x04) this.options.onReset((v & 0x02) !== 0);
      }
      return;
    }
    const target = this.target(offset);
    if (target === undefined) return;
    this.options.bus.write(target.device, target.fn, target.register, size, value);
  }

  private target(offset: number): { device: number; fn: number; register: number } | undefined {
    const a = this.address;
    if (a >= 0) return undefined; // bit 31 (enable) clear
    if (((a >> 16) & 0xff) !== 0) return undefined; // only bus 0 exists
    return { device: (a >> 11) & 31, fn: (a >> 8) & 7, register: (a & 0xfc) | (offset & 3) };
  }

  save(): PciConfigMechanismState {
    return { version: PCI_CONFIG_STATE_VERSION, address: this.address >>> 0, resetControl: this.resetControl };
  }

  restore(state: PciConfigMechanismState): void {
    checkState('pci', state, PCI_CONFIG_STATE_VERSION);
    this.address = (stateNumber('pci', state, 'address') & 0x80fffffc) | 0;
    this.resetControl = stateNumber('pci', state, 'resetControl') & 0x02;
  }
}
