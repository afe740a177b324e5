// The ATA commands of a packet device (the CD-ROM) and the PACKET protocol around its
// packets (ATA/ATAPI-6 §8.23 and §9.10–9.11, SFF-8020i): the 12-byte packet in by PIO, then
// the data phase in byte-count-limited DRQ blocks or by bus-master DMA, and the status
// phase with the sense key in the error register. The packets themselves are atapi-packets.ts.
import type { Lba } from '../../common';
import {
  ASC_MEDIUM_NOT_PRESENT,
  ASC_UNRECOVERED_READ_ERROR,
  ATA_SECTOR,
  CD_SECTOR,
  CMD,
  DIAG_PASSED,
  ER_ABRT,
  IR_COD,
  IR_IO,
  SK_MEDIUM_ERROR,
  SK_NOT_READY,
  ST_DRDY,
  ST_DRQ,
  ST_DSC,
  ST_ERR,
} from './ata-defs';
import { setFeatures } from './ata-command-set';
import { runPacket, type PacketOutcome } from './atapi-packets';
import { DMA_OK, DMA_SHORT } from './bus-master';
import { BUF_BYTES, type ChannelEngine, DMA_ATAPI_IN, DMA_NONE, NEXT_ATAPI_IN, NEXT_IDLE, NEXT_PACKET, XFER_IN } from './channel-engine';
import { atapiIdentify } from './identify';
import type { AtapiCdrom } from './ide-drives';

export class AtapiCommandSet {
  // The packet command in progress: CD sectors still to load, the byte count limit, DMA or PIO.
  lba = 0;
  remaining = 0;
  byteCountLimit = 0;
  dma = false;
  private readonly outcome: PacketOutcome = { kind: 'good', length: 0, lba: 0, count: 0 };
  private readonly cdb = new Uint8Array(12);

  constructor(private readonly e: ChannelEngine) {}

  private get cd(): AtapiCdrom {
    return this.e.activeDrive as AtapiCdrom;
  }

  command(d: AtapiCdrom, cmd: number): void {
    const e = this.e;
    const r = e.cur;
    switch (cmd) {
      case CMD.IDENTIFY_PACKET_DEVICE:
        e.buf.set(atapiIdentify(d));
        e.pioIn(512, NEXT_IDLE);
        return;
      case CMD.PACKET:
        this.dma = (r.feature & 1) !== 0;
        this.byteCountLimit = r.lcyl | (r.hcyl << 8);
        r.nsector = IR_COD;
        // Accelerated DRQ (IDENTIFY PACKET word 0 bits 6:5 = 10b): no interrupt before the packet.
        e.pioOut(12, NEXT_PACKET, false);
        return;
      case CMD.DEVICE_RESET:
        r.signature('cdrom');
        r.error = DIAG_PASSED;
        r.status = 0;
        return;
      case CMD.SET_FEATURES:
        return setFeatures(e, d.modes);
      case CMD.IDLE_IMMEDIATE:
      case CMD.STANDBY_IMMEDIATE:
      case CMD.IDLE:
      case CMD.STANDBY:
      case CMD.SLEEP:
        return e.complete();
      case CMD.CHECK_POWER_MODE:
        r.nsector = 0xff;
        return e.complete();
      default:
        // A packet device aborts ATA commands and shows its signature, so hosts can tell (§8.15.1).
        e.abort();
        r.signature('cdrom');
        r.select = 0xa0 | (e.activeUnit << 4);
    }
  }

  /** The host wrote the 12-byte packet (it is at the start of the buffer): run it. */
  packet(): void {
    const e = this.e;
    this.cdb.set(e.buf.subarray(0, 12));
    const out = runPacket(this.cd, this.cdb, e.buf, this.outcome);
    switch (out.kind) {
      case 'good':
        return this.done();
      case 'check':
        return this.error();
      case 'data':
        e.pos = 0;
        e.dataEnd = out.length;
        this.remaining = 0;
        break;
      case 'read':
        e.pos = e.dataEnd = 0;
        this.lba = out.lba;
        this.remaining = out.count;
        break;
    }
    if (this.dma) return e.awaitDma(DMA_ATAPI_IN, () => this.runDma());
    this.nextChunk();
  }

