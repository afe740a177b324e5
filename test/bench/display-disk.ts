// Costs of the display and disk device paths: VGA legacy-window writes (planar write mode 0,
// chain-4, text odd/even), linear-framebuffer writes, frame rendering (full redraw, one changed
// cell, nothing changed), IDE PIO data-port reads and bus-master DMA. Prints figures; no thresholds.
// Run: npx tsx test/bench/display-disk.ts
import { MmioBus, PortBus } from '../../core/bus';
import { AtaDisk, attachIde, PciBus, PciConfigMechanism1, Piix3Ide, Vga, VgaRenderer } from '../../core/devices';
import { GuestMemory } from '../../core/memory';
import type { BlockBackend } from '../../core/storage';
import { MODE_03H, MODE_12H, MODE_13H, setMode } from '../devices/vga/vga-modes';

function bench(name: string, iterations: number, body: (i: number) => void, unit = 'ns/op', scale = 1): void {
  for (let i = 0; i < Math.min(iterations, 50_000); i++) body(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body(i);
  const ns = Number(process.hrtime.bigint() - t0) / iterations;
  console.log(`${name.padEnd(52)} ${(ns * scale).toFixed(1).padStart(10)} ${unit}`);
}

const vga = new Vga();
const ports = new PortBus();
const mmio = new MmioBus();
ports.register('vga', 0x3b0, 0x30, vga.ioPorts);
ports.register('vbe', 0x1ce, 2, vga.vbePorts);
mmio.register('win', 0xa0000, 0x20000, vga.legacyWindow);
const renderer = new VgaRenderer(vga);

setMode(ports, MODE_12H);
bench('planar write mode 0 (byte, via MmioBus)', 2_000_000, (i) => mmio.write(0xa0000 + (i % 38400), 1, i));
setMode(ports, MODE_13H);
bench('chain-4 write (byte, via MmioBus)', 2_000_000, (i) => mmio.write(0xa0000 + (i % 64000), 1, i));
setMode(ports, MODE_03H);
bench('text odd/even write (byte, via MmioBus)', 2_000_000, (i) => mmio.write(0xb8000 + (i % 4000), 1, i));
bench('LFB write (dword, device direct)', 5_000_000, (i) => vga.lfb.writeMmio((i * 4) & 0xffffff, 4, i));

renderer.update(0);
bench('text 80x25 frame, one cell changed', 2_000, (i) => {
  vga.legacyWindow.writeMmio(0x18000 + ((i * 2) % 4000), 1, 0x41 + (i & 7));
  renderer.update(0);
}, 'µs/frame', 1e-3);
bench('text 80x25 frame, nothing changed', 20_000, () => renderer.update(0), 'µs/frame', 1e-3);
bench('text 80x25 frame, full redraw (register write)', 500, (i) => {
  ports.write(0x3c2, 1, 0x67);
  renderer.update(i);
}, 'µs/frame', 1e-3);
const dispi = (i: number, v: number): void => {
  ports.write(0x1ce, 2, i);
  ports.write(0x1cf, 2, v);
};
dispi(1, 1024);
dispi(2, 768);
dispi(3, 32);
dispi(4, 0x41);
renderer.update();
bench('VBE 1024x768x32 frame, full redraw', 100, (i) => {
  vga.vram32.fill(i, 0, 1024 * 768);
  vga.dirty.markRange(0, 1024 * 768 * 4);
  renderer.update();
}, 'ms/frame', 1e-6);
bench('VBE 1024x768x32 frame, 64 pixels changed', 5_000, (i) => {
  for (let k = 0; k < 64; k++) vga.lfb.writeMmio(((i * 64 + k) * 4) % (1024 * 768 * 4), 4, i);
  renderer.update();
}, 'µs/frame', 1e-3);

// IDE: an in-memory disk behind the real channel.
const sectors = 1 << 15;
const image = new Uint8Array(sectors * 512);
const disk: BlockBackend = {
  sectorCount: sectors,
  sizeBytes: sectors * 512,
  readOnly: false,
  readSectors: (lba, count, buf, off = 0) => buf.set(image.subarray(lba * 512, (lba + count) * 512), off),
  writeSectors: (lba, count, buf, off = 0) => image.set(buf.subarray(off, off + count * 512), lba * 512),
  flush: () => {},
  discard: () => {},
  allocationRun: (_l, max) => ({ allocated: true, sectors: max }),
  dispose: () => {},
};
const memory = GuestMemory.allocate(8 << 20);
const iports = new PortBus();
const pci = new PciBus();
iports.register('pci', 0xcf8, 8, new PciConfigMechanism1({ bus: pci, onReset: () => {} }));
const ide = new Piix3Ide({ memory, irqPrimary: { setLevel() {} }, irqSecondary: { setLevel() {} }, primaryMaster: new AtaDisk(disk) });
attachIde(iports, pci, ide);
const cmd = (c: number, lba: number, count: number): void => {
  iports.write(0x1f2, 1, count & 0xff);
  iports.write(0x1f3, 1, lba & 0xff);
  iports.write(0x1f4, 1, (lba >> 8) & 0xff);
  iports.write(0x1f5, 1, (lba >> 16) & 0xff);
  iports.write(0x1f6, 1, 0xe0);
  iports.write(0x1f7, 1, c);
};
{
  const t0 = process.hrtime.bigint();
  const n = 200;
  for (let i = 0; i < n; i++) {
    cmd(0x20, (i * 256) % (sectors - 256), 0);
    for (let w = 0; w < 256 * 256; w++) iports.read(0x1f0, 2);
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${'ATA PIO read throughput'.padEnd(52)} ${((n * 128 * 1024) / s / 1e6).toFixed(1).padStart(10)} MB/s`);
}
iports.write(0xcf8, 4, 0x80000000 | (1 << 11) | (1 << 8) | 0x20);
iports.write(0xcfc, 4, 0xc000);
iports.write(0xcf8, 4, 0x80000000 | (1 << 11) | (1 << 8) | 0x04);
iports.write(0xcfc, 2, 5);
for (let k = 0; k < 16; k++) {
  memory.view.setUint32(0x1000 + 8 * k, 0x100000 + k * 0x10000, true);
  memory.view.setUint32(0x1004 + 8 * k, k === 15 ? 0x80000000 : 0, true);
}
{
  const t0 = process.hrtime.bigint();
  const n = 200;
  for (let i = 0; i < n; i++) {
    iports.write(0xc004, 4, 0x1000);
    iports.write(0xc000, 1, 0x08);
    iports.write(0x1f2, 1, 0x08); // 2048 sectors = 1 MiB with READ DMA EXT
    iports.write(0x1f3, 1, 0);
    iports.write(0x1f4, 1, 0);
    iports.write(0x1f5, 1, 0);
    iports.write(0x1f2, 1, 0);
    iports.write(0x1f3, 1, 0);
    iports.write(0x1f4, 1, 0);
    iports.write(0x1f5, 1, 0);
    iports.write(0x1f6, 1, 0xe0);
    iports.write(0x1f7, 1, 0x25);
    iports.write(0xc000, 1, 0x09);
    iports.write(0xc000, 1, 0x00);
    iports.read(0x1f7, 1);
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${'ATA READ DMA EXT 1 MiB throughput'.padEnd(52)} ${((n * 1024 * 1024) / s / 1e6).toFixed(1).padStart(10)} MB/s`);
}
