// The ATAPI CD-ROM over a real ISO 9660 image made with xorriso: IDENTIFY PACKET DEVICE,
// the packet commands Linux's sr and SeaBIOS send (SFF-8020i, MMC-3), byte-count-limited
// PIO, DMA, media change with UNIT ATTENTION, locking and eject.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtaDisk, AtapiCdrom } from '../../../core/devices/ide';
import { RawBackend } from '../../../core/storage';
import { be16, be32, idString, idWord, machine, rawDisk, tempDir } from './ide-harness';

const tmp = tempDir();
let isoPath = '';
const hello = Buffer.from('hello from the ISO 9660 image\n'.repeat(300)); // 9000 bytes: five CD sectors
afterAll(() => tmp.cleanup());
beforeAll(() => {
  const root = join(tmp.dir, 'root');
  mkdirSync(root);
  writeFileSync(join(root, 'HELLO.TXT'), hello);
  isoPath = join(tmp.dir, 'test.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'VMDESKTEST', '-o', isoPath, root], { stdio: 'ignore' });
});

function setup(withMedium = true) {
  const medium = withMedium ? RawBackend.open(isoPath, { readOnly: true }) : undefined;
  const ejected: number[] = [];
  const cd = new AtapiCdrom({ medium, onEject: () => ejected.push(1) });
  const m = machine({ primaryMaster: new AtaDisk(rawDisk(tmp.dir, `d${Math.random()}.img`, 1 << 20)), secondaryMaster: cd });
  return { m, cd, h: m.ch(1), ejected, medium };
}

const read10 = (lba: number, n: number): number[] => [0x28, 0, lba >>> 24, (lba >> 16) & 0xff, (lba >> 8) & 0xff, lba & 0xff, 0, n >> 8, n & 0xff];
const sense = (h: ReturnType<typeof setup>['h']): [number, number, number] => {
  const r = h.packet([0x03, 0, 0, 0, 18]);
  return [r.data[2]! & 0xf, r.data[12]!, r.data[13]!];
};

describe('ATAPI identification', () => {
  it('aborts IDENTIFY DEVICE with the packet signature, answers IDENTIFY PACKET DEVICE', () => {
    const { h, m } = setup();
    h.command(0xec);
    expect(h.status() & 0x01).toBe(1);
    expect(h.error()).toBe(0x04);
    expect([h.reg(4), h.reg(5)]).toEqual([0x14, 0xeb]);
    h.command(0xa1);
    expect(m.irq15.level).toBe(true);
    const { data: id } = h.pioIn(512, 512);
    expect(idWord(id, 0)).toBe(0x85c0); // ATAPI, CD-ROM, removable, 12-byte packets
    expect(idWord(id, 0) & 0x60).not.toBe(0x20); // no interrupt before the packet
    expect(idWord(id, 49) & 0x0200).toBe(0x0200);
    expect(idString(id, 27, 20)).toBe('VMDESK CD-ROM');
    expect(id.reduce((a, b) => (a + b) & 0xff, 0)).toBe(0);
  });

  it('INQUIRY says removable CD-ROM with vendor and product', () => {
    const { h } = setup();
    const r = h.packet([0x12, 0, 0, 0, 36]);
    expect(r.status).toBe(0x50);
    expect(h.reg(2) & 3).toBe(3); // command complete: IO and CoD
    expect([r.data[0], r.data[1]]).toEqual([0x05, 0x80]);
    expect(Buffer.from(r.data.subarray(8, 16)).toString()).toBe('VMDESK  ');
    expect(Buffer.from(r.data.subarray(16, 32)).toString().trim()).toBe('VMDESK CD-ROM');
  });
});

describe('reading the ISO', () => {
  it('READ CAPACITY gives the last LBA and 2048-byte blocks', () => {
    const { h, medium } = setup();
    const r = h.packet([0x25]);
    expect(be32(r.data, 0)).toBe(medium!.sizeBytes / 2048 - 1);
    expect(be32(r.data, 4)).toBe(2048);
  });

  it('READ(10) of sector 16 is the primary volume descriptor; the file reads back through the root directory', () => {
    const { h } = setup();
    const pvd = h.packet(read10(16, 1)).data;
    expect(pvd[0]).toBe(1);
    expect(Buffer.from(pvd.subarray(1, 6)).toString()).toBe('CD001');
    expect(Buffer.from(pvd.subarray(40, 50)).toString()).toBe('VMDESKTEST');
    // Root directory record at PVD offset 156: extent (LE at +2), size (LE at +10).
    const dv = new DataView(pvd.buffer, pvd.byteOffset);
    const rootLba = dv.getUint32(156 + 2, true);
    const dir = h.packet(read10(rootLba, 1)).data;
    let at = 0;
    let file: { lba: number; size: number } | undefined;
    while (at < dir.length && dir[at]! > 0) {
      const len = dir[at]!;
      const name = Buffer.from(dir.subarray(at + 33, at + 33 + dir[at + 32]!)).toString();
      if (name.startsWith('HELLO.TXT')) file = { lba: new DataView(dir.buffer, dir.byteOffset).getUint32(at + 2, true), size: new DataView(dir.buffer, dir.byteOffset).getUint32(at + 10, true) };
      at += len;
    }
    expect(file?.size).toBe(hello.length);
    // READ(12) with a 1000-byte limit: blocks of at most 1000 bytes, each with its own interrupt.
    const sectors = Math.ceil(file!.size / 2048);
    const r = h.packet([0xa8, 0, file!.lba >>> 24, (file!.lba >> 16) & 0xff, (file!.lba >> 8) & 0xff, file!.lba & 0xff, 0, 0, 0, sectors], { bcl: 1000 });
    expect(Math.max(...r.blocks)).toBeLessThanOrEqual(1000);
    expect(r.data.length).toBe(sectors * 2048);
    expect(Buffer.from(r.data.subarray(0, hello.length)).equals(hello)).toBe(true);
    // With a large limit the blocks are whole sectors.
    const big = h.packet(read10(file!.lba, sectors), { bcl: 0x7000 });
    expect(big.blocks.every((b) => b % 2048 === 0)).toBe(true);
  });

  it('READ(10) past the end is ILLEGAL REQUEST / LBA out of range', () => {
    const { h, medium } = setup();
    const r = h.packet(read10(medium!.sizeBytes / 2048, 1));
    expect(r.status & 0x01).toBe(1);
    expect(r.error >> 4).toBe(0x05);
    expect(sense(h)).toEqual([0x05, 0x21, 0]);
  });

  it('READ(10) through bus-master DMA fills guest memory', () => {
    const { m, h } = setup();
    m.cfgWrite(0x20, 4, 0xc000);
    m.cfgWrite(0x04, 2, 0x0005);
    m.memory.view.setUint32(0x1000, 0x40000, true);
    m.memory.view.setUint16(0x1004, 4096, true);
    m.memory.view.setUint16(0x1006, 0x8000, true);
    m.ports.write(0xc00c, 4, 0x1000);
    m.ports.write(0xc008, 1, 0x08);
    const r = h.packet(read10(16, 2), { dma: true });
    expect(r.data.length).toBe(0); // no PIO data: it went by DMA
    expect(m.irq15.edges).toBe(0);
    m.ports.write(0xc008, 1, 0x09);
    expect(m.irq15.level).toBe(true);
    expect(m.ports.read(0xc00a, 1) & 0x07).toBe(0x04);
    expect(h.status()).toBe(0x50);
    expect(Buffer.from(m.memory.u8.subarray(0x40001, 0x40006)).toString()).toBe('CD001');
  });
});

describe('disc information', () => {
  it('READ TOC format 0: one data track at 0 and the lead-out at the capacity, in LBA and MSF', () => {
    const { h, medium } = setup();
    const cap = medium!.sizeBytes / 2048;
    const r = h.packet([0x43, 0, 0, 0, 0, 0, 0, 0, 100]);
    expect(be16(r.data, 0)).toBe(18);
    expect([r.data[2], r.data[3]]).toEqual([1, 1]);
    expect([r.data[5], r.data[6], be32(r.data, 8)]).toEqual([0x14, 1, 0]);
    expect([r.data[14], be32(r.data, 16)]).toEqual([0xaa, cap]);
    const msf = h.packet([0x43, 2, 0, 0, 0, 0, 0, 0, 100]).data;
    expect(Array.from(msf.subarray(8, 12))).toEqual([0, 0, 2, 0]); // 00:02:00
    const f = cap + 150;
    expect(Array.from(msf.subarray(16, 20))).toEqual([0, Math.floor(f / 4500), Math.floor(f / 75) % 60, f % 75]);
    expect(h.packet([0x43, 0, 0, 0, 0, 0, 0xaa, 0, 100]).data.length).toBe(12); // lead-out only
  });

  it('READ TOC format 1 (sessions), also when asked the old way in byte 9', () => {
    const { h } = setup();
    for (const cdb of [
      [0x43, 0, 1, 0, 0, 0, 0, 0, 12],
      [0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40],
    ]) {
      const r = h.packet(cdb);
      expect(be16(r.data, 0)).toBe(10);
      expect([r.data[2], r.data[3], r.data[6]]).toEqual([1, 1, 1]);
      expect(be32(r.data, 8)).toBe(0);
    }
  });

  it('MODE SENSE(10) page 2Ah shows a lockable, ejectable tray drive; unknown pages are refused', () => {
    const { h } = setup();
    const r = h.packet([0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128]);
    expect(be16(r.data, 0)).toBe(r.data.length - 2);
    expect([r.data[8], r.data[9]]).toEqual([0x2a, 0x12]);
    expect(r.data[8 + 6]! & 0x09).toBe(0x09);
    expect(r.data[8 + 6]! >> 5).toBe(1); // tray
    expect(be16(r.data, 8 + 8)).toBeGreaterThan(176);
    const all = h.packet([0x5a, 0, 0x3f, 0, 0, 0, 0, 0xff, 0xff]);
    expect(all.data.length).toBe(8 + 8 + 20);
    const bad = h.packet([0x5a, 0, 0x05, 0, 0, 0, 0, 0, 128]);
    expect(bad.status & 1).toBe(1);
    expect(sense(h)).toEqual([0x05, 0x24, 0]);
    // The allocation length truncates.
    expect(h.packet([0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 10]).data.length).toBe(10);
  });

  it('GET CONFIGURATION reports the CD-ROM profile as current', () => {
    const { h } = setup();
    const r = h.packet([0x46, 0, 0, 0, 0, 0, 0, 0, 64]);
    expect(be16(r.data, 6)).toBe(0x0008);
    expect(be16(r.data, 8)).toBe(0x0000);
    expect(be16(r.data, 12)).toBe(0x0008);
    expect(be32(r.data, 0)).toBe(r.data.length - 4);
  });
});

describe('media change, locking and eject', () => {
  it('TEST UNIT READY: ready with a disc; NOT READY / MEDIUM NOT PRESENT without', () => {
    expect(setup().h.packet([0x00]).status).toBe(0x50);
    const { h } = setup(false);
    const r = h.packet([0x00]);
    expect(r.status & 1).toBe(1);
    expect(r.error >> 4).toBe(0x02);
    expect(sense(h)).toEqual([0x02, 0x3a, 0]);
    expect(h.packet([0x25]).status & 1).toBe(1);
  });

  it('inserting a disc gives one UNIT ATTENTION, then ready; GET EVENT STATUS reports new media once', () => {
    const { h, cd } = setup(false);
    cd.insert(RawBackend.open(isoPath, { readOnly: true }));
    const ua = h.packet([0x00]);
    expect(ua.error >> 4).toBe(0x06);
    expect(sense(h)).toEqual([0x06, 0x28, 0]);
    expect(h.packet([0x00]).status).toBe(0x50);
    const ev = h.packet([0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8]).data;
    expect([ev[2], ev[4], ev[5]]).toEqual([0x04, 2, 0x02]);
    expect(h.packet([0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8]).data[4]).toBe(0);
    expect(h.packet([0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8]).status & 1).toBe(1); // async not supported
  });

  it('a host eject: UNIT ATTENTION, then NOT READY; media removal event', () => {
    const { h, cd } = setup();
    expect(cd.eject()).toBeDefined();
    expect(h.packet([0x00]).error >> 4).toBe(0x06);
    expect(h.packet([0x00]).error >> 4).toBe(0x02);
    expect(h.packet([0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8]).data[4]).toBe(3);
  });

  it('PREVENT MEDIUM REMOVAL blocks guest and host eject until allowed; a guest eject tells the host', () => {
    const { h, cd, ejected } = setup();
    expect(h.packet([0x1e, 0, 0, 0, 1]).status).toBe(0x50);
    expect(h.packet([0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 128]).data[8 + 6]! & 0x02).toBe(0x02);
    const refused = h.packet([0x1b, 0, 0, 0, 0x02]);
    expect(refused.status & 1).toBe(1);
    expect(sense(h)).toEqual([0x05, 0x53, 0x02]);
    expect(cd.eject()).toBeUndefined();
    expect(cd.hasMedium).toBe(true);
    h.packet([0x1e, 0, 0, 0, 0]);
    expect(h.packet([0x1b, 0, 0, 0, 0x02]).status).toBe(0x50);
    expect(cd.hasMedium).toBe(false);
    expect(ejected).toEqual([1]);
    expect(h.packet([0x00]).error >> 4).toBe(0x02); // no UNIT ATTENTION for its own eject
  });

  it('unknown packet commands are ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE', () => {
    const { h } = setup();
    const r = h.packet([0xff]);
    expect(r.status & 1).toBe(1);
    expect(sense(h)).toEqual([0x05, 0x20, 0]);
    expect(sense(h)).toEqual([0, 0, 0]); // reading the sense cleared it
  });
});

describe('saved state', () => {
  it('a PIO read interrupted by save/restore continues where it stopped', () => {
    const a = setup();
    a.h.command(0xa1);
    const first = a.h.readWords(100);
    const state = JSON.parse(JSON.stringify(a.m.ide.save()));
    const b = setup();
    b.m.ide.restore(state);
    const rest = b.h.readWords(412);
    const whole = new Uint8Array(512);
    whole.set(first);
    whole.set(rest, 100);
    expect(whole.reduce((x, y) => (x + y) & 0xff, 0)).toBe(0);
    expect(() => b.m.ide.restore({ version: 0 } as never)).toThrow(/piix3-ide: saved state version 0/);
  });
});