  /** Load the next CD sectors of a READ into the buffer; false (sense set) when the medium fails. */
  private loadSectors(): boolean {
    const e = this.e;
    const cd = this.cd;
    const backend = cd.backend;
    if (!backend) {
      cd.setSense(SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
      return false;
    }
    const k = Math.min(this.remaining, BUF_BYTES / CD_SECTOR);
    const per = CD_SECTOR / ATA_SECTOR;
    try {
      backend.readSectors((this.lba * per) as Lba, k * per, e.buf, 0);
    } catch {
      cd.setSense(SK_MEDIUM_ERROR, ASC_UNRECOVERED_READ_ERROR);
      return false;
    }
    e.pos = 0;
    e.dataEnd = k * CD_SECTOR;
    this.lba += k;
    this.remaining -= k;
    return true;
  }

  /** The next DRQ block of a data-in packet command, at most the byte count limit (§5.14). */
  nextChunk(): void {
    const e = this.e;
    if (e.pos >= e.dataEnd) {
      if (this.remaining === 0) return this.done();
      if (!this.loadSectors()) return this.error();
    }
    let limit = this.byteCountLimit;
    if (limit === 0 || limit > 0xfffe) limit = 0xfffe;
    // Whole sectors per block when the limit allows, as drives do for READ.
    if (limit >= CD_SECTOR && e.dataEnd % CD_SECTOR === 0 && e.dataEnd >= CD_SECTOR) limit -= limit % CD_SECTOR;
    const n = Math.min(limit, e.dataEnd - e.pos);
    const r = e.cur;
    r.lcyl = n & 0xff;
    r.hcyl = (n >>> 8) & 0xff;
    r.nsector = IR_IO;
    e.chunkEnd = e.pos + n;
    e.xfer = XFER_IN;
    e.next = NEXT_ATAPI_IN;
    r.status = ST_DRDY | ST_DSC | ST_DRQ;
    e.raiseIrq();
  }

  /** The whole data phase through the bus-master engine. */
  runDma(): void {
    const e = this.e;
    e.dmaPending = DMA_NONE;
    const bm = e.busMaster;
    let result = DMA_OK;
    for (;;) {
      if (e.pos >= e.dataEnd) {
        if (this.remaining === 0) break;
        if (!this.loadSectors()) {
          bm.finish(DMA_SHORT);
          return this.error();
        }
      }
      result = bm.transfer(e.buf, e.pos, e.dataEnd - e.pos, true);
      if (result !== DMA_OK) break;
      e.pos = e.dataEnd;
    }
    bm.finish(result);
    if (result === DMA_OK) return this.done();
    // Aborted command, information unit / DMA failure (SPC-3 Table 28: 0Bh).
    this.cd.setSense(0x0b, 0x00);
    this.error();
  }

  private done(): void {
    const e = this.e;
    e.abortTransfer();
    this.remaining = 0;
    const r = e.cur;
    r.status = ST_DRDY | ST_DSC;
    r.error = 0;
    r.nsector = IR_IO | IR_COD;
    e.raiseIrq();
  }

  /** CHECK CONDITION: ERR with the sense key in error bits 7:4 (SFF-8020i §7.1.3). */
  private error(): void {
    const e = this.e;
    e.abortTransfer();
    this.remaining = 0;
    const cd = this.cd;
    const r = e.cur;
    r.status = ST_DRDY | ST_ERR;
    r.error = (cd.senseKey << 4) | (cd.senseKey === 0x05 ? ER_ABRT : 0);
    r.nsector = IR_IO | IR_COD;
    e.raiseIrq();
  }
}
