// Bochs VBE DISPI as the stdvga BIOS and Linux's bochs/vesa drivers use it, the PCI
// function 1234:1111 with its framebuffer BAR, and the real vgabios-stdvga.bin from Debian's
// seabios package behind the expansion ROM BAR.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MmioBus, PortBus } from '../../../core/bus';
import { PciBus, PciConfigMechanism1 } from '../../../core/devices/pci';
import { attachVga, PciVga, Vga, VgaRenderer } from '../../../core/devices/vga';

const ROM_PATH = '/usr/share/seabios/vgabios-stdvga.bin';

function setup(rom?: Uint8Array) {
  const vga = new Vga();
  const ports = new PortBus();
  const mmio = new MmioBus();
  const pci = new PciBus();
  ports.register('pci', 0xcf8, 8, new PciConfigMechanism1({ bus: pci, onReset: () => {} }));
  const dev = new PciVga({ vga, rom });
  attachVga(ports, mmio, pci, dev);
  const cfg = (reg: number): number => 0x80000000 | (2 << 11) | reg;
  const cfgRead = (reg: number): number => {
    ports.write(0xcf8, 4, cfg(reg));
    return ports.read(0xcfc, 4);
  };
  const cfgWrite = (reg: number, v: number, size: 1 | 2 | 4 = 4): void => {
    ports.write(0xcf8, 4, cfg(reg));
    ports.write(0xcfc, size, v);
  };
  const dispi = (index: number, value?: number): number => {
    ports.write(0x1ce, 2, index);
    if (value !== undefined) ports.write(0x1cf, 2, value);
    return ports.read(0x1cf, 2);
  };
  const renderer = new VgaRenderer(vga);
  const pixel = (x: number, y: number): [number, number, number] => {
    const i = (y * renderer.width + x) * 4;
    return [renderer.pixels[i]!, renderer.pixels[i + 1]!, renderer.pixels[i + 2]!];
  };
  const setVbe = (x: number, y: number, bpp: number, enable = 0x41): void => {
    dispi(4, 0);
    dispi(1, x);
    dispi(2, y);
    dispi(3, bpp);
    dispi(4, enable);
  };
  return { vga, ports, mmio, pci, dev, cfgRead, cfgWrite, dispi, renderer, pixel, setVbe };
}

describe('Bochs VBE DISPI', () => {
  it('identifies as B0C5, reports 16 MiB in 64 KiB units and its limits through GETCAPS', () => {
    const { dispi } = setup();
    expect(dispi(0)).toBe(0xb0c5);
    dispi(0, 0xb0c0);
    expect(dispi(0)).toBe(0xb0c0);
    dispi(0, 0x1234); // not an ID: ignored
    expect(dispi(0)).toBe(0xb0c0);
    expect(dispi(0x0a)).toBe(256);
    dispi(4, 0x02);
    expect([dispi(1), dispi(2), dispi(3)]).toEqual([2560, 1600, 32]);
    dispi(4, 0);
    dispi(3, 24);
    expect(dispi(3)).toBe(24);
    dispi(3, 7); // not a depth
    expect(dispi(3)).toBe(24);
  });

  it('enabling 800x600x32 with LFB reports the new size; LFB pixels are BGRX', () => {
    const s = setup();
    s.cfgWrite(0x10, 0xfd000000);
    s.cfgWrite(0x04, 0x0003, 2);
    s.setVbe(800, 600, 32);
    const first = s.renderer.update();
    expect(first).toMatchObject({ width: 800, height: 600, mode: 'vbe', resized: true });
    s.mmio.write(0xfd000000 + (10 * 800 + 20) * 4, 4, 0x00ff8040);
    const u = s.renderer.update();
    expect(s.pixel(20, 10)).toEqual([0xff, 0x80, 0x40]);
    expect(u.rects).toEqual([{ x: 16, y: 0, width: 16, height: 16 }]);
    expect(s.renderer.update().rects).toEqual([]);
  });

  it('clears VRAM on enable unless NOCLEARMEM', () => {
    const s = setup();
    s.vga.vram.fill(0x55, 0, 1024);
    s.setVbe(640, 480, 32, 0xc1);
    expect(s.vga.vram[100]).toBe(0x55);
    s.setVbe(640, 480, 32, 0x41);
    expect(s.vga.vram[100]).toBe(0);
  });

  it('draws 16 (565), 15 (555) and 24-bit pixels, and 8-bit through the DAC in 8-bit DAC mode', () => {
    const s = setup();
    s.setVbe(640, 480, 16);
    s.vga.lfb.writeMmio(0, 2, 0xf800); // red
    s.vga.lfb.writeMmio(2, 2, 0x07e0); // green
    s.renderer.update();
    expect([s.pixel(0, 0), s.pixel(1, 0)]).toEqual([
      [255, 0, 0],
      [0, 255, 0],
    ]);
    s.setVbe(640, 480, 15);
    s.vga.lfb.writeMmio(0, 2, 0x001f); // blue
    s.renderer.update();
    expect(s.pixel(0, 0)).toEqual([0, 0, 255]);
    s.setVbe(640, 480, 24);
    s.vga.lfb.writeMmio(3, 1, 0x11);
    s.vga.lfb.writeMmio(4, 1, 0x22);
    s.vga.lfb.writeMmio(5, 1, 0x33);
    s.renderer.update();
    expect(s.pixel(1, 0)).toEqual([0x33, 0x22, 0x11]);
    s.setVbe(640, 480, 8, 0x61);
    s.ports.write(0x3c8, 1, 9);
    for (const c of [0xfe, 0x80, 0x01]) s.ports.write(0x3c9, 1, c);
    s.vga.lfb.writeMmio(5, 1, 9);
    s.renderer.update();
    expect(s.pixel(5, 0)).toEqual([0xfe, 0x80, 0x01]);
  });

  it('BANK moves the 64 KiB window at A0000 through VRAM', () => {
    const s = setup();
    s.setVbe(1024, 768, 32, 0x01);
    s.dispi(5, 3);
    s.mmio.write(0xa0010, 4, 0xdeadbeef);
    expect(s.vga.vramView.getUint32(3 * 0x10000 + 0x10, true)).toBe(0xdeadbeef);
    expect(s.mmio.read(0xa0010, 4)).toBe(0xdeadbeef);
    expect(s.mmio.read(0xb0000, 1)).toBe(0xff); // beyond the 64 KiB window
  });

  it('VIRT_WIDTH and X/Y_OFFSET pan the visible picture (double buffering)', () => {
    const s = setup();
    s.setVbe(640, 480, 32);
    s.dispi(6, 1024);
    expect(s.dispi(6)).toBe(1024);
    expect(s.dispi(7)).toBe(Math.floor((16 << 20) / 4096));
    s.vga.lfb.writeMmio((500 * 1024 + 10) * 4, 4, 0x0000ff00);
    s.renderer.update();
    expect(s.pixel(10, 20)).toEqual([0, 0, 0]);
    s.dispi(9, 480);
    s.dispi(8, 8);
    const u = s.renderer.update();
    expect(u.resized).toBe(false);
    expect(s.pixel(2, 20)).toEqual([0, 255, 0]);
  });

  it('refuses a mode that does not fit in VRAM', () => {
    const vga = new Vga({ vramBytes: 4 << 20 });
    const w = (i: number, v: number): void => {
      vga.vbePorts.writePort(0, 2, i);
      vga.vbePorts.writePort(1, 2, v);
    };
    w(1, 1920);
    w(2, 1080);
    w(3, 32); // 8.3 MB > 4 MiB
    w(4, 0x41);
    vga.vbePorts.writePort(0, 2, 4);
    expect(vga.vbePorts.readPort(1, 2) & 1).toBe(0);
    expect(new VgaRenderer(vga).update().mode).not.toBe('vbe');
  });
});

