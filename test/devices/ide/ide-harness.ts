// A tiny host-side IDE driver for the tests: the register sequences of ATA/ATAPI-6 and
// SFF-8038i as Linux's libata and SeaBIOS issue them, over a real PortBus, PciBus and
// GuestMemory, with real RawBackend disks in a temporary directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IrqLine, PortBus } from '../../../core/bus';
import { attachIde, Piix3Ide, type IdeDrive } from '../../../core/devices/ide';
import { PciBus, PciConfigMechanism1 } from '../../../core/devices/pci';
import { GuestMemory } from '../../../core/memory';
import { RawBackend } from '../../../core/storage';

export class IrqSpy implements IrqLine {
  level = false;
  edges = 0;
  setLevel(level: boolean): void {
    if (level && !this.level) this.edges++;
    this.level = level;
  }
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vmdesk-ide-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function rawDisk(dir: string, name: string, bytes: number, fill?: (buf: Uint8Array) => void): RawBackend {
  const disk = RawBackend.create(join(dir, name), bytes);
  if (fill) {
    const buf = new Uint8Array(Math.min(bytes, 1 << 20));
    fill(buf);
    disk.writeSectors(0 as never, buf.length / 512, buf, 0);
  }
  return disk;
}

export interface Drives {
  primaryMaster?: IdeDrive;
  primarySlave?: IdeDrive;
  secondaryMaster?: IdeDrive;
  secondarySlave?: IdeDrive;
}

export function machine(drives: Drives) {
  const memory = GuestMemory.allocate(4 << 20);
  const ports = new PortBus();
  const pci = new PciBus();
  ports.register('pci', 0xcf8, 8, new PciConfigMechanism1({ bus: pci, onReset: () => {} }));
  const irq14 = new IrqSpy();
  const irq15 = new IrqSpy();
  const ide = new Piix3Ide({ memory, irqPrimary: irq14, irqSecondary: irq15, ...drives });
  attachIde(ports, pci, ide);
  const cfgRead = (reg: number, size: 1 | 2 | 4 = 4): number => {
    ports.write(0xcf8, 4, 0x80000000 | (1 << 11) | (1 << 8) | (reg & 0xfc));
    return ports.read(0xcfc + (reg & 3), size);
  };
  const cfgWrite = (reg: number, size: 1 | 2 | 4, v: number): void => {
    ports.write(0xcf8, 4, 0x80000000 | (1 << 11) | (1 << 8) | (reg & 0xfc));
    ports.write(0xcfc + (reg & 3), size, v);
  };
  return { memory, ports, pci, ide, irq14, irq15, cfgRead, cfgWrite, ch: (n: 0 | 1) => new Host(ports, n === 0 ? 0x1f0 : 0x170, n === 0 ? 0x3f6 : 0x376, n === 0 ? irq14 : irq15) };
}

export class Host {
  constructor(
    readonly ports: PortBus,
    readonly base: number,
    readonly ctl: number,
    readonly irq: IrqSpy,
  ) {}

  status(): number {
    return this.ports.read(this.base + 7, 1);
  }
  alt(): number {
    return this.ports.read(this.ctl, 1);
  }
  error(): number {
    return this.ports.read(this.base + 1, 1);
  }
  reg(n: number): number {
    return this.ports.read(this.base + n, 1);
  }
  select(unit: 0 | 1, lbaBits = 0x40): void {
    this.ports.write(this.base + 6, 1, 0xa0 | lbaBits | (unit << 4));
  }

