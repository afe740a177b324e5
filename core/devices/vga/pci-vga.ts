// The PCI face of the standard VGA (QEMU "VGA" / Bochs: PCI 1234:1111, class 03 00 00):
// BAR0 is the linear framebuffer over all of VRAM (prefetchable memory), and the expansion
// ROM BAR (PCI Local Bus Specification 3.0, §6.2.5.2) holds the VGA BIOS image handed in as
// bytes (e.g. Debian seabios' vgabios-stdvga.bin), which SeaBIOS copies to 0xC0000 and runs.
import type { AccessSize, MmioBus, MmioDevice, PortBus } from '../../bus';
import type { Disposable } from '../../common';
import { PciConfigSpace, PciFunctionBase, type PciBus } from '../pci';
import { VgaError } from './state';
import { Vga } from './vga';

const ROM_BAR = 0x30;

export interface PciVgaOptions {
  vga: Vga;
  /** The VGA BIOS image (starts 55 AA), or undefined for no ROM BAR. */
  rom?: Uint8Array;
}

export class PciVga extends PciFunctionBase {
  readonly vga: Vga;
  readonly rom: Uint8Array | undefined;
  readonly romSize: number;
  /** The guest moved or (dis)enabled the framebuffer BAR / the ROM: new base or undefined. */
  onLfbMoved: (base: number | undefined) => void = () => {};
  onRomMoved: (base: number | undefined) => void = () => {};
  private lfbBase: number | undefined;
  private romBase: number | undefined;

  /** The ROM as read-only memory for its BAR. */
  readonly romDevice: MmioDevice = {
    readMmio: (offset: number, size: AccessSize): number => {
      const rom = this.rom!;
      let v = 0;
      for (let i = 0; i < size; i++) v |= (offset + i < rom.length ? rom[offset + i]! : 0) << (8 * i);
      return v >>> 0;
    },
    writeMmio: () => {},
  };

  constructor(options: PciVgaOptions) {
    const config = new PciConfigSpace({ vendorId: 0x1234, deviceId: 0x1111, revision: 0x02, classCode: 0x030000, subsystemVendorId: 0x1af4, subsystemId: 0x1100 });
    config.defineBar(0, { size: options.vga.vramSize, kind: 'mem32', prefetchable: true });
    let romSize = 0;
    if (options.rom) {
      const rom = options.rom;
      if (rom.length < 3 || rom[0] !== 0x55 || rom[1] !== 0xaa) throw new VgaError('vga: the VGA BIOS image does not start with the 55 AA option ROM signature');
      romSize = 2048;
      while (romSize < rom.length) romSize *= 2;
      const mask = ((~(romSize - 1) & 0xfffff800) | 1) >>> 0;
      for (let i = 0; i < 4; i++) config.writeMask[ROM_BAR + i] = (mask >>> (8 * i)) & 0xff;
    }
    super('vga', config);
    this.vga = options.vga;
    this.rom = options.rom;
    this.romSize = romSize;
  }

  get framebufferBase(): number | undefined {
    return this.lfbBase;
  }

  get romBaseAddress(): number | undefined {
    return this.romBase;
  }

  protected override configWritten(): void {
    const memOn = (this.config.bytes[0x04]! & 0x02) !== 0;
    const bar0 = this.config.barAddress(0);
    const lfb = memOn && bar0 !== 0 ? bar0 : undefined;
    if (lfb !== this.lfbBase) {
      this.lfbBase = lfb;
      this.onLfbMoved(lfb);
    }
    const romReg = this.config.get32(ROM_BAR);
    const rom = this.rom && memOn && romReg & 1 && (romReg & 0xfffff800) !== 0 ? (romReg & 0xfffff800) >>> 0 : undefined;
    if (rom !== this.romBase) {
      this.romBase = rom;
      this.onRomMoved(rom);
    }
  }
}

/** Legacy resources of a PC's VGA. */
export const VGA_LEGACY = {
  ioBase: 0x3b0,
  ioCount: 0x30,
  vbeBase: 0x1ce,
  vbeCount: 2,
  windowBase: 0xa0000,
  windowSize: 0x20000,
} as const;

/**
 * Wire the VGA: ports 0x3B0–0x3DF and 0x1CE/0x1CF, the 0xA0000 window, PCI 00:02.0 (or
 * `slot`), and the framebuffer and ROM wherever the guest's BARs put them.
 */
export function attachVga(ports: PortBus, mmio: MmioBus, pci: PciBus, dev: PciVga, slot: { device: number; fn: number } = { device: 2, fn: 0 }): Disposable {
  pci.register(slot.device, slot.fn, dev);
  const held: Disposable[] = [
    ports.register('vga', VGA_LEGACY.ioBase, VGA_LEGACY.ioCount, dev.vga.ioPorts),
    ports.register('vbe-dispi', VGA_LEGACY.vbeBase, VGA_LEGACY.vbeCount, dev.vga.vbePorts),
    mmio.register('vga-window', VGA_LEGACY.windowBase, VGA_LEGACY.windowSize, dev.vga.legacyWindow),
  ];
  let lfb: Disposable | undefined;
  let rom: Disposable | undefined;
  const place = (name: string, base: number | undefined, size: number, device: MmioDevice): Disposable | undefined => {
    if (base === undefined || base + size > 0x1_0000_0000) return undefined;
    try {
      return mmio.register(name, base, size, device);
    } catch {
      return undefined; // a BAR over another device stays undecoded
    }
  };
  dev.onLfbMoved = (base) => {
    lfb?.dispose();
    lfb = place('vga-lfb', base, dev.vga.vramSize, dev.vga.lfb);
  };
  dev.onRomMoved = (base) => {
    rom?.dispose();
    rom = place('vga-rom', base, dev.romSize, dev.romDevice);
  };
  return {
    dispose: () => {
      lfb?.dispose();
      rom?.dispose();
      for (const d of held) d.dispose();
    },
  };
}
