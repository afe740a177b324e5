// The ATA command set of a hard disk on the channel (ATA/ATAPI-6 §8): IDENTIFY, PIO reads and
// writes (single sector and READ/WRITE MULTIPLE blocks), bus-master DMA, LBA28, LBA48 and CHS
// addressing, and the housekeeping commands (SET FEATURES, SET MULTIPLE, FLUSH, power
// modes, READ NATIVE MAX). A command the disk does not know, or an address past its end,
// aborts; a failing backend is UNC (reads) or ABRT (writes), never a throw.
import type { Lba } from '../../common';
import { ATA_SECTOR, CMD, DEV_LBA, ER_ABRT, ER_IDNF, ER_UNC, MAX_MULTIPLE } from './ata-defs';
import { DMA_OK, DMA_SHORT } from './bus-master';
import { BUF_BYTES, type ChannelEngine, DMA_ATA_READ, DMA_ATA_WRITE, DMA_NONE, NEXT_ATA_READ, NEXT_ATA_WRITE, NEXT_IDLE } from './channel-engine';
import { ataIdentify } from './identify';
import type { AtaDisk, TransferModes } from './ide-drives';

export class AtaCommandSet {
  // The read or write in progress.
  lba = 0;
  remaining = 0;
  /** Sectors per DRQ block: 1, or the multiple count for READ/WRITE MULTIPLE. */
  block = 1;

  constructor(private readonly e: ChannelEngine) {}

  private get disk(): AtaDisk {
    return this.e.activeDrive as AtaDisk;
  }

