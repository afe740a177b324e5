// The PIIX3 IDE function (Intel 82371SB datasheet §2.7; PCI 8086:7010 at 00:01.1): class
// 01 01 80 — both channels in compatibility mode at the legacy ports with IRQ14/15, bus
// master capable — and the SFF-8038i bus-master registers behind BAR4 (16 I/O ports,
// channel 0 at +0, channel 1 at +8). IDETIM (0x40/0x42) has its decode-enable bit set at
// reset so a guest started without a BIOS (direct kernel boot) finds the channels;
// Linux's ata_piix tests it (0x41/0x43 bit 7).
import type { AccessSize, IrqLine, PortBus, PortDevice } from '../../bus';
import type { Disposable } from '../../common';
import type { GuestMemory } from '../../memory';
import { PciConfigSpace, PciFunctionBase, type PciBus } from '../pci';
import { checkState, DeviceStateError } from '../types';
import { IdeChannel } from './ide-channel';
import type { IdeChannelState } from './state';
import type { IdeDrive } from './ide-drives';

export interface Piix3IdeOptions {
  memory: GuestMemory;
  /** IRQ14 (primary) and IRQ15 (secondary) on the ISA interrupt controllers. */
  irqPrimary: IrqLine;
  irqSecondary: IrqLine;
  primaryMaster?: IdeDrive;
  primarySlave?: IdeDrive;
  secondaryMaster?: IdeDrive;
  secondarySlave?: IdeDrive;
}

export const PIIX3_IDE_STATE_VERSION = 1;
export interface Piix3IdeState {
  version: typeof PIIX3_IDE_STATE_VERSION;
  channels: IdeChannelState[];
}

const BAR4 = 0x20;

export class Piix3Ide extends PciFunctionBase {
  readonly primary: IdeChannel;
  readonly secondary: IdeChannel;
  /** Called when the guest moves or (dis)enables the bus-master block: its I/O base, or undefined. */
  onBusMasterMoved: (base: number | undefined) => void = () => {};
  private decodedBase: number | undefined;

  /** The 16 bus-master ports, to register at BAR4's address. */
  readonly busMasterPorts: PortDevice = {
    readPort: (offset, size) => {
      let v = 0;
      for (let i = 0; i < size; i++) {
        const o = offset + i;
        v |= (o < 16 ? this.channel(o).busMaster.read(o & 7) : 0xff) << (8 * i);
      }
      return v >>> 0;
    },
    writePort: (offset, size, value) => {
      for (let i = 0; i < size; i++) {
        const o = offset + i;
        if (o < 16) this.channel(o).busMaster.write(o & 7, (value >>> (8 * i)) & 0xff);
      }
    },
  };

  constructor(options: Piix3IdeOptions) {
    const config = new PciConfigSpace({ vendorId: 0x8086, deviceId: 0x7010, revision: 0x00, classCode: 0x010180 });
    config.set16(0x06, 0x0280); // fast back-to-back, medium DEVSEL
    config.defineBar(4, { size: 16, kind: 'io' });
    config.writable(0x40, 0x47); // IDETIM primary/secondary, SIDETIM
    config.set16(0x40, 0x8000);
    config.set16(0x42, 0x8000);
    super('piix3-ide', config);
    this.primary = new IdeChannel({ irq: options.irqPrimary, memory: options.memory, master: options.primaryMaster, slave: options.primarySlave });
    this.secondary = new IdeChannel({ irq: options.irqSecondary, memory: options.memory, master: options.secondaryMaster, slave: options.secondarySlave });
  }

  private channel(offset: number): IdeChannel {
    return offset < 8 ? this.primary : this.secondary;
  }

  /** I/O base of the bus-master block while the guest decodes it (I/O space on, BAR4 set). */
  get busMasterBase(): number | undefined {
    return this.decodedBase;
  }

  protected override configWritten(offset: number, size: AccessSize): void {
    const touches = (at: number, len: number): boolean => offset < at + len && at < offset + size;
    if (!touches(0x04, 2) && !touches(BAR4, 4)) return;
    const base = this.config.barAddress(4);
    const decoded = this.config.bytes[0x04]! & 1 && base !== 0 && base + 16 <= 0x10000 ? base : undefined;
    if (decoded === this.decodedBase) return;
    this.decodedBase = decoded;
    this.onBusMasterMoved(decoded);
  }

  reset(): void {
    this.primary.reset();
    this.secondary.reset();
  }

  save(): Piix3IdeState {
    return { version: PIIX3_IDE_STATE_VERSION, channels: [this.primary.save(), this.secondary.save()] };
  }

  restore(state: Piix3IdeState): void {
    checkState('piix3-ide', state, PIIX3_IDE_STATE_VERSION);
    if (!Array.isArray(state.channels) || state.channels.length !== 2) throw new DeviceStateError('piix3-ide: saved state does not hold two channels');
    this.primary.restore(state.channels[0]!);
    this.secondary.restore(state.channels[1]!);
  }
}

/** Legacy (compatibility mode) resources of the two channels. */
export const IDE_LEGACY = {
  primary: { command: 0x1f0, control: 0x3f6, irq: 14 },
  secondary: { command: 0x170, control: 0x376, irq: 15 },
} as const;

/**
 * Wire the PIIX3 IDE function: PCI 00:01.1 (or `slot`), the legacy command/control ports,
 * and the bus-master block wherever the guest puts BAR4. Returns a Disposable that
 * unregisters everything.
 */
export function attachIde(ports: PortBus, pci: PciBus, ide: Piix3Ide, slot: { device: number; fn: number } = { device: 1, fn: 1 }): Disposable {
  pci.register(slot.device, slot.fn, ide);
  const held: Disposable[] = [
    ports.register('ide0', IDE_LEGACY.primary.command, 8, ide.primary.commandPorts),
    ports.register('ide0-ctl', IDE_LEGACY.primary.control, 1, ide.primary.controlPort),
    ports.register('ide1', IDE_LEGACY.secondary.command, 8, ide.secondary.commandPorts),
    ports.register('ide1-ctl', IDE_LEGACY.secondary.control, 1, ide.secondary.controlPort),
  ];
  let bm: Disposable | undefined;
  ide.onBusMasterMoved = (base) => {
    bm?.dispose();
    bm = undefined;
    if (base === undefined) return;
    try {
      bm = ports.register('ide-busmaster', base, 16, ide.busMasterPorts);
    } catch {
      // The guest put BAR4 over another device: the block stays undecoded, like a conflict on real hardware.
    }
  };
  return {
    dispose: () => {
      bm?.dispose();
      for (const d of held) d.dispose();
    },
  };
}
