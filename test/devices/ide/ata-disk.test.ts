// ATA disks on the PIIX3 IDE as a driver sees them: PCI identity, IDENTIFY DEVICE words
// libata checks (ATA/ATAPI-6 §8.15), PIO single/multiple sectors LBA28/LBA48/CHS, error
// codes, device selection, SRST, nIEN and EXECUTE DEVICE DIAGNOSTIC.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AtaDisk, AtapiCdrom } from '../../../core/devices/ide';
import { RawBackend } from '../../../core/storage';
import { idString, idWord, machine, rawDisk, tempDir } from './ide-harness';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A disk whose sector n starts with the 32-bit value n. */
function patternDisk(name: string, mib = 8) {
  return rawDisk(tmp.dir, name, mib << 20, (buf) => {
    const dv = new DataView(buf.buffer);
    for (let s = 0; s < buf.length / 512; s++) {
      dv.setUint32(s * 512, s, true);
      buf.fill(s & 0xff, s * 512 + 4, s * 512 + 512);
    }
  });
}

const sectorTag = (data: Uint8Array, i: number): number => new DataView(data.buffer, data.byteOffset).getUint32(i * 512, true);

describe('PIIX3 IDE PCI function', () => {
  it('is 8086:7010 at 00:01.1, class 01 01 80, with a 16-port BAR4 and IDE decode enabled', () => {
    const m = machine({});
    expect(m.cfgRead(0x00)).toBe(0x70108086);
    expect(m.cfgRead(0x08) >>> 8).toBe(0x010180);
    m.cfgWrite(0x20, 4, 0xffffffff);
    expect(m.cfgRead(0x20)).toBe(0xfffffff1); // I/O BAR, 16 bytes
    for (const bar of [0x10, 0x14, 0x18, 0x1c]) {
      m.cfgWrite(bar, 4, 0xffffffff);
      expect(m.cfgRead(bar)).toBe(0); // compatibility mode: no BAR0–3
    }
    expect(m.cfgRead(0x41, 1) & 0x80).toBe(0x80);
    expect(m.cfgRead(0x43, 1) & 0x80).toBe(0x80);
  });

  it('decodes the bus-master block where the BIOS puts BAR4 once I/O space is on', () => {
    const disk = new AtaDisk(patternDisk('bm.img', 1));
    const m = machine({ primaryMaster: disk });
    m.cfgWrite(0x20, 4, 0xc000);
    expect(m.ports.read(0xc002, 1)).toBe(0xff); // not decoded yet
    m.cfgWrite(0x04, 2, 0x0005);
    expect(m.ide.busMasterBase).toBe(0xc000);
    expect(m.ports.read(0xc002, 1)).toBe(0x20); // drive 0 DMA capable
    expect(m.ports.read(0xc00a, 1)).toBe(0x00);
    m.cfgWrite(0x20, 4, 0xd000);
    expect(m.ports.read(0xc002, 1)).toBe(0xff);
    expect(m.ports.read(0xd002, 1)).toBe(0x20);
  });
});

