// fw_cfg as SeaBIOS drives it (QEMU docs/specs/fw_cfg.rst): selector/data ports, the file
// directory, DMA with READ/SKIP/SELECT/WRITE and the ERROR bit, and the PC items.
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../core/bus';
import {
  addLinuxBootItems,
  addPcFirmwareItems,
  FW_CFG_DMA_ERROR,
  FW_CFG_DMA_READ,
  FW_CFG_DMA_SELECT,
  FW_CFG_DMA_SKIP,
  FW_CFG_DMA_WRITE,
  FW_CFG_FILE_DIR,
  FW_CFG_ID,
  FW_CFG_KERNEL_SIZE,
  FW_CFG_MAX_CPUS,
  FW_CFG_NB_CPUS,
  FW_CFG_RAM_SIZE,
  FW_CFG_SETUP_DATA,
  FW_CFG_SIGNATURE,
  FwCfg,
  ideBootPath,
} from '../../../core/devices/fw-cfg';
import { GuestMemory } from '../../../core/memory';

function setup(dma = true) {
  const memory = GuestMemory.allocate(1 << 20);
  const fw = new FwCfg({ memory, dma });
  const ports = new PortBus();
  ports.register('fw-cfg', 0x510, 12, fw);
  const readItem = (key: number, n: number): Uint8Array => {
    ports.write(0x510, 2, key);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = ports.read(0x511, 1);
    return out;
  };
  /** Lay an FWCfgDmaAccess at `at` and kick it the way SeaBIOS does (one outl of the low half). */
  const dmaAccess = (at: number, control: number, length: number, addr: number): number => {
    memory.view.setUint32(at, control >>> 0, false);
    memory.view.setUint32(at + 4, length, false);
    memory.view.setUint32(at + 8, 0, false);
    memory.view.setUint32(at + 12, addr, false);
    // outl(cpu_to_be32(at), 0x518): the port sees the byte-swapped value.
    const swapped = ((at & 0xff) << 24) | ((at & 0xff00) << 8) | ((at >>> 8) & 0xff00) | (at >>> 24);
    ports.write(0x518, 4, swapped >>> 0);
    return memory.view.getUint32(at, false);
  };
  const files = (): Map<string, { size: number; key: number }> => {
    const count = new DataView(readItem(FW_CFG_FILE_DIR, 4).buffer).getUint32(0, false);
    const dir = readItem(FW_CFG_FILE_DIR, 4 + 64 * count);
    const dv = new DataView(dir.buffer);
    const m = new Map<string, { size: number; key: number }>();
    for (let i = 0; i < count; i++) {
      const at = 4 + 64 * i;
      let name = '';
      for (let c = 0; c < 56 && dir[at + 8 + c] !== 0; c++) name += String.fromCharCode(dir[at + 8 + c]!);
      m.set(name, { size: dv.getUint32(at, false), key: dv.getUint16(at + 4, false) });
    }
    return m;
  };
  return { memory, fw, ports, readItem, dmaAccess, files };
}

const text = (b: Uint8Array): string => String.fromCharCode(...b);

