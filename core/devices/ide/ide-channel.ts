// One IDE channel: the command block (8 ports: data, error/features, sector count, LBA
// low/mid/high, device, status/command), the control block (alternate status / device
// control), up to two drives and the channel's bus-master DMA engine (ATA/ATAPI-6 §7–§9,
// SFF-8038i). This file owns the registers, device selection, resets and the data port;
// a command goes to the drive's command set (ata-command-set.ts for disks,
// atapi-command-set.ts for the CD-ROM), which run synchronously against the BlockBackend
// through the shared engine (channel-engine.ts). Completion raises INTRQ on the line handed
// in, unless nIEN masks it. Reading the status register (not the alternate) clears INTRQ.
// A guest poking nonsense gets ABRT, never a throw.
import type { AccessSize, IrqLine, PortDevice } from '../../bus';
import type { GuestMemory } from '../../memory';
import { CMD, DC_HOB, DC_NIEN, DC_SRST, DEV_DEV, DIAG_PASSED, MAX_MULTIPLE, ST_BSY, ST_DRDY, ST_DSC } from './ata-defs';
import { AtaCommandSet } from './ata-command-set';
import { AtapiCommandSet } from './atapi-command-set';
import { BusMasterChannel } from './bus-master';
import {
  BUF_BYTES,
  ChannelEngine,
  DMA_ATAPI_IN,
  DMA_NONE,
  NEXT_ATA_READ,
  NEXT_ATA_WRITE,
  NEXT_ATAPI_IN,
  NEXT_LAST,
  NEXT_PACKET,
  XFER_IN,
  XFER_NONE,
  XFER_OUT,
} from './channel-engine';
import { AtaDisk, type IdeDrive } from './ide-drives';
import { restoreDrive, saveDrive, type IdeChannelState } from './state';

export interface IdeChannelOptions {
  irq: IrqLine;
  memory: GuestMemory;
  master?: IdeDrive;
  slave?: IdeDrive;
}

export class IdeChannel {
  readonly busMaster: BusMasterChannel;
  readonly drives: [IdeDrive | undefined, IdeDrive | undefined];
  private readonly e: ChannelEngine;
  private readonly ata: AtaCommandSet;
  private readonly atapi: AtapiCommandSet;
  /** The drive the device register selects. */
  private unit = 0;

  /** Ports base+0..7 (0x1F0 / 0x170). */
  readonly commandPorts: PortDevice = {
    readPort: (offset, size) => this.readCommand(offset, size),
    writePort: (offset, size, value) => this.writeCommand(offset, size, value),
  };

  /** Port 0x3F6 / 0x376: alternate status (read), device control (write). */
  readonly controlPort: PortDevice = {
    readPort: (offset, size) => {
      const v = offset === 0 ? this.statusOf(this.unit) : 0xff;
      return size === 1 ? v : v | 0xff00;
    },
    writePort: (offset, _size, value) => {
      if (offset === 0) this.writeControl(value & 0xff);
    },
  };

  constructor(options: IdeChannelOptions) {
    this.drives = [options.master, options.slave];
    this.busMaster = new BusMasterChannel(options.memory);
    this.e = new ChannelEngine(this.drives, this.busMaster, options.irq);
    this.ata = new AtaCommandSet(this.e);
    this.atapi = new AtapiCommandSet(this.e);
    this.busMaster.onStart = () => {
      if (this.e.dmaPending === DMA_NONE) return;
      if (this.e.dmaPending === DMA_ATAPI_IN) this.atapi.runDma();
      else this.ata.runDma();
    };
    // Bits 5/6 of the bus-master status: drive 0/1 is DMA capable (set by the BIOS; preset here).
    this.busMaster.status = (this.drives[0] ? 0x20 : 0) | (this.drives[1] ? 0x40 : 0);
    this.reset();
  }

  /** Hardware reset (power on, machine reset). */
  reset(): void {
    this.e.control = 0;
    this.busMaster.reset();
    this.resetDrives();
    this.e.clearIrq();
  }

  private resetDrives(): void {
    this.abortTransfer();
    for (let u = 0; u < 2; u++) {
      const d = this.drives[u];
      const r = this.e.regs[u]!;
      r.signature(d?.kind);
      r.error = DIAG_PASSED;
      r.feature = 0;
      // ATAPI devices come out of reset with DRDY clear (ATA/ATAPI-6 §9.1).
      r.status = d?.kind === 'disk' ? ST_DRDY | ST_DSC : 0;
      if (d instanceof AtaDisk) d.resetSettings();
    }
    this.unit = 0;
  }