describe('IDENTIFY DEVICE', () => {
  it('reports the words libata checks: ATA device, LBA, capacity, multiple, DMA modes, strings, checksum', () => {
    const backend = patternDisk('id.img', 16);
    const m = machine({ primaryMaster: new AtaDisk(backend, { model: 'VMDESK TEST DISK', serial: 'SN123', firmware: 'FW1' }) });
    const h = m.ch(0);
    h.command(0xec);
    expect(m.irq14.level).toBe(true);
    const { data: id } = h.pioIn(512, 512);
    expect(h.status() & 0x08).toBe(0);
    expect(idWord(id, 0) & 0x8000).toBe(0); // ata_id_is_ata
    expect(idWord(id, 49) & 0x0300).toBe(0x0300); // LBA and DMA
    expect(idWord(id, 83) & 0xc000).toBe(0x4000); // words 82-84 valid
    expect(idWord(id, 83) & 0x0400).toBe(0x0400); // LBA48
    expect(idWord(id, 83) & 0x3000).toBe(0x3000); // FLUSH CACHE (EXT)
    const sectors = (16 << 20) / 512;
    expect(idWord(id, 60) | (idWord(id, 61) << 16)).toBe(sectors);
    expect(idWord(id, 100) + idWord(id, 101) * 65536).toBe(sectors);
    expect([idWord(id, 1), idWord(id, 3), idWord(id, 6)]).toEqual([Math.floor(sectors / 1008), 16, 63]);
    expect(idWord(id, 47) & 0xff).toBe(16);
    expect(idWord(id, 59)).toBe(0x0110);
    expect(idWord(id, 63) & 0x07).toBe(0x07);
    expect(idWord(id, 88) & 0x3f).toBe(0x3f);
    expect(idWord(id, 53) & 0x06).toBe(0x06);
    expect(idString(id, 27, 20)).toBe('VMDESK TEST DISK');
    expect(idString(id, 10, 10)).toBe('SN123');
    expect(idString(id, 23, 4)).toBe('FW1');
    expect(id[510]).toBe(0xa5);
    expect(id.reduce((a, b) => (a + b) & 0xff, 0)).toBe(0); // integrity word
  });

  it('caps the LBA28 capacity and carries the full size in words 100–103 for a 200 GiB disk', () => {
    const backend = rawDisk(tmp.dir, 'big.img', 200 * 2 ** 30);
    const m = machine({ primaryMaster: new AtaDisk(backend) });
    const h = m.ch(0);
    h.command(0xec);
    const { data: id } = h.pioIn(512, 512);
    expect(idWord(id, 60) | (idWord(id, 61) << 16)).toBe(0x0fffffff);
    const total = idWord(id, 100) + idWord(id, 101) * 2 ** 16 + idWord(id, 102) * 2 ** 32;
    expect(total).toBe((200 * 2 ** 30) / 512);
    expect(idWord(id, 1)).toBe(16383);
  });

  it('shows the transfer mode SET FEATURES chose and the multiple count SET MULTIPLE set', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('sf.img', 1)) });
    const h = m.ch(0);
    h.command(0xef, { feature: 0x03, count: 0x42 }); // UDMA 2
    expect(h.status()).toBe(0x50);
    h.command(0xc6, { count: 4 });
    expect(h.status()).toBe(0x50);
    h.command(0xec);
    const { data: id } = h.pioIn(512, 512);
    expect(idWord(id, 88) >> 8).toBe(0x04);
    expect(idWord(id, 63) >> 8).toBe(0);
    expect(idWord(id, 59)).toBe(0x0104);
    h.command(0xef, { feature: 0x03, count: 0x47 }); // UDMA 7 does not exist
    expect(h.status() & 0x01).toBe(1);
    expect(h.error()).toBe(0x04);
    h.command(0xc6, { count: 3 }); // not a power of two
    expect(h.error()).toBe(0x04);
  });
});