describe('fw_cfg traditional interface', () => {
  it('shows the "QEMU" signature and the feature bitmap SeaBIOS probes', () => {
    const { readItem } = setup();
    expect(text(readItem(FW_CFG_SIGNATURE, 4))).toBe('QEMU');
    expect(readItem(FW_CFG_ID, 4)).toEqual(Uint8Array.of(3, 0, 0, 0)); // traditional + DMA
    expect(setup(false).readItem(FW_CFG_ID, 4)).toEqual(Uint8Array.of(1, 0, 0, 0));
  });

  it('reads past the end of an item and absent items as zero; selecting resets the offset', () => {
    const { readItem, ports } = setup();
    expect(text(readItem(FW_CFG_SIGNATURE, 6))).toBe('QEMU\0\0');
    expect(readItem(0x1234, 3)).toEqual(new Uint8Array(3));
    ports.write(0x510, 2, FW_CFG_SIGNATURE);
    ports.read(0x511, 1);
    ports.write(0x510, 2, FW_CFG_SIGNATURE);
    expect(ports.read(0x511, 1)).toBe(0x51);
  });

  it('lists files in a big-endian directory sorted by name with their sizes and selectors', () => {
    const { fw, files, readItem } = setup();
    const kb = fw.addFile('zz/last', new Uint8Array(300));
    const ka = fw.addFile('bootorder', Uint8Array.of(0x2f, 0x0a, 0));
    const dir = files();
    expect([...dir.keys()]).toEqual(['bootorder', 'zz/last']);
    expect(dir.get('bootorder')).toEqual({ size: 3, key: ka });
    expect(dir.get('zz/last')).toEqual({ size: 300, key: kb });
    expect(ka).toBeGreaterThanOrEqual(0x20);
    expect(readItem(ka, 3)).toEqual(Uint8Array.of(0x2f, 0x0a, 0));
  });

  it('refuses duplicate and over-long file names with a clear error', () => {
    const { fw } = setup();
    fw.addFile('etc/e820', new Uint8Array(0));
    expect(() => fw.addFile('etc/e820', new Uint8Array(0))).toThrow(/fw-cfg: file etc\/e820 is already present/);
    expect(() => fw.addFile('x'.repeat(56), new Uint8Array(0))).toThrow(/1–55 printable/);
  });

  it('ignores writes to the data port (QEMU ≥ 2.4)', () => {
    const { fw, ports, readItem } = setup();
    const key = fw.addFile('etc/w', Uint8Array.of(1, 2), { writable: true });
    ports.write(0x510, 2, key | 0x4000);
    ports.write(0x511, 1, 0xee);
    expect(readItem(key, 2)).toEqual(Uint8Array.of(1, 2));
  });
});

describe('fw_cfg DMA interface', () => {
  it('reads "QEMU CFG" from the DMA address register', () => {
    const { ports } = setup();
    const bytes = [...Array(8).keys()].map((i) => ports.read(0x514 + i, 1));
    expect(String.fromCharCode(...bytes)).toBe('QEMU CFG');
    expect(ports.read(0x514, 4)).toBe(0x554d4551); // "QEMU" as the bytes of an inl
  });

  it('selects, skips and reads into guest memory, zero-filling past the end, and clears control', () => {
    const { fw, dmaAccess, memory } = setup();
    const key = fw.addFile('etc/blob', Uint8Array.from([...Array(10).keys()].map((i) => i + 1)));
    expect(dmaAccess(0x1000, (key << 16) | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP, 4, 0)).toBe(0);
    memory.u8.fill(0xaa, 0x2000, 0x2010);
    expect(dmaAccess(0x1000, FW_CFG_DMA_READ, 8, 0x2000)).toBe(0);
    expect(Array.from(memory.u8.subarray(0x2000, 0x2009))).toEqual([5, 6, 7, 8, 9, 10, 0, 0, 0xaa]);
    // The page the device wrote is dirty, so migration and consoles see it.
    expect(memory.dirtyBits[0]! & (1 << 2)).not.toBe(0);
  });

  it('sets the ERROR bit for a read outside RAM and for writes to read-only items', () => {
    const { fw, dmaAccess, memory } = setup();
    const key = fw.addFile('etc/ro', new Uint8Array(8));
    expect(dmaAccess(0x1000, (key << 16) | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 8, 0xfff_fff0) & FW_CFG_DMA_ERROR).toBe(FW_CFG_DMA_ERROR);
    memory.u8.fill(7, 0x3000, 0x3008);
    expect(dmaAccess(0x1000, (key << 16) | FW_CFG_DMA_SELECT | FW_CFG_DMA_WRITE, 8, 0x3000)).toBe(FW_CFG_DMA_ERROR);
    expect(fw.item(key)).toEqual(new Uint8Array(8));
  });

  it('writes guest bytes into a writable item and tells its owner', () => {
    const { fw, dmaAccess, memory } = setup();
    const seen: number[][] = [];
    const key = fw.addFile('etc/wr', new Uint8Array(4), { writable: true, onWrite: (d, off, len) => seen.push([off, len, d[off]!]) });
    memory.u8.set([9, 8], 0x3000);
    expect(dmaAccess(0x1000, (key << 16) | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP, 1, 0)).toBe(0);
    expect(dmaAccess(0x1000, FW_CFG_DMA_WRITE, 2, 0x3000)).toBe(0);
    expect(fw.item(key)).toEqual(Uint8Array.of(0, 9, 8, 0));
    expect(seen).toEqual([[1, 2, 9]]);
    expect(dmaAccess(0x1000, FW_CFG_DMA_WRITE, 2, 0x3000)).toBe(FW_CFG_DMA_ERROR); // offset 3 + 2 > 4
  });

  it('ignores a DMA descriptor outside RAM without throwing', () => {
    const { ports } = setup();
    expect(() => {
      ports.write(0x514, 4, 0x01000000);
      ports.write(0x518, 4, 0);
      ports.write(0x518, 4, 0xf0ff0f00);
    }).not.toThrow();
  });

  it('survives save/restore mid-item', () => {
    const a = setup();
    const key = a.fw.addFile('etc/x', Uint8Array.of(1, 2, 3));
    a.ports.write(0x510, 2, key);
    a.ports.read(0x511, 1);
    const b = setup();
    b.fw.addFile('etc/x', Uint8Array.of(1, 2, 3));
    b.fw.restore(JSON.parse(JSON.stringify(a.fw.save())));
    expect(b.ports.read(0x511, 1)).toBe(2);
    expect(() => b.fw.restore({ version: 9 } as never)).toThrow(/fw-cfg: saved state version 9/);
  });
});