  private abortTransfer(): void {
    this.e.abortTransfer();
    this.atapi.remaining = 0;
  }

  // ---- registers ----

  private get empty(): boolean {
    return this.drives[0] === undefined && this.drives[1] === undefined;
  }

  private statusOf(unit: number): number {
    // A missing device 1 reads status 00h through device 0 (ATA/ATAPI-6 §9.16.1).
    if (!this.drives[unit]) return 0;
    return this.e.control & DC_SRST ? ST_BSY : this.e.regs[unit]!.status;
  }

  private readCommand(offset: number, size: AccessSize): number {
    if (offset === 0) {
      if (size === 1) return this.readData8();
      if (size === 2) return this.readData16();
      return (this.readData16() | (this.readData16() << 16)) >>> 0;
    }
    if (size !== 1) {
      let v = 0;
      for (let i = 0; i < size && offset + i < 8; i++) v |= this.readRegister(offset + i) << (8 * i);
      return v >>> 0;
    }
    return this.readRegister(offset);
  }

  private readRegister(offset: number): number {
    if (this.empty) return 0;
    const r = this.e.regs[this.unit]!;
    const hob = (this.e.control & DC_HOB) !== 0;
    switch (offset) {
      case 1:
        return r.error;
      case 2:
        return hob ? r.hobNsector : r.nsector;
      case 3:
        return hob ? r.hobSector : r.sector;
      case 4:
        return hob ? r.hobLcyl : r.lcyl;
      case 5:
        return hob ? r.hobHcyl : r.hcyl;
      case 6:
        return r.select;
      case 7: {
        const s = this.statusOf(this.unit);
        if (this.drives[this.unit]) this.e.clearIrq();
        return s;
      }
      default:
        return 0xff;
    }
  }

  private writeCommand(offset: number, size: AccessSize, value: number): void {
    if (offset === 0) {
      if (size === 1) this.writeData8(value);
      else if (size === 2) this.writeData16(value);
      else {
        this.writeData16(value & 0xffff);
        this.writeData16(value >>> 16);
      }
      return;
    }
    for (let i = 0; i < size && offset + i < 8; i++) this.writeRegister(offset + i, (value >>> (8 * i)) & 0xff);
  }

  private writeRegister(offset: number, v: number): void {
    // Any command block write clears HOB (ATA/ATAPI-6 §7.8).
    this.e.control &= ~DC_HOB;
    if (offset === 7) {
      this.command(v);
      return;
    }
    for (const r of this.e.regs) {
      switch (offset) {
        case 1:
          r.hobFeature = r.feature;
          r.feature = v;
          break;
        case 2:
          r.hobNsector = r.nsector;
          r.nsector = v;
          break;
        case 3:
          r.hobSector = r.sector;
          r.sector = v;
          break;
        case 4:
          r.hobLcyl = r.lcyl;
          r.lcyl = v;
          break;
        case 5:
          r.hobHcyl = r.hcyl;
          r.hcyl = v;
          break;
        case 6:
          r.select = v | 0xa0;
          break;
        default:
      }
    }
    if (offset === 6) this.unit = (v & DEV_DEV) !== 0 ? 1 : 0;
  }

  private writeControl(v: number): void {
    const was = this.e.control;
    this.e.control = v;
    if (v & DC_SRST && !(was & DC_SRST)) {
      this.abortTransfer();
    } else if (!(v & DC_SRST) && was & DC_SRST) {
      // Software reset done: signatures, diagnostic code, device 0 selected (§9.2).
      this.resetDrives();
    }
    if ((v ^ was) & DC_NIEN) this.e.syncIrqLine();
  }

  // ---- data port ----

  private readData16(): number {
    const e = this.e;
    if (e.xfer !== XFER_IN) return 0xffff;
    const p = e.pos;
    const v = e.buf[p]! | (e.buf[p + 1]! << 8);
    e.pos = p + 2;
    if (e.pos >= e.chunkEnd) this.blockDone();
    return v;
  }

  private readData8(): number {
    const e = this.e;
    if (e.xfer !== XFER_IN) return 0xff;
    const v = e.buf[e.pos++]!;
    if (e.pos >= e.chunkEnd) this.blockDone();
    return v;
  }

  private writeData16(v: number): void {
    const e = this.e;
    if (e.xfer !== XFER_OUT) return;
    const p = e.pos;
    e.buf[p] = v & 0xff;
    e.buf[p + 1] = (v >>> 8) & 0xff;
    e.pos = p + 2;
    if (e.pos >= e.chunkEnd) this.blockDone();
  }