describe('PIO reads and writes', () => {
  it('READ SECTORS interrupts once per sector and returns the sectors asked for', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('r.img')) });
    const h = m.ch(0);
    h.command(0x20, { lba: 100, count: 3 });
    const { data } = h.pioIn(3 * 512, 512);
    expect(m.irq14.edges).toBe(3);
    expect([0, 1, 2].map((i) => sectorTag(data, i))).toEqual([100, 101, 102]);
    expect(data[1 * 512 + 7]).toBe(101);
    expect(h.status()).toBe(0x50);
  });

  it('count 0 means 256 sectors', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('r256.img')) });
    const h = m.ch(0);
    h.command(0x20, { lba: 10, count: 0 });
    const { data } = h.pioIn(256 * 512, 512);
    expect(sectorTag(data, 255)).toBe(265);
  });

  it('WRITE SECTORS lands in the image file and interrupts after each sector', () => {
    const backend = patternDisk('w.img');
    const m = machine({ primaryMaster: new AtaDisk(backend) });
    const h = m.ch(0);
    h.command(0x30, { lba: 7, count: 2 });
    expect(m.irq14.edges).toBe(0); // no interrupt before the first block
    const payload = new Uint8Array(1024).map((_, i) => (i * 7) & 0xff);
    expect(h.alt() & 0x08).toBe(0x08);
    h.writeWords(payload.subarray(0, 512));
    expect(m.irq14.edges).toBe(1);
    h.writeWords(payload.subarray(512));
    expect(m.irq14.edges).toBe(2);
    expect(h.status()).toBe(0x50);
    const file = readFileSync(join(tmp.dir, 'w.img'));
    expect(Buffer.compare(file.subarray(7 * 512, 9 * 512), Buffer.from(payload))).toBe(0);
  });

  it('READ/WRITE MULTIPLE move whole blocks per interrupt; with multiple mode off they abort', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('mul.img')) });
    const h = m.ch(0);
    h.command(0xc6, { count: 4 });
    const before = m.irq14.edges;
    h.command(0xc4, { lba: 20, count: 10 });
    const { data } = h.pioIn(10 * 512, 4 * 512);
    expect(m.irq14.edges - before).toBe(3); // 4 + 4 + 2 sectors
    expect(sectorTag(data, 9)).toBe(29);
    h.command(0xc5, { lba: 40, count: 5 });
    h.writeWords(new Uint8Array(4 * 512).fill(0xab));
    h.writeWords(new Uint8Array(512).fill(0xcd));
    expect(h.status()).toBe(0x50);
    h.command(0x20, { lba: 43, count: 2 });
    const back = h.pioIn(1024, 512).data;
    expect([back[0], back[600]]).toEqual([0xab, 0xcd]);
    h.command(0xc6, { count: 0 });
    h.command(0xc4, { lba: 0, count: 1 });
    expect(h.status() & 0x09).toBe(0x01);
    expect(h.error()).toBe(0x04);
  });

  it('READ/WRITE SECTORS EXT address beyond 2^28 sectors on a 200 GiB disk', () => {
    const backend = rawDisk(tmp.dir, 'big48.img', 200 * 2 ** 30);
    const m = machine({ primaryMaster: new AtaDisk(backend) });
    const h = m.ch(0);
    const lba = 0x10000000 + 0x1234; // needs bit 28
    h.command(0x34, { lba, count: 1, ext: true });
    const payload = new Uint8Array(512).fill(0x5a);
    h.writeWords(payload);
    expect(h.status()).toBe(0x50);
    const check = new Uint8Array(512);
    backend.readSectors(lba as never, 1, check);
    expect(check).toEqual(payload);
    h.command(0x24, { lba, count: 1, ext: true });
    expect(h.pioIn(512, 512).data).toEqual(payload);
    // HOB reads back the high-order bytes written first.
    h.command(0x24, { lba: 0x0102030405, count: 0x0201, ext: true });
    m.ports.write(0x3f6, 1, 0x80);
    expect([h.reg(2), h.reg(3), h.reg(4), h.reg(5)]).toEqual([0x02, 0x02, 0x01, 0x00]);
  });

  it('CHS addressing follows INITIALIZE DEVICE PARAMETERS', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('chs.img')) });
    const h = m.ch(0);
    // Default 16 heads x 63 sectors: C/H/S 1/3/4 = (1*16+3)*63+3.
    const p = m.ports;
    const chs = (c: number, hd: number, s: number): void => {
      p.write(0x1f2, 1, 1);
      p.write(0x1f3, 1, s);
      p.write(0x1f4, 1, c & 0xff);
      p.write(0x1f5, 1, c >> 8);
      p.write(0x1f6, 1, 0xa0 | hd);
      p.write(0x1f7, 1, 0x20);
    };
    chs(1, 3, 4);
    expect(sectorTag(h.pioIn(512, 512).data, 0)).toBe((1 * 16 + 3) * 63 + 3);
    h.command(0x91, { count: 32, device: 0xa0 | 7 }); // 8 heads, 32 sectors
    expect(h.status()).toBe(0x50);
    chs(1, 2, 5);
    expect(sectorTag(h.pioIn(512, 512).data, 0)).toBe((1 * 8 + 2) * 32 + 4);
    chs(0, 0, 0); // sector 0 does not exist
    expect(h.error()).toBe(0x10);
  });
});