describe('PC firmware items', () => {
  it('carries RAM size, CPU counts, e820, boot order and boot-fail-wait in the encodings SeaBIOS reads', () => {
    const { fw, readItem, files } = setup();
    addPcFirmwareItems(fw, {
      ramBytes: 256 << 20,
      cpus: 1,
      e820: [
        { address: 0, length: 0x9fc00, type: 1 },
        { address: 0x100000, length: (256 << 20) - 0x100000, type: 1 },
      ],
      bootOrder: [ideBootPath(1, 0), ideBootPath(0, 0)],
      bootFailWaitMs: 1000,
    });
    expect(new DataView(readItem(FW_CFG_RAM_SIZE, 8).buffer).getBigUint64(0, true)).toBe(256n << 20n);
    expect(readItem(FW_CFG_NB_CPUS, 2)).toEqual(Uint8Array.of(1, 0));
    expect(readItem(FW_CFG_MAX_CPUS, 2)).toEqual(Uint8Array.of(1, 0));
    const dir = files();
    const e820 = readItem(dir.get('etc/e820')!.key, dir.get('etc/e820')!.size);
    expect(e820.length).toBe(40);
    const dv = new DataView(e820.buffer);
    expect(dv.getBigUint64(20, true)).toBe(0x100000n);
    expect(dv.getBigUint64(28, true)).toBe(BigInt((256 << 20) - 0x100000));
    expect(dv.getUint32(36, true)).toBe(1);
    const order = readItem(dir.get('bootorder')!.key, dir.get('bootorder')!.size);
    expect(text(order)).toBe('/pci@i0cf8/ide@1,1/drive@1/disk@0\n/pci@i0cf8/ide@1,1/drive@0/disk@0\n\0');
    expect(readItem(dir.get('etc/boot-fail-wait')!.key, 4)).toEqual(Uint8Array.of(0xe8, 3, 0, 0));
    expect(dir.get('etc/system-states')!.size).toBe(6);
    expect(dir.has('etc/table-loader')).toBe(false); // no tables: SeaBIOS builds its own
  });

  it('exposes the split kernel for a linuxboot option ROM', () => {
    const { fw, readItem } = setup();
    addLinuxBootItems(fw, { setup: Uint8Array.of(1, 2, 3), setupAddr: 0x90000, kernel: new Uint8Array(5000), kernelAddr: 0x100000, cmdline: 'console=ttyS0' });
    expect(readItem(FW_CFG_SETUP_DATA, 3)).toEqual(Uint8Array.of(1, 2, 3));
    expect(readItem(FW_CFG_KERNEL_SIZE, 4)).toEqual(Uint8Array.of(0x88, 0x13, 0, 0));
  });
});