describe('PCI VGA function', () => {
  it('is 1234:1111 class 03 00 00 with a 16 MiB prefetchable framebuffer BAR that the guest can move', () => {
    const s = setup();
    expect(s.cfgRead(0x00)).toBe(0x11111234);
    expect(s.cfgRead(0x08) >>> 8).toBe(0x030000);
    s.cfgWrite(0x10, 0xffffffff);
    expect(s.cfgRead(0x10)).toBe(0xff000008);
    s.cfgWrite(0x10, 0xe0000000);
    s.cfgWrite(0x04, 0x0002, 2);
    expect(s.dev.framebufferBase).toBe(0xe0000000);
    s.mmio.write(0xe0000004, 4, 0x01020304);
    expect(s.vga.vramView.getUint32(4, true)).toBe(0x01020304);
    s.cfgWrite(0x10, 0xf0000000);
    expect(s.mmio.read(0xe0000004, 4)).toBe(0xffffffff);
    expect(s.mmio.read(0xf0000004, 4)).toBe(0x01020304);
  });

  it('rejects a ROM image without the 55 AA signature', () => {
    expect(() => new PciVga({ vga: new Vga(), rom: new Uint8Array(512) })).toThrow(/vga: the VGA BIOS image does not start with the 55 AA/);
  });

  it.runIf(existsSync(ROM_PATH))('serves Debian\'s vgabios-stdvga.bin through the ROM BAR; its PCI data structure names 1234:1111', () => {
    const rom = new Uint8Array(readFileSync(ROM_PATH));
    const s = setup(rom);
    s.cfgWrite(0x30, 0xfffff800);
    const sized = s.cfgRead(0x30);
    expect(sized >>> 0).toBe(0xffff0000); // 64 KiB for a 39 KiB image
    s.cfgWrite(0x30, 0xfebc0001);
    s.cfgWrite(0x04, 0x0002, 2);
    expect(s.dev.romBaseAddress).toBe(0xfebc0000);
    const base = 0xfebc0000;
    const b = (o: number): number => s.mmio.read(base + o, 1);
    expect([b(0), b(1)]).toEqual([0x55, 0xaa]);
    expect(b(2) * 512).toBeGreaterThanOrEqual(rom.length);
    const pcir = s.mmio.read(base + 0x18, 2);
    expect(String.fromCharCode(b(pcir), b(pcir + 1), b(pcir + 2), b(pcir + 3))).toBe('PCIR');
    expect(s.mmio.read(base + pcir + 4, 2)).toBe(0x1234);
    expect(s.mmio.read(base + pcir + 6, 2)).toBe(0x1111);
    expect([b(pcir + 0x0d), b(pcir + 0x0e), b(pcir + 0x0f)]).toEqual([0x00, 0x00, 0x03]); // class 03 00 00
    // The image checksums to zero over its declared size, as the BIOS checks before running it.
    let sum = 0;
    for (let i = 0; i < b(2) * 512; i++) sum += b(i);
    expect(sum & 0xff).toBe(0);
    s.cfgWrite(0x30, 0xfebc0000); // enable bit clear: ROM no longer decoded
    expect(s.mmio.read(base, 2)).toBe(0xffff);
  });
});