  /** Issue an LBA28 or LBA48 command with the task file loaded (48-bit: high bytes first, §6.20). */
  command(cmd: number, t: { unit?: 0 | 1; feature?: number; count?: number; lba?: number; ext?: boolean; device?: number } = {}): void {
    const p = this.ports;
    const b = this.base;
    const lba = t.lba ?? 0;
    const count = t.count ?? 0;
    if (t.ext) {
      const hi = Math.floor(lba / 0x1000000);
      p.write(b + 1, 1, 0);
      p.write(b + 2, 1, (count >> 8) & 0xff);
      p.write(b + 3, 1, hi & 0xff);
      p.write(b + 4, 1, (hi >> 8) & 0xff);
      p.write(b + 5, 1, (hi >> 16) & 0xff);
    }
    p.write(b + 1, 1, t.feature ?? 0);
    p.write(b + 2, 1, count & 0xff);
    p.write(b + 3, 1, lba & 0xff);
    p.write(b + 4, 1, (lba >>> 8) & 0xff);
    p.write(b + 5, 1, (lba >>> 16) & 0xff);
    p.write(b + 6, 1, t.device ?? (0xe0 | ((t.unit ?? 0) << 4) | (t.ext ? 0 : (lba >>> 24) & 0x0f)));
    p.write(b + 7, 1, cmd);
  }

  readWords(bytes: number): Uint8Array {
    const out = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i += 2) {
      const w = this.ports.read(this.base, 2);
      out[i] = w & 0xff;
      out[i + 1] = w >> 8;
    }
    return out;
  }

  writeWords(data: Uint8Array): void {
    for (let i = 0; i < data.length; i += 2) this.ports.write(this.base, 2, data[i]! | (data[i + 1]! << 8));
  }

  /** PIO data-in the libata way: per DRQ block, status must show DRQ, then read `block` bytes. */
  pioIn(total: number, block: number): { data: Uint8Array; irqs: number } {
    const out = new Uint8Array(total);
    const before = this.irq.edges;
    for (let done = 0; done < total; done += block) {
      const st = this.status();
      if (!(st & 0x08)) throw new Error(`no DRQ at byte ${done}: status ${st.toString(16)} error ${this.error().toString(16)}`);
      out.set(this.readWords(Math.min(block, total - done)), done);
    }
    return { data: out, irqs: this.irq.edges - before };
  }

  /** Send a 12-byte packet; returns the data read in byte-count-limited DRQ blocks. */
  packet(cdb: number[], opts: { bcl?: number; dma?: boolean; unit?: 0 | 1 } = {}): { data: Uint8Array; status: number; error: number; blocks: number[] } {
    const p = this.ports;
    const b = this.base;
    const bcl = opts.bcl ?? 0xfffe;
    p.write(b + 6, 1, 0xa0 | ((opts.unit ?? 0) << 4));
    p.write(b + 1, 1, opts.dma ? 1 : 0);
    p.write(b + 4, 1, bcl & 0xff);
    p.write(b + 5, 1, bcl >> 8);
    p.write(b + 7, 1, 0xa0);
    const st = this.alt();
    if ((st & 0x88) !== 0x08) throw new Error(`packet phase: status ${st.toString(16)}`);
    if ((this.reg(2) & 3) !== 1) throw new Error('packet phase: interrupt reason is not CoD');
    const cdb12 = new Uint8Array(12);
    cdb12.set(cdb);
    this.writeWords(cdb12);
    if (opts.dma) return { data: new Uint8Array(0), status: this.alt(), error: this.error(), blocks: [] };
    const chunks: Uint8Array[] = [];
    const blocks: number[] = [];
    for (let guard = 0; guard < 100000; guard++) {
      const s = this.status();
      if (!(s & 0x08)) {
        const data = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
        let at = 0;
        for (const c of chunks) {
          data.set(c, at);
          at += c.length;
        }
        return { data, status: s, error: this.error(), blocks };
      }
      const ir = this.reg(2) & 3;
      if (ir !== 2) throw new Error(`data phase: interrupt reason ${ir}`);
      const n = this.reg(4) | (this.reg(5) << 8);
      blocks.push(n);
      chunks.push(this.readWords(n + (n & 1)).subarray(0, n));
    }
    throw new Error('packet: no end');
  }
}

export const be32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
export const be16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;

/** IDENTIFY word `n` and the ATA string in words [first, first+count) (bytes swapped per word). */
export function idWord(id: Uint8Array, n: number): number {
  return id[2 * n]! | (id[2 * n + 1]! << 8);
}
export function idString(id: Uint8Array, first: number, count: number): string {
  let s = '';
  for (let i = first; i < first + count; i++) s += String.fromCharCode(id[2 * i + 1]!, id[2 * i]!);
  return s.trimEnd();
}