describe('errors, selection and resets', () => {
  it('IDNF past the end, ABRT for unknown commands, ERR in status, INTRQ raised', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('e.img', 1)) });
    const h = m.ch(0);
    h.command(0x20, { lba: 2047, count: 2 });
    expect(m.irq14.level).toBe(true);
    expect(h.status()).toBe(0x51);
    expect(m.irq14.level).toBe(false); // reading status clears INTRQ
    expect(h.error()).toBe(0x10);
    h.command(0xb0); // SMART is not offered
    expect(h.status()).toBe(0x51);
    expect(h.error()).toBe(0x04);
    h.command(0xa1); // IDENTIFY PACKET DEVICE on a disk
    expect(h.error()).toBe(0x04);
    h.command(0x20, { lba: 2047, count: 1 }); // the last sector is fine
    expect(h.pioIn(512, 512).data.length).toBe(512);
  });

  it('IDLE, STANDBY, FLUSH CACHE (+EXT), CHECK POWER MODE and SEEK complete with an interrupt', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('idle.img', 1)) });
    const h = m.ch(0);
    for (const cmd of [0xe3, 0xe1, 0xe2, 0xe0, 0xe7, 0xea, 0x70, 0x10]) {
      const before = m.irq14.edges;
      h.command(cmd);
      expect(m.irq14.edges).toBe(before + 1);
      expect(h.status()).toBe(0x50);
    }
    h.command(0xe5);
    expect(h.reg(2)).toBe(0xff);
  });

  it('an absent slave reads status 0 and ignores commands; the master still answers', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('ms.img', 1)) });
    const h = m.ch(0);
    h.select(1);
    expect(h.status()).toBe(0);
    expect(h.alt()).toBe(0);
    h.command(0xec, { unit: 1 });
    expect(m.irq14.edges).toBe(0);
    expect(h.status()).toBe(0);
    h.select(0);
    expect(h.status()).toBe(0x50);
    // An empty channel reads zero everywhere (QEMU behaviour, which Linux and SeaBIOS expect).
    const s = m.ch(1);
    m.ports.write(0x172, 1, 0x55);
    expect([s.status(), s.reg(2)]).toEqual([0, 0]);
  });

  it('SRST shows BSY, then device signatures: ATA 00/00, ATAPI 14/EB, no device FF/FF', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('sr.img', 1)), primarySlave: new AtapiCdrom() });
    const h = m.ch(0);
    h.command(0x20, { lba: 0, count: 4 }); // a transfer in flight is cancelled
    m.ports.write(0x3f6, 1, 0x04);
    expect(h.alt() & 0x80).toBe(0x80);
    m.ports.write(0x3f6, 1, 0x00);
    expect(h.status()).toBe(0x50);
    expect([h.error(), h.reg(2), h.reg(3), h.reg(4), h.reg(5)]).toEqual([0x01, 1, 1, 0, 0]);
    h.select(1, 0);
    expect([h.reg(2), h.reg(3), h.reg(4), h.reg(5)]).toEqual([1, 1, 0x14, 0xeb]);
    expect(h.status()).toBe(0); // ATAPI: DRDY clear after reset
    const solo = machine({ primaryMaster: new AtaDisk(patternDisk('solo.img', 1)) }).ch(0);
    solo.ports.write(0x3f6, 1, 4);
    solo.ports.write(0x3f6, 1, 0);
    solo.select(1, 0);
    expect([solo.reg(4), solo.reg(5)]).toEqual([0xff, 0xff]);
  });

  it('nIEN keeps INTRQ off the line; clearing it lets a pending interrupt through', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('nien.img', 1)) });
    const h = m.ch(0);
    m.ports.write(0x3f6, 1, 0x02);
    h.command(0xe7);
    expect(m.irq14.level).toBe(false);
    m.ports.write(0x3f6, 1, 0x00);
    expect(m.irq14.level).toBe(true);
    h.status();
    expect(m.irq14.level).toBe(false);
  });

  it('EXECUTE DEVICE DIAGNOSTIC reports "passed" from device 0 and interrupts', () => {
    const m = machine({ primaryMaster: new AtaDisk(patternDisk('diag.img', 1)) });
    const h = m.ch(0);
    h.select(1);
    m.ports.write(0x1f7, 1, 0x90);
    expect(m.irq14.edges).toBe(1);
    expect(h.status()).toBe(0x50); // device 0 selected again
    expect(h.error()).toBe(0x01);
  });

  it('a read-only disk refuses writes with ABRT and keeps its bytes', () => {
    const backend = patternDisk('ro.img', 1);
    backend.dispose();
    const ro = RawBackend.open(join(tmp.dir, 'ro.img'), { readOnly: true });
    const m = machine({ primaryMaster: new AtaDisk(ro) });
    const h = m.ch(0);
    h.command(0x30, { lba: 1, count: 1 });
    expect(h.status()).toBe(0x51);
    expect(h.error()).toBe(0x04);
  });
});