  command(d: AtaDisk, cmd: number): void {
    const e = this.e;
    const r = e.cur;
    switch (cmd) {
      case CMD.IDENTIFY_DEVICE:
        e.buf.set(ataIdentify(d));
        e.pioIn(512, NEXT_IDLE);
        return;
      case CMD.READ_SECTORS:
      case CMD.READ_SECTORS_NORETRY:
        return this.startPio(d, true, false, 1);
      case CMD.READ_SECTORS_EXT:
        return this.startPio(d, true, true, 1);
      case CMD.READ_MULTIPLE:
        return this.startPio(d, true, false, d.multipleCount);
      case CMD.READ_MULTIPLE_EXT:
        return this.startPio(d, true, true, d.multipleCount);
      case CMD.WRITE_SECTORS:
      case CMD.WRITE_SECTORS_NORETRY:
        return this.startPio(d, false, false, 1);
      case CMD.WRITE_SECTORS_EXT:
        return this.startPio(d, false, true, 1);
      case CMD.WRITE_MULTIPLE:
        return this.startPio(d, false, false, d.multipleCount);
      case CMD.WRITE_MULTIPLE_EXT:
        return this.startPio(d, false, true, d.multipleCount);
      case CMD.READ_DMA:
      case CMD.READ_DMA_NORETRY:
        return this.startDma(d, true, false);
      case CMD.READ_DMA_EXT:
        return this.startDma(d, true, true);
      case CMD.WRITE_DMA:
      case CMD.WRITE_DMA_NORETRY:
        return this.startDma(d, false, false);
      case CMD.WRITE_DMA_EXT:
        return this.startDma(d, false, true);
      case CMD.READ_VERIFY:
      case CMD.READ_VERIFY_NORETRY:
      case CMD.READ_VERIFY_EXT: {
        const ext = cmd === CMD.READ_VERIFY_EXT;
        const lba = this.address(d, ext);
        if (lba < 0 || lba + this.count(ext) > d.sectors) return e.abort(ER_IDNF);
        return e.complete();
      }
      case CMD.SET_MULTIPLE_MODE: {
        const n = r.nsector;
        // 0 disables; otherwise a power of two no larger than word 47 (§8.39).
        if (n > MAX_MULTIPLE || (n & (n - 1)) !== 0) return e.abort();
        d.multipleCount = n;
        return e.complete();
      }
      case CMD.INITIALIZE_DEVICE_PARAMETERS: {
        const spt = r.nsector;
        if (spt === 0) return e.abort();
        d.curSectorsPerTrack = spt;
        d.curHeads = (r.select & 0x0f) + 1;
        return e.complete();
      }
      case CMD.FLUSH_CACHE:
      case CMD.FLUSH_CACHE_EXT:
        try {
          d.backend.flush();
        } catch {
          return e.abort();
        }
        return e.complete();
      case CMD.SET_FEATURES:
        return setFeatures(e, d.modes, d);
      case CMD.IDLE:
      case CMD.IDLE_IMMEDIATE:
      case CMD.STANDBY:
      case CMD.STANDBY_IMMEDIATE:
      case CMD.SLEEP:
      case CMD.SEEK:
        return e.complete();
      case CMD.CHECK_POWER_MODE:
        r.nsector = 0xff; // active or idle
        return e.complete();
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
        return e.complete();
      }
      default:
        if (cmd >= CMD.RECALIBRATE && cmd <= 0x1f) return e.complete();
        return e.abort();
    }
  }

  /** The addressed sector: LBA28, LBA48 or CHS through the current translation; -1 if invalid. */
  private address(d: AtaDisk, ext: boolean): number {
    const r = this.e.cur;
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
    const r = this.e.cur;
    if (ext) return ((r.hobNsector << 8) | r.nsector) || 0x10000;
    return r.nsector || 0x100;
  }

  /** Check the range of a read or write and remember it; false when it aborted. */
  private begin(d: AtaDisk, read: boolean, ext: boolean): boolean {
    const lba = this.address(d, ext);
    const count = this.count(ext);
    if (lba < 0 || lba + count > d.sectors) {
      this.e.abort(ER_IDNF);
      return false;
    }
    if (!read && d.backend.readOnly) {
      this.e.abort();
      return false;
    }
    this.lba = lba;
    this.remaining = count;
    return true;
  }

  private startPio(d: AtaDisk, read: boolean, ext: boolean, block: number): void {
    if (block === 0) return this.e.abort(); // READ/WRITE MULTIPLE with multiple mode disabled
    if (!this.begin(d, read, ext)) return;
    this.block = block;
    if (read) this.readBlock();
    else this.e.pioOut(Math.min(block, this.remaining) * ATA_SECTOR, NEXT_ATA_WRITE, false);
  }

  /** The next DRQ block of a PIO read (the channel calls it while sectors remain). */
  readBlock(): void {
    const e = this.e;
    const n = Math.min(this.block, this.remaining);
    try {
      this.disk.backend.readSectors(this.lba as Lba, n, e.buf, 0);
    } catch {
      return e.abort(ER_UNC);
    }
    this.lba += n;
    this.remaining -= n;
    e.pioIn(n * ATA_SECTOR, NEXT_ATA_READ);
  }

  /** The host filled a DRQ block of a PIO write: store it, ask for the next or complete. */
  writeBlock(): void {
    const e = this.e;
    const n = e.chunkEnd / ATA_SECTOR;
    try {
      this.disk.backend.writeSectors(this.lba as Lba, n, e.buf, 0);
    } catch {
      return e.abort();
    }
    this.lba += n;
    this.remaining -= n;
    if (this.remaining > 0) e.pioOut(Math.min(this.block, this.remaining) * ATA_SECTOR, NEXT_ATA_WRITE, true);
    else e.complete();
  }

  private startDma(d: AtaDisk, read: boolean, ext: boolean): void {
    if (!this.begin(d, read, ext)) return;
    this.e.awaitDma(read ? DMA_ATA_READ : DMA_ATA_WRITE, () => this.runDma());
  }

  /** Move the whole read or write through the bus-master engine, then complete or abort. */
  runDma(): void {
    const e = this.e;
    const kind = e.dmaPending;
    e.dmaPending = DMA_NONE;
    const bm = e.busMaster;
    const d = this.disk;
    const per = BUF_BYTES / ATA_SECTOR;
    let result = DMA_OK;
    while (this.remaining > 0) {
      const n = Math.min(per, this.remaining);
      try {
        if (kind === DMA_ATA_READ) {
          d.backend.readSectors(this.lba as Lba, n, e.buf, 0);
          result = bm.transfer(e.buf, 0, n * ATA_SECTOR, true);
        } else {
          result = bm.transfer(e.buf, 0, n * ATA_SECTOR, false);
          if (result === DMA_OK) d.backend.writeSectors(this.lba as Lba, n, e.buf, 0);
        }
      } catch {
        bm.finish(DMA_SHORT);
        return e.abort(kind === DMA_ATA_READ ? ER_UNC : ER_ABRT);
      }
      if (result !== DMA_OK) break;
      this.lba += n;
      this.remaining -= n;
    }
    bm.finish(result);
    if (result === DMA_OK) e.complete();
    else e.abort();
  }
}

/** SET FEATURES (§8.36), for disks and packet devices: transfer mode, write cache, look-ahead; others abort. */
export function setFeatures(e: ChannelEngine, modes: TransferModes, disk?: AtaDisk): void {
  const r = e.cur;
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
      } else return e.abort();
      return e.complete();
    }
    case 0x02:
    case 0x82:
      if (!disk) return e.abort();
      disk.writeCache = r.feature === 0x02;
      return e.complete();
    case 0xaa:
    case 0x55:
    case 0x66:
    case 0xcc:
      return e.complete();
    default:
      return e.abort();
  }
}
