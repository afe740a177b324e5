// Bus-master DMA (SFF-8038i) in the order Linux's libata uses: PRD table and direction,
// command, then the start bit; completion sets the interrupt bit, clears Active when the
// table ends, raises IRQ14. A PRD outside RAM sets the error bit and aborts the command.
import { afterAll, describe, expect, it } from 'vitest';
import { AtaDisk } from '../../../core/devices/ide';
import { machine, rawDisk, tempDir } from './ide-harness';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function setup(name: string) {
  const backend = rawDisk(tmp.dir, name, 4 << 20, (buf) => {
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 13 + (i >> 9)) & 0xff;
  });
  const m = machine({ primaryMaster: new AtaDisk(backend) });
  m.cfgWrite(0x20, 4, 0xc000);
  m.cfgWrite(0x04, 2, 0x0005);
  const prd = (at: number, entries: [number, number][]): void => {
    entries.forEach(([addr, len], i) => {
      m.memory.view.setUint32(at + 8 * i, addr, true);
      m.memory.view.setUint16(at + 8 * i + 4, len & 0xffff, true);
      m.memory.view.setUint16(at + 8 * i + 6, i === entries.length - 1 ? 0x8000 : 0, true);
    });
    m.ports.write(0xc004, 4, at);
  };
  return { m, backend, h: m.ch(0), prd, bmStatus: () => m.ports.read(0xc002, 1) };
}

describe('bus-master DMA', () => {
  it('READ DMA scatters sectors over a two-entry PRD table into guest RAM', () => {
    const { m, backend, h, prd, bmStatus } = setup('rd.img');
    prd(0x1000, [
      [0x10000, 1024],
      [0x20000, 2048],
    ]);
    m.ports.write(0xc000, 1, 0x08); // device to memory, not started
    h.command(0xc8, { lba: 5, count: 6 });
    expect(m.irq14.edges).toBe(0);
    m.ports.write(0xc000, 1, 0x09);
    expect(m.irq14.level).toBe(true);
    expect(bmStatus() & 0x07).toBe(0x04); // interrupt, not active, no error
    m.ports.write(0xc000, 1, 0x00);
    expect(h.status()).toBe(0x50);
    m.ports.write(0xc002, 1, 0x04); // write 1 to clear
    expect(bmStatus() & 0x04).toBe(0);
    const want = new Uint8Array(6 * 512);
    backend.readSectors(5 as never, 6, want);
    expect(m.memory.u8.subarray(0x10000, 0x10400)).toEqual(want.subarray(0, 1024));
    expect(m.memory.u8.subarray(0x20000, 0x20800)).toEqual(want.subarray(1024));
  });

  it('WRITE DMA gathers guest RAM into the disk; start before command works too', () => {
    const { m, backend, h, prd } = setup('wr.img');
    m.memory.u8.fill(0x3c, 0x30000, 0x30000 + 0x10000);
    prd(0x1000, [[0x30000, 0]]); // count 0 means 64 KiB
    m.ports.write(0xc000, 1, 0x01); // memory to device, started first
    h.command(0x35, { lba: 100, count: 128, ext: true });
    expect(h.status()).toBe(0x50);
    const back = new Uint8Array(128 * 512);
    backend.readSectors(100 as never, 128, back);
    expect(back.every((b) => b === 0x3c)).toBe(true);
  });

  it('keeps Active set when the PRD table is longer than the transfer', () => {
    const { m, h, prd, bmStatus } = setup('long.img');
    prd(0x1000, [[0x10000, 0x4000]]);
    m.ports.write(0xc000, 1, 0x09);
    h.command(0xc8, { lba: 0, count: 1 });
    expect(bmStatus() & 0x05).toBe(0x05);
  });

  it('a PRD pointing outside RAM sets the error bit and the command ends with ERR, no throw', () => {
    const { m, h, prd, bmStatus } = setup('bad.img');
    prd(0x1000, [[0xfff0_0000, 512]]);
    m.ports.write(0xc000, 1, 0x09);
    expect(() => h.command(0xc8, { lba: 0, count: 1 })).not.toThrow();
    expect(bmStatus() & 0x07).toBe(0x06); // error + interrupt, Active cleared
    expect(h.status() & 0x01).toBe(1);
    expect(h.error()).toBe(0x04);
    // The PRD table itself outside RAM.
    m.ports.write(0xc000, 1, 0x00);
    m.ports.write(0xc002, 1, 0x06);
    m.ports.write(0xc004, 4, 0xffff_0000);
    m.ports.write(0xc000, 1, 0x09);
    h.command(0xc8, { lba: 0, count: 1 });
    expect(bmStatus() & 0x02).toBe(0x02);
  });

  it('a PRD table shorter than the transfer ends it with ERR and the engine stopped', () => {
    const { m, h, prd, bmStatus } = setup('short.img');
    prd(0x1000, [[0x10000, 512]]);
    m.ports.write(0xc000, 1, 0x09);
    h.command(0xc8, { lba: 0, count: 4 });
    expect(bmStatus() & 0x07).toBe(0x04);
    expect(h.status() & 0x01).toBe(1);
  });

  it('IDNF for a DMA command past the end of the disk, without touching memory', () => {
    const { m, h, prd } = setup('idnf.img');
    prd(0x1000, [[0x10000, 512]]);
    m.memory.u8.fill(0x77, 0x10000, 0x10200);
    h.command(0xc8, { lba: 8192, count: 1 });
    expect(h.error()).toBe(0x10);
    m.ports.write(0xc000, 1, 0x09);
    expect(m.memory.u8[0x10000]).toBe(0x77);
  });
});
