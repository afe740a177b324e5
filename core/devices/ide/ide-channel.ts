// One IDE channel: the command block (8 ports: data, error/features, sector count, LBA
// low/mid/high, device, status/command), the control block (alternate status / device
// control), up to two drives, the PIO engine and the channel's bus-master DMA engine
// (ATA/ATAPI-6 §7–§9, SFF-8038i). Commands run synchronously against the BlockBackend;
// completion raises INTRQ on the line handed in, unless nIEN masks it. Reading the status
// register (not the alternate) clears INTRQ. A guest poking nonsense gets ABRT, never a throw.
import type { AccessSize, IrqLine, PortDevice } from '../../bus';
import type { Lba } from '../../common';
import type { GuestMemory } from '../../memory';
import {
  ATA_SECTOR,
  CD_SECTOR,
  CMD,
  DC_HOB,
  DC_NIEN,
  DC_SRST,
  DEV_DEV,
  DEV_LBA,
  DIAG_PASSED,
  ER_ABRT,
  ER_IDNF,
  ER_UNC,
  IR_COD,
  IR_IO,
  MAX_MULTIPLE,
  SK_MEDIUM_ERROR,
  SK_NOT_READY,
  ASC_MEDIUM_NOT_PRESENT,
  ASC_UNRECOVERED_READ_ERROR,
  ST_BSY,
  ST_DRDY,
  ST_DRQ,
  ST_DSC,
  ST_ERR,
} from './ata-defs';
import { runPacket, type PacketOutcome } from './atapi-commands';
import { BusMasterChannel, DMA_OK, DMA_SHORT } from './bus-master';
import { ataIdentify, atapiIdentify } from './identify';
import { AtaDisk, AtapiCdrom, type IdeDrive, type TransferModes } from './ide-drives';
import { TaskFile } from './task-file';
import { restoreDrive, saveDrive, type IdeChannelState } from './state';

// What happens when the current DRQ block has been moved.
const NEXT_NONE = 0;
const NEXT_ATA_READ = 1;
const NEXT_ATA_WRITE = 2;
const NEXT_IDLE = 3;
const NEXT_PACKET = 4;
const NEXT_ATAPI_IN = 5;

const XFER_NONE = 0;
const XFER_IN = 1;
const XFER_OUT = 2;

// A DMA command waiting for the bus-master engine.
const DMA_NONE = 0;
const DMA_ATA_READ = 1;
const DMA_ATA_WRITE = 2;
const DMA_ATAPI_IN = 3;

/** 128 KiB: 256 ATA sectors or 64 CD sectors per backend call. */
const BUF_BYTES = 0x20000;

export interface IdeChannelOptions {
  irq: IrqLine;
  memory: GuestMemory;
  master?: IdeDrive;
  slave?: IdeDrive;
}


