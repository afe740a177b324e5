// One channel of the SFF-8038i bus-master IDE function (BAR4, 8 ports per channel):
// command (+0: bit 0 start, bit 3 direction), status (+2: bit 0 active, bit 1 error and
// bit 2 interrupt are write-1-to-clear, bits 5–6 drive DMA capable), and the PRD table
// pointer (+4). The PRD walker moves bytes between a device buffer and guest RAM; an entry
// pointing outside RAM stops the transfer with the error bit, it never throws.
import type { GuestMemory } from '../../memory';

export const BM_CMD_START = 0x01;
export const BM_CMD_WRITE_TO_MEMORY = 0x08;
export const BM_ST_ACTIVE = 0x01;
export const BM_ST_ERROR = 0x02;
export const BM_ST_INTERRUPT = 0x04;

export const DMA_OK = 0;
/** The PRD table ended (EOT) before the device's data did. */
export const DMA_SHORT = 1;
/** A PRD or the table itself lies outside guest RAM. */
export const DMA_FAULT = 2;

/** PRD tables are at most 64 KiB (SFF-8038i §1.2): 8192 entries. */
const MAX_ENTRIES = 8192;

export class BusMasterChannel {
  command = 0;
  status = 0;
  prdTable = 0;
  // PRD walker cursor, valid while the engine runs.
  private entryAddr = 0;
  private entries = 0;
  private chunkAddr = 0;
  private chunkLeft = 0;
  private lastEntry = false;
  /** Called when the start bit goes from 0 to 1: the channel runs a waiting DMA command. */
  onStart: () => void = () => {};

  constructor(private readonly memory: GuestMemory) {}

  get running(): boolean {
    return (this.command & BM_CMD_START) !== 0;
  }

  read(offset: number): number {
    switch (offset) {
      case 0:
        return this.command;
      case 2:
        return this.status;
      case 4:
      case 5:
      case 6:
      case 7:
        return (this.prdTable >>> (8 * (offset - 4))) & 0xff;
      default:
        return 0;
    }
  }

  write(offset: number, value: number): void {
    switch (offset) {
      case 0: {
        const was = this.command & BM_CMD_START;
        this.command = value & (BM_CMD_START | BM_CMD_WRITE_TO_MEMORY);
        if (!was && value & BM_CMD_START) {
          this.status |= BM_ST_ACTIVE;
          this.entryAddr = this.prdTable;
          this.entries = 0;
          this.chunkLeft = 0;
          this.lastEntry = false;
          this.onStart();
        } else if (was && !(value & BM_CMD_START)) {
          // Stopping the engine ends any transfer (SFF-8038i §2.1.1).
          this.status &= ~BM_ST_ACTIVE;
        }
        return;
      }
      case 2:
        this.status = (this.status & ~0x60 & ~(value & (BM_ST_ERROR | BM_ST_INTERRUPT))) | (value & 0x60);
        return;
      case 4:
      case 5:
      case 6:
      case 7: {
        const shift = 8 * (offset - 4);
        const v = ((this.prdTable & ~(0xff << shift)) | ((value & 0xff) << shift)) >>> 0;
        this.prdTable = (v & 0xfffffffc) >>> 0; // dword aligned
        return;
      }
      default:
    }
  }

  /** Move `length` bytes between buf[offset…] and guest RAM along the PRD table. */
  transfer(buf: Uint8Array, offset: number, length: number, toMemory: boolean): number {
    const mem = this.memory;
    while (length > 0) {
      if (this.chunkLeft === 0) {
        if (this.lastEntry) return DMA_SHORT;
        if (this.entries >= MAX_ENTRIES || !mem.contains(this.entryAddr, 8)) return this.fault();
        const dv = mem.view;
        this.chunkAddr = dv.getUint32(this.entryAddr, true) & 0xfffffffe;
        const count = dv.getUint16(this.entryAddr + 4, true) & 0xfffe;
        this.chunkLeft = count === 0 ? 0x10000 : count;
        this.lastEntry = (dv.getUint16(this.entryAddr + 6, true) & 0x8000) !== 0;
        this.entryAddr = (this.entryAddr + 8) >>> 0;
        this.entries++;
      }
      const n = Math.min(length, this.chunkLeft);
      if (!mem.contains(this.chunkAddr, n)) return this.fault();
      if (toMemory) {
        mem.u8.set(buf.subarray(offset, offset + n), this.chunkAddr);
        mem.markDirty(this.chunkAddr, n);
      } else {
        buf.set(mem.u8.subarray(this.chunkAddr, this.chunkAddr + n), offset);
      }
      this.chunkAddr += n;
      this.chunkLeft -= n;
      offset += n;
      length -= n;
    }
    return DMA_OK;
  }

  /** The device's data is done: the engine stops when the table is used up, and interrupts. */
  finish(result: number): void {
    if (result === DMA_FAULT) this.status |= BM_ST_ERROR;
    if (result !== DMA_OK || (this.lastEntry && this.chunkLeft === 0)) this.status &= ~BM_ST_ACTIVE;
    this.status |= BM_ST_INTERRUPT;
  }

  private fault(): number {
    this.chunkLeft = 0;
    this.lastEntry = true;
    return DMA_FAULT;
  }

  reset(): void {
    this.command = 0;
    this.status &= 0x60;
    this.prdTable = 0;
    this.chunkLeft = 0;
    this.lastEntry = false;
  }

  save(): { command: number; status: number; prdTable: number; entryAddr: number; entries: number; chunkAddr: number; chunkLeft: number; lastEntry: boolean } {
    return {
      command: this.command,
      status: this.status,
      prdTable: this.prdTable,
      entryAddr: this.entryAddr,
      entries: this.entries,
      chunkAddr: this.chunkAddr,
      chunkLeft: this.chunkLeft,
      lastEntry: this.lastEntry,
    };
  }

  restore(s: ReturnType<BusMasterChannel['save']>): void {
    this.command = s.command & 0x09;
    this.status = s.status & 0x67;
    this.prdTable = (s.prdTable & 0xfffffffc) >>> 0;
    this.entryAddr = s.entryAddr >>> 0;
    this.entries = s.entries | 0;
    this.chunkAddr = s.chunkAddr >>> 0;
    this.chunkLeft = Math.max(0, Math.min(0x10000, s.chunkLeft | 0));
    this.lastEntry = Boolean(s.lastEntry);
  }
}