  private writeData8(v: number): void {
    const e = this.e;
    if (e.xfer !== XFER_OUT) return;
    e.buf[e.pos++] = v & 0xff;
    if (e.pos >= e.chunkEnd) this.blockDone();
  }

  /** The host moved the whole DRQ block: on to what the command set asked for. */
  private blockDone(): void {
    const e = this.e;
    e.xfer = XFER_NONE;
    switch (e.next) {
      case NEXT_ATA_READ:
        if (this.ata.remaining > 0) this.ata.readBlock();
        else e.idle();
        return;
      case NEXT_ATA_WRITE:
        this.ata.writeBlock();
        return;
      case NEXT_PACKET:
        this.atapi.packet();
        return;
      case NEXT_ATAPI_IN:
        this.atapi.nextChunk();
        return;
      default:
        e.idle();
    }
  }

  // ---- commands ----

  private command(cmd: number): void {
    const e = this.e;
    if (cmd === CMD.EXECUTE_DEVICE_DIAGNOSTIC) {
      // Addressed to both devices whatever DEV says (§8.11); device 0 reports.
      if (this.empty) return;
      e.clearIrq();
      this.resetDrives();
      e.activeUnit = 0;
      e.raiseIrq();
      return;
    }
    const d = this.drives[this.unit];
    if (!d) return; // commands to an absent device go nowhere
    if (e.control & DC_SRST) return;
    e.clearIrq();
    this.abortTransfer();
    e.activeUnit = this.unit;
    if (d instanceof AtaDisk) this.ata.command(d, cmd);
    else this.atapi.command(d, cmd);
  }

  // ---- saved state ----

  save(): IdeChannelState {
    const e = this.e;
    const used = Math.max(e.chunkEnd, e.dataEnd);
    return {
      regs: e.regs.map((r) => r.save()),
      unit: this.unit,
      control: e.control,
      intrq: e.intrq,
      xfer: e.xfer,
      next: e.next,
      pos: e.pos,
      chunkEnd: e.chunkEnd,
      dataEnd: e.dataEnd,
      buf: Buffer.from(e.buf.subarray(0, used)).toString('base64'),
      opLba: this.ata.lba,
      opRemaining: this.ata.remaining,
      opBlock: this.ata.block,
      dmaPending: e.dmaPending,
      cdLba: this.atapi.lba,
      cdRemaining: this.atapi.remaining,
      cdBcl: this.atapi.byteCountLimit,
      cdDma: this.atapi.dma,
      activeUnit: e.activeUnit,
      busMaster: this.busMaster.save(),
      drives: this.drives.map((d) => (d ? saveDrive(d) : null)),
    };
  }

  restore(s: IdeChannelState): void {
    const e = this.e;
    const clamp = (v: unknown, lo: number, hi: number): number => (typeof v === 'number' && Number.isFinite(v) ? Math.max(lo, Math.min(hi, Math.floor(v))) : lo);
    s.regs.forEach((r, i) => e.regs[i]?.restore(r));
    this.unit = clamp(s.unit, 0, 1);
    e.control = clamp(s.control, 0, 0xff);
    e.intrq = Boolean(s.intrq);
    e.xfer = clamp(s.xfer, 0, 2);
    e.next = clamp(s.next, 0, NEXT_LAST);
    const bytes = Buffer.from(String(s.buf ?? ''), 'base64');
    e.buf.set(bytes.subarray(0, BUF_BYTES));
    e.pos = clamp(s.pos, 0, BUF_BYTES);
    e.chunkEnd = clamp(s.chunkEnd, 0, BUF_BYTES);
    e.dataEnd = clamp(s.dataEnd, 0, BUF_BYTES);
    this.ata.lba = clamp(s.opLba, 0, Number.MAX_SAFE_INTEGER);
    this.ata.remaining = clamp(s.opRemaining, 0, 0x10000);
    this.ata.block = clamp(s.opBlock, 1, MAX_MULTIPLE);
    e.dmaPending = clamp(s.dmaPending, 0, DMA_ATAPI_IN);
    this.atapi.lba = clamp(s.cdLba, 0, 0xffffffff);
    this.atapi.remaining = clamp(s.cdRemaining, 0, 0xffffffff);
    this.atapi.byteCountLimit = clamp(s.cdBcl, 0, 0xffff);
    this.atapi.dma = Boolean(s.cdDma);
    e.activeUnit = clamp(s.activeUnit, 0, 1);
    this.busMaster.restore(s.busMaster);
    s.drives.forEach((ds, i) => {
      const d = this.drives[i];
      if (d && ds) restoreDrive(d, ds);
    });
    e.syncIrqLine();
  }
}