export class IdeChannel {
  readonly busMaster: BusMasterChannel;
  readonly drives: [IdeDrive | undefined, IdeDrive | undefined];
  private readonly regs = [new TaskFile(), new TaskFile()] as const;
  private readonly irq: IrqLine;
  private unit = 0;
  private control = 0;
  private intrq = false;
  // PIO engine
  private readonly buf = new Uint8Array(BUF_BYTES);
  private xfer = XFER_NONE;
  private next = NEXT_NONE;
  private pos = 0;
  private chunkEnd = 0;
  private dataEnd = 0;
  /** The drive running the current command. */
  private activeUnit = 0;
  // ATA command in progress
  private opLba = 0;
  private opRemaining = 0;
  private opBlock = 1;
  private dmaPending = DMA_NONE;
  // ATAPI command in progress
  private cdLba = 0;
  private cdRemaining = 0;
  private cdBcl = 0;
  private cdDma = false;
  private readonly outcome: PacketOutcome = { kind: 'good', length: 0, lba: 0, count: 0 };
  private readonly cdb = new Uint8Array(12);

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
    this.irq = options.irq;
    this.drives = [options.master, options.slave];
    this.busMaster = new BusMasterChannel(options.memory);
    this.busMaster.onStart = () => {
      if (this.dmaPending !== DMA_NONE) this.runDma();
    };
    // Bits 5/6 of the bus-master status: drive 0/1 is DMA capable (set by the BIOS; preset here).
    this.busMaster.status = (this.drives[0] ? 0x20 : 0) | (this.drives[1] ? 0x40 : 0);
    this.reset();
  }

  /** Hardware reset (power on, machine reset). */
  reset(): void {
    this.control = 0;
    this.busMaster.reset();
    this.resetDrives();
    this.clearIrq();
  }

  private resetDrives(): void {
    this.abortTransfer();
    for (let u = 0; u < 2; u++) {
      const d = this.drives[u];
      const r = this.regs[u]!;
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
    this.xfer = XFER_NONE;
    this.next = NEXT_NONE;
    this.dmaPending = DMA_NONE;
    this.pos = this.chunkEnd = this.dataEnd = 0;
    this.cdRemaining = 0;
  }

  // ---- interrupt line ----

  private raiseIrq(): void {
    this.busMaster.status |= 0x04;
    this.intrq = true;
    if (!(this.control & DC_NIEN)) {
      // A fresh edge per interrupt, for edge-triggered ISA IRQ14/15.
      this.irq.setLevel(false);
      this.irq.setLevel(true);
    }
  }

  private clearIrq(): void {
    this.intrq = false;
    this.irq.setLevel(false);
  }

  // ---- registers ----

  private get empty(): boolean {
    return this.drives[0] === undefined && this.drives[1] === undefined;
  }

  private statusOf(unit: number): number {
    // A missing device 1 reads status 00h through device 0 (ATA/ATAPI-6 §9.16.1).
    if (!this.drives[unit]) return 0;
    const r = this.regs[unit]!;
    return this.control & DC_SRST ? ST_BSY : r.status;
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
    const r = this.regs[this.unit]!;
    const hob = (this.control & DC_HOB) !== 0;
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
        if (this.drives[this.unit]) this.clearIrq();
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
    this.control &= ~DC_HOB;
    if (offset === 7) {
      this.command(v);
      return;
    }
    for (const r of this.regs) {
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
    const was = this.control;
    this.control = v;
    if (v & DC_SRST && !(was & DC_SRST)) {
      this.abortTransfer();
    } else if (!(v & DC_SRST) && was & DC_SRST) {
      // Software reset done: signatures, diagnostic code, device 0 selected (§9.2).
      this.resetDrives();
    }
    if ((v ^ was) & DC_NIEN) {
      if (v & DC_NIEN) this.irq.setLevel(false);
      else if (this.intrq) this.irq.setLevel(true);
    }
  }

  // ---- data port ----

  private readData16(): number {
    if (this.xfer !== XFER_IN) return 0xffff;
    const p = this.pos;
    const v = this.buf[p]! | (this.buf[p + 1]! << 8);
    this.pos = p + 2;
    if (this.pos >= this.chunkEnd) this.blockDone();
    return v;
  }

  private readData8(): number {
    if (this.xfer !== XFER_IN) return 0xff;
    const v = this.buf[this.pos++]!;
    if (this.pos >= this.chunkEnd) this.blockDone();
    return v;
  }

  private writeData16(v: number): void {
    if (this.xfer !== XFER_OUT) return;
    const p = this.pos;
    this.buf[p] = v & 0xff;
    this.buf[p + 1] = (v >>> 8) & 0xff;
    this.pos = p + 2;
    if (this.pos >= this.chunkEnd) this.blockDone();
  }

  private writeData8(v: number): void {
    if (this.xfer !== XFER_OUT) return;
    this.buf[this.pos++] = v & 0xff;
    if (this.pos >= this.chunkEnd) this.blockDone();
  }

  private blockDone(): void {
    this.xfer = XFER_NONE;
    switch (this.next) {
      case NEXT_ATA_READ:
        if (this.opRemaining > 0) this.ataReadBlock();
        else this.idle();
        return;
      case NEXT_ATA_WRITE:
        this.ataWriteBlock();
        return;
      case NEXT_PACKET:
        this.cdb.set(this.buf.subarray(0, 12));
        this.packet();
        return;
      case NEXT_ATAPI_IN:
        this.atapiNextChunk();
        return;
      default:
        this.idle();
    }
  }

  // ---- completion helpers ----

  private get cur(): TaskFile {
    return this.regs[this.activeUnit]!;
  }

  private idle(): void {
    this.xfer = XFER_NONE;
    this.next = NEXT_NONE;
    this.cur.status = ST_DRDY | ST_DSC;
  }

  private complete(): void {
    this.idle();
    this.cur.error = 0;
    this.raiseIrq();
  }

  private abort(error = ER_ABRT): void {
    this.abortTransfer();
    this.cur.status = ST_DRDY | ST_DSC | ST_ERR;
    this.cur.error = error;
    this.raiseIrq();
  }

  /** Present `length` bytes of buf for the host to read; interrupt unless told not to. */
  private pioIn(length: number, next: number): void {
    this.pos = 0;
    this.chunkEnd = length;
    this.xfer = XFER_IN;
    this.next = next;
    this.cur.status = ST_DRDY | ST_DSC | ST_DRQ;
    this.cur.error = 0;
    this.raiseIrq();
  }

  private pioOut(length: number, next: number, interrupt: boolean): void {
    this.pos = 0;
    this.chunkEnd = length;
    this.xfer = XFER_OUT;
    this.next = next;
    this.cur.status = ST_DRDY | ST_DSC | ST_DRQ;
    this.cur.error = 0;
    if (interrupt) this.raiseIrq();
  }

  // ---- commands ----

  private command(cmd: number): void {
    if (cmd === CMD.EXECUTE_DEVICE_DIAGNOSTIC) {
      // Addressed to both devices whatever DEV says (§8.11); device 0 reports.
      if (this.empty) return;
      this.clearIrq();
      this.resetDrives();
      this.activeUnit = 0;
      this.raiseIrq();
      return;
    }
    const d = this.drives[this.unit];
    if (!d) return; // commands to an absent device go nowhere
    if (this.control & DC_SRST) return;
    this.clearIrq();
    this.abortTransfer();
    this.activeUnit = this.unit;
    if (d instanceof AtaDisk) this.ataCommand(d, cmd);
    else this.atapiCommand(d, cmd);
  }

  private ataCommand(d: AtaDisk, cmd: number): void {
    const r = this.cur;
    switch (cmd) {
      case CMD.IDENTIFY_DEVICE:
        this.buf.set(ataIdentify(d));
        this.pioIn(512, NEXT_IDLE);
        return;
      case CMD.READ_SECTORS:
      case CMD.READ_SECTORS_NORETRY:
        return this.ataStartPio(d, true, false, 1);
      case CMD.READ_SECTORS_EXT:
        return this.ataStartPio(d, true, true, 1);
      case CMD.READ_MULTIPLE:
        return this.ataStartPio(d, true, false, d.multipleCount);
      case CMD.READ_MULTIPLE_EXT:
        return this.ataStartPio(d, true, true, d.multipleCount);
      case CMD.WRITE_SECTORS:
      case CMD.WRITE_SECTORS_NORETRY:
        return this.ataStartPio(d, false, false, 1);
      case CMD.WRITE_SECTORS_EXT:
        return this.ataStartPio(d, false, true, 1);
      case CMD.WRITE_MULTIPLE:
        return this.ataStartPio(d, false, false, d.multipleCount);
      case CMD.WRITE_MULTIPLE_EXT:
        return this.ataStartPio(d, false, true, d.multipleCount);
      case CMD.READ_DMA:
      case CMD.READ_DMA_NORETRY:
        return this.ataStartDma(d, true, false);
      case CMD.READ_DMA_EXT:
        return this.ataStartDma(d, true, true);
      case CMD.WRITE_DMA:
      case CMD.WRITE_DMA_NORETRY:
        return this.ataStartDma(d, false, false);
      case CMD.WRITE_DMA_EXT:
        return this.ataStartDma(d, false, true);
      case CMD.READ_VERIFY:
      case CMD.READ_VERIFY_NORETRY:
      case CMD.READ_VERIFY_EXT: {
        const ext = cmd === CMD.READ_VERIFY_EXT;
        const lba = this.address(d, ext);
        if (lba < 0 || lba + this.count(ext) > d.sectors) return this.abort(ER_IDNF);
        return this.complete();
      }
      case CMD.SET_MULTIPLE_MODE: {
        const n = r.nsector;
        // 0 disables; otherwise a power of two no larger than word 47 (§8.39).
        if (n > MAX_MULTIPLE || (n & (n - 1)) !== 0) return this.abort();
        d.multipleCount = n;
        return this.complete();
      }
      case CMD.INITIALIZE_DEVICE_PARAMETERS: {
        const spt = r.nsector;
        if (spt === 0) return this.abort();
        d.curSectorsPerTrack = spt;
        d.curHeads = (r.select & 0x0f) + 1;
        return this.complete();
      }
      case CMD.FLUSH_CACHE:
      case CMD.FLUSH_CACHE_EXT:
        try {
          d.backend.flush();
        } catch {
          return this.abort();
        }
        return this.complete();
      case CMD.SET_FEATURES:
        return this.setFeatures(d.modes, d);
      case CMD.IDLE:
      case CMD.IDLE_IMMEDIATE:
      case CMD.STANDBY:
      case CMD.STANDBY_IMMEDIATE:
      case CMD.SLEEP:
      case CMD.SEEK:
        return this.complete();
      case CMD.CHECK_POWER_MODE:
        r.nsector = 0xff; // active or idle
        return this.complete();
      case CMD.READ_NATIVE_MAX:
      case CMD.READ_NATIVE_MAX_EXT: {
        const max = d.sectors - 1;
        if (cmd === CMD.READ_NATIVE_MAX) {
          const m = Math.min(max, 0x0fffffff);
          r.sector = m & 0xff;
          r.lcyl = (m >>> 8) & 0xff;
          r.hcyl = (m >>> 16) & 0xff;
          r.select = (r.select & 0xf0) | ((m >>> 24) & 0x0f);
        } else {
          r.sector = max & 0xff;
          r.lcyl = (max >>> 8) & 0xff;
          r.hcyl = (max >>> 16) & 0xff;
          const hi = Math.floor(max / 0x1000000);
          r.hobSector = hi & 0xff;
          r.hobLcyl = (hi >>> 8) & 0xff;
          r.hobHcyl = (hi >>> 16) & 0xff;
        }
        return this.complete();
      }
      default:
        if (cmd >= CMD.RECALIBRATE && cmd <= 0x1f) return this.complete();
        return this.abort();
    }
  }

  /** SET FEATURES (§8.36): transfer mode, write cache, look-ahead; others abort. */
  private setFeatures(modes: TransferModes, disk?: AtaDisk): void {
    const r = this.cur;
    switch (r.feature) {
      case 0x03: {
        const v = r.nsector;
        const mode = v & 7;
        const kind = v >> 3;
        if (kind === 0 && mode <= 1) modes.pio = -1;
        else if (kind === 1 && mode <= 4) modes.pio = mode;
        else if (kind === 4 && mode <= 2) {
          modes.mwdma = mode;
          modes.udma = -1;
        } else if (kind === 8 && mode <= 5) {
          modes.udma = mode;
          modes.mwdma = -1;
        } else return this.abort();
        return this.complete();
      }
      case 0x02:
      case 0x82:
        if (!disk) return this.abort();
        disk.writeCache = r.feature === 0x02;
        return this.complete();
      case 0xaa:
      case 0x55:
      case 0x66:
      case 0xcc:
        return this.complete();
      default:
        return this.abort();
    }
  }

  /** The addressed sector: LBA28, LBA48 or CHS through the current translation; -1 if invalid. */
  private address(d: AtaDisk, ext: boolean): number {
    const r = this.cur;
    if (ext) {
      const hi = (r.hobHcyl << 16) | (r.hobLcyl << 8) | r.hobSector;
      return hi * 0x1000000 + ((r.hcyl << 16) | (r.lcyl << 8) | r.sector);
    }
    if (r.select & DEV_LBA) return ((r.select & 0x0f) << 24) | (r.hcyl << 16) | (r.lcyl << 8) | r.sector;
    const cyl = (r.hcyl << 8) | r.lcyl;
    const head = r.select & 0x0f;
    if (r.sector === 0 || r.sector > d.curSectorsPerTrack || head >= d.curHeads) return -1;
    return (cyl * d.curHeads + head) * d.curSectorsPerTrack + r.sector - 1;
  }

  /** Sector count: 0 means 256 (LBA28) or 65536 (LBA48). */
  private count(ext: boolean): number {
    const r = this.cur;
    if (ext) return ((r.hobNsector << 8) | r.nsector) || 0x10000;
    return r.nsector || 0x100;
  }

  private ataStartPio(d: AtaDisk, read: boolean, ext: boolean, block: number): void {
    if (block === 0) return this.abort(); // READ/WRITE MULTIPLE with multiple mode disabled
    const lba = this.address(d, ext);
    const count = this.count(ext);
    if (lba < 0 || lba + count > d.sectors) return this.abort(ER_IDNF);
    if (!read && d.backend.readOnly) return this.abort();
    this.opLba = lba;
    this.opRemaining = count;
    this.opBlock = block;
    if (read) this.ataReadBlock();
    else this.pioOut(Math.min(block, count) * ATA_SECTOR, NEXT_ATA_WRITE, false);
  }

  private ataReadBlock(): void {
    const d = this.drives[this.activeUnit] as AtaDisk;
    const n = Math.min(this.opBlock, this.opRemaining);
    try {
      d.backend.readSectors(this.opLba as Lba, n, this.buf, 0);
    } catch {
      return this.abort(ER_UNC);
    }
    this.opLba += n;
    this.opRemaining -= n;
    this.pioIn(n * ATA_SECTOR, NEXT_ATA_READ);
  }

  private ataWriteBlock(): void {
    const d = this.drives[this.activeUnit] as AtaDisk;
    const n = this.chunkEnd / ATA_SECTOR;
    try {
      d.backend.writeSectors(this.opLba as Lba, n, this.buf, 0);
    } catch {
      return this.abort();
    }
    this.opLba += n;
    this.opRemaining -= n;
    if (this.opRemaining > 0) this.pioOut(Math.min(this.opBlock, this.opRemaining) * ATA_SECTOR, NEXT_ATA_WRITE, true);
    else this.complete();
  }

  private ataStartDma(d: AtaDisk, read: boolean, ext: boolean): void {
    const lba = this.address(d, ext);
    const count = this.count(ext);
    if (lba < 0 || lba + count > d.sectors) return this.abort(ER_IDNF);
    if (!read && d.backend.readOnly) return this.abort();
    this.opLba = lba;
    this.opRemaining = count;
    this.dmaPending = read ? DMA_ATA_READ : DMA_ATA_WRITE;
    this.cur.status = ST_DRDY | ST_DSC | ST_DRQ;
    if (this.busMaster.running) this.runDma();
  }

  private runDma(): void {
    const kind = this.dmaPending;
    this.dmaPending = DMA_NONE;
    const bm = this.busMaster;
    if (kind === DMA_ATAPI_IN) return this.atapiRunDma();
    const d = this.drives[this.activeUnit] as AtaDisk;
    const per = BUF_BYTES / ATA_SECTOR;
    let result = DMA_OK;
    while (this.opRemaining > 0) {
      const n = Math.min(per, this.opRemaining);
      try {
        if (kind === DMA_ATA_READ) {
          d.backend.readSectors(this.opLba as Lba, n, this.buf, 0);
          result = bm.transfer(this.buf, 0, n * ATA_SECTOR, true);
        } else {
          result = bm.transfer(this.buf, 0, n * ATA_SECTOR, false);
          if (result === DMA_OK) d.backend.writeSectors(this.opLba as Lba, n, this.buf, 0);
        }
      } catch {
        bm.finish(DMA_SHORT);
        return this.abort(kind === DMA_ATA_READ ? ER_UNC : ER_ABRT);
      }
      if (result !== DMA_OK) break;
      this.opLba += n;
      this.opRemaining -= n;
    }
    bm.finish(result);
    if (result === DMA_OK) this.complete();
    else this.abort();
  }

  // ---- ATAPI ----

  private atapiCommand(d: AtapiCdrom, cmd: number): void {
    const r = this.cur;
    switch (cmd) {
      case CMD.IDENTIFY_PACKET_DEVICE:
        this.buf.set(atapiIdentify(d));
        this.pioIn(512, NEXT_IDLE);
        return;
      case CMD.PACKET:
        this.cdDma = (r.feature & 1) !== 0;
        this.cdBcl = r.lcyl | (r.hcyl << 8);
        r.nsector = IR_COD;
        // Accelerated DRQ (IDENTIFY PACKET word 0 bits 6:5 = 10b): no interrupt before the packet.
        this.pioOut(12, NEXT_PACKET, false);
        return;
      case CMD.DEVICE_RESET:
        r.signature('cdrom');
        r.error = DIAG_PASSED;
        r.status = 0;
        return;
      case CMD.SET_FEATURES:
        return this.setFeatures(d.modes);
      case CMD.IDLE_IMMEDIATE:
      case CMD.STANDBY_IMMEDIATE:
      case CMD.IDLE:
      case CMD.STANDBY:
      case CMD.SLEEP:
        return this.complete();
      case CMD.CHECK_POWER_MODE:
        r.nsector = 0xff;
        return this.complete();
      default:
        // A packet device aborts ATA commands and shows its signature, so hosts can tell (§8.15.1).
        this.abort();
        r.signature('cdrom');
        r.select = 0xa0 | (this.activeUnit << 4);
    }
  }

  private packet(): void {
    const cd = this.drives[this.activeUnit] as AtapiCdrom;
    const out = runPacket(cd, this.cdb, this.buf, this.outcome);
    switch (out.kind) {
      case 'good':
        return this.atapiDone();
      case 'check':
        return this.atapiError();
      case 'data':
        this.pos = 0;
        this.dataEnd = out.length;
        this.cdRemaining = 0;
        break;
      case 'read':
        this.pos = this.dataEnd = 0;
        this.cdLba = out.lba;
        this.cdRemaining = out.count;
        break;
    }
    if (this.cdDma) {
      this.dmaPending = DMA_ATAPI_IN;
      this.cur.status = ST_DRDY | ST_DSC | ST_DRQ;
      if (this.busMaster.running) this.runDma();
      return;
    }
    this.atapiNextChunk();
  }

  /** Load the next CD sectors of a READ into buf; false (sense set) when the medium fails. */
  private loadCdSectors(): boolean {
    const cd = this.drives[this.activeUnit] as AtapiCdrom;
    const backend = cd.backend;
    if (!backend) {
      cd.setSense(SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
      return false;
    }
    const k = Math.min(this.cdRemaining, BUF_BYTES / CD_SECTOR);
    const per = CD_SECTOR / ATA_SECTOR;
    try {
      backend.readSectors((this.cdLba * per) as Lba, k * per, this.buf, 0);
    } catch {
      cd.setSense(SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ_ERROR);
      return false;
    }
    this.pos = 0;
    this.dataEnd = k * CD_SECTOR;
    this.cdLba += k;
    this.cdRemaining -= k;
    return true;
  }

  /** The next DRQ block of a data-in packet command, at most the byte count limit (§5.14). */
  private atapiNextChunk(): void {
    if (this.pos >= this.dataEnd) {
      if (this.cdRemaining === 0) return this.atapiDone();
      if (!this.loadCdSectors()) return this.atapiError();
    }
    let limit = this.cdBcl;
    if (limit === 0 || limit > 0xfffe) limit = 0xfffe;
    // Whole sectors per block when the limit allows, as drives do for READ.
    if (limit >= CD_SECTOR && this.dataEnd % CD_SECTOR === 0 && this.dataEnd >= CD_SECTOR) limit -= limit % CD_SECTOR;
    const n = Math.min(limit, this.dataEnd - this.pos);
    const r = this.cur;
    r.lcyl = n & 0xff;
    r.hcyl = (n >>> 8) & 0xff;
    r.nsector = IR_IO;
    this.chunkEnd = this.pos + n;
    this.xfer = XFER_IN;
    this.next = NEXT_ATAPI_IN;
    r.status = ST_DRDY | ST_DSC | ST_DRQ;
    this.raiseIrq();
  }

  private atapiRunDma(): void {
    const bm = this.busMaster;
    let result = DMA_OK;
    for (;;) {
      if (this.pos >= this.dataEnd) {
        if (this.cdRemaining === 0) break;
        if (!this.loadCdSectors()) {
          bm.finish(DMA_SHORT);
          return this.atapiError();
        }
      }
      result = bm.transfer(this.buf, this.pos, this.dataEnd - this.pos, true);
      if (result !== DMA_OK) break;
      this.pos = this.dataEnd;
    }
    bm.finish(result);
    if (result === DMA_OK) return this.atapiDone();
    // Aborted command, information unit / DMA failure (SPC-3 Table 28: 0Bh).
    (this.drives[this.activeUnit] as AtapiCdrom).setSense(0x0b, 0x00);
    this.atapiError();
  }

  private atapiDone(): void {
    this.abortTransfer();
    const r = this.cur;
    r.status = ST_DRDY | ST_DSC;
    r.error = 0;
    r.nsector = IR_IO | IR_COD;
    this.raiseIrq();
  }

  /** CHECK CONDITION: ERR with the sense key in error bits 7:4 (SFF-8020i §7.1.3). */
  private atapiError(): void {
    this.abortTransfer();
    const cd = this.drives[this.activeUnit] as AtapiCdrom;
    const r = this.cur;
    r.status = ST_DRDY | ST_ERR;
    r.error = (cd.senseKey << 4) | (cd.senseKey === 0x05 ? ER_ABRT : 0);
    r.nsector = IR_IO | IR_COD;
    this.raiseIrq();
  }

  // ---- saved state ----

  save(): IdeChannelState {
    const used = Math.max(this.chunkEnd, this.dataEnd);
    return {
      regs: this.regs.map((r) => r.save()),
      unit: this.unit,
      control: this.control,
      intrq: this.intrq,
      xfer: this.xfer,
      next: this.next,
      pos: this.pos,
      chunkEnd: this.chunkEnd,
      dataEnd: this.dataEnd,
      buf: Buffer.from(this.buf.subarray(0, used)).toString('base64'),
      opLba: this.opLba,
      opRemaining: this.opRemaining,
      opBlock: this.opBlock,
      dmaPending: this.dmaPending,
      cdLba: this.cdLba,
      cdRemaining: this.cdRemaining,
      cdBcl: this.cdBcl,
      cdDma: this.cdDma,
      activeUnit: this.activeUnit,
      busMaster: this.busMaster.save(),
      drives: this.drives.map((d) => (d ? saveDrive(d) : null)),
    };
  }

  restore(s: IdeChannelState): void {
    const clamp = (v: unknown, lo: number, hi: number): number => (typeof v === 'number' && Number.isFinite(v) ? Math.max(lo, Math.min(hi, Math.floor(v))) : lo);
    s.regs.forEach((r, i) => this.regs[i]?.restore(r));
    this.unit = clamp(s.unit, 0, 1);
    this.control = clamp(s.control, 0, 0xff);
    this.intrq = Boolean(s.intrq);
    this.xfer = clamp(s.xfer, 0, 2);
    this.next = clamp(s.next, 0, 5);
    const bytes = Buffer.from(String(s.buf ?? ''), 'base64');
    this.buf.set(bytes.subarray(0, BUF_BYTES));
    this.pos = clamp(s.pos, 0, BUF_BYTES);
    this.chunkEnd = clamp(s.chunkEnd, 0, BUF_BYTES);
    this.dataEnd = clamp(s.dataEnd, 0, BUF_BYTES);
    this.opLba = clamp(s.opLba, 0, Number.MAX_SAFE_INTEGER);
    this.opRemaining = clamp(s.opRemaining, 0, 0x10000);
    this.opBlock = clamp(s.opBlock, 1, MAX_MULTIPLE);
    this.dmaPending = clamp(s.dmaPending, 0, 3);
    this.cdLba = clamp(s.cdLba, 0, 0xffffffff);
    this.cdRemaining = clamp(s.cdRemaining, 0, 0xffffffff);
    this.cdBcl = clamp(s.cdBcl, 0, 0xffff);
    this.cdDma = Boolean(s.cdDma);
    this.activeUnit = clamp(s.activeUnit, 0, 1);
    this.busMaster.restore(s.busMaster);
    s.drives.forEach((ds, i) => {
      const d = this.drives[i];
      if (d && ds) restoreDrive(d, ds);
    });
    this.irq.setLevel(this.intrq && !(this.control & DC_NIEN));
  }
}
