// A guest writing garbage to the IDE controller, the VGA and fw_cfg hurts only itself:
// random accesses of every size to every register, window and BAR never throw, the
// renderer still draws, and saved state still round-trips.
import { describe, expect, it } from 'vitest';
import { type AccessSize, MmioBus, PortBus } from '../../../core/bus';
import { AtaDisk, AtapiCdrom, attachIde, attachVga, FwCfg, PciBus, PciConfigMechanism1, PciVga, Piix3Ide, Vga, VgaRenderer } from '../../../core/devices';
import { GuestMemory } from '../../../core/memory';
import type { BlockBackend } from '../../../core/storage';

/** An in-memory disk (the BlockBackend contract, no file). */
function memoryDisk(sectors: number, readOnly = false): BlockBackend {
  const data = new Uint8Array(sectors * 512);
  const check = (lba: number, count: number): void => {
    if (lba < 0 || lba + count > sectors) throw new RangeError(`mem: sectors ${lba}+${count} outside 0..${sectors}`);
  };
  return {
    sectorCount: sectors,
    sizeBytes: sectors * 512,
    readOnly,
    readSectors: (lba, count, buf, offset = 0) => {
      check(lba, count);
      buf.set(data.subarray(lba * 512, (lba + count) * 512), offset);
    },
    writeSectors: (lba, count, buf, offset = 0) => {
      check(lba, count);
      data.set(buf.subarray(offset, offset + count * 512), lba * 512);
    },
    flush: () => {},
    discard: () => {},
    allocationRun: (_lba, max) => ({ allocated: true, sectors: max }),
    dispose: () => {},
  };
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

describe('IDE, VGA and fw_cfg under random guest pokes', () => {
  it('never throw, and keep working afterwards', () => {
    const memory = GuestMemory.allocate(2 << 20);
    const ports = new PortBus();
    const mmio = new MmioBus();
    const pci = new PciBus();
    ports.register('pci', 0xcf8, 8, new PciConfigMechanism1({ bus: pci, onReset: () => {} }));
    const none = { setLevel() {} };
    const ide = new Piix3Ide({ memory, irqPrimary: none, irqSecondary: none, primaryMaster: new AtaDisk(memoryDisk(2048)), secondaryMaster: new AtapiCdrom({ medium: memoryDisk(4096, true) }) });
    attachIde(ports, pci, ide);
    const vga = new Vga({ vramBytes: 4 << 20 });
    attachVga(ports, mmio, pci, new PciVga({ vga, rom: Uint8Array.of(0x55, 0xaa, 1) }));
    const fw = new FwCfg({ memory });
    fw.addFile('etc/x', new Uint8Array(64), { writable: true });
    ports.register('fw-cfg', 0x510, 12, fw);
    const renderer = new VgaRenderer(vga);
    const r = rng(7);
    const portList = [0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7, 0x3f6, 0x170, 0x177, 0x376, 0xc000, 0xc002, 0xc004, 0xc008, 0xc00a, 0xc00c, 0x1ce, 0x1cf, 0x510, 0x511, 0x514, 0x518, 0xcf8, 0xcfc];
    for (let p = 0x3b0; p < 0x3e0; p++) portList.push(p);
    const sizes: AccessSize[] = [1, 2, 4];
    // Give the bus master a home so its registers are reachable.
    ports.write(0xcf8, 4, 0x80000000 | (1 << 11) | (1 << 8) | 0x20);
    ports.write(0xcfc, 4, 0xc000);
    ports.write(0xcf8, 4, 0x80000000 | (1 << 11) | (1 << 8) | 0x04);
    ports.write(0xcfc, 2, 5);
    expect(() => {
      for (let i = 0; i < 60_000; i++) {
        const port = portList[r() % portList.length]!;
        const size = sizes[r() % 3]!;
        let v = r();
        if (port === 0xcf8) v = 0x80000000 | (r() & 0x0000fffc); // stay on bus 0
        if (r() & 1) ports.write(port, size, v);
        else ports.read(port, size);
        if ((i & 15) === 0) mmio.write(0xa0000 + (r() % 0x20000), sizes[r() % 3]!, r());
        if ((i & 255) === 0) renderer.update(i);
      }
    }).not.toThrow();
    // Still alive: IDENTIFY answers on the primary master after an SRST.
    ports.write(0x3f6, 1, 0x04);
    ports.write(0x3f6, 1, 0x00);
    ports.write(0x1f6, 1, 0xa0);
    ports.write(0x1f7, 1, 0xec);
    expect(ports.read(0x1f7, 1) & 0x08).toBe(0x08);
    expect(() => ide.restore(JSON.parse(JSON.stringify(ide.save())))).not.toThrow();
    expect(() => vga.restore(JSON.parse(JSON.stringify(vga.save())))).not.toThrow();
    expect(() => fw.restore(JSON.parse(JSON.stringify(fw.save())))).not.toThrow();
  });
});
