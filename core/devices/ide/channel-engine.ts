// What the two command sets of an IDE channel share: the drives' task files, INTRQ with
// nIEN, the PIO engine (one buffer, the DRQ block being moved and what comes after it),
// the DMA command waiting for the bus-master engine, and the ways a command ends (ATA/ATAPI-6
// §9: idle, complete with an interrupt, abort with ERR). It knows no command; the ATA and
// ATAPI command sets (ata-command-set.ts, atapi-command-set.ts) drive it.
import type { IrqLine } from '../../bus';
import { DC_NIEN, ER_ABRT, ST_DRDY, ST_DRQ, ST_DSC, ST_ERR } from './ata-defs';
import type { BusMasterChannel } from './bus-master';
import type { IdeDrive } from './ide-drives';
import { TaskFile } from './task-file';

// What happens when the current DRQ block has been moved.
export const NEXT_NONE = 0;
export const NEXT_ATA_READ = 1;
export const NEXT_ATA_WRITE = 2;
export const NEXT_IDLE = 3;
export const NEXT_PACKET = 4;
export const NEXT_ATAPI_IN = 5;
export const NEXT_LAST = NEXT_ATAPI_IN;

export const XFER_NONE = 0;
export const XFER_IN = 1;
export const XFER_OUT = 2;

// A DMA command waiting for the bus-master engine.
export const DMA_NONE = 0;
export const DMA_ATA_READ = 1;
export const DMA_ATA_WRITE = 2;
export const DMA_ATAPI_IN = 3;

/** 128 KiB: 256 ATA sectors or 64 CD sectors per backend call. */
export const BUF_BYTES = 0x20000;

export class ChannelEngine {
  readonly regs = [new TaskFile(), new TaskFile()] as const;
  /** Device control register (nIEN, SRST, HOB). */
  control = 0;
  intrq = false;
  readonly buf = new Uint8Array(BUF_BYTES);
  xfer = XFER_NONE;
  next = NEXT_NONE;
  pos = 0;
  chunkEnd = 0;
  dataEnd = 0;
  dmaPending = DMA_NONE;
  /** The drive running the current command. */
  activeUnit = 0;

  constructor(
    readonly drives: readonly [IdeDrive | undefined, IdeDrive | undefined],
    readonly busMaster: BusMasterChannel,
    private readonly irq: IrqLine,
  ) {}

  /** The task file of the drive running the command. */
  get cur(): TaskFile {
    return this.regs[this.activeUnit]!;
  }

  get activeDrive(): IdeDrive {
    return this.drives[this.activeUnit]!;
  }

  raiseIrq(): void {
    this.busMaster.status |= 0x04;
    this.intrq = true;
    if (!(this.control & DC_NIEN)) {
      // A fresh edge per interrupt, for edge-triggered ISA IRQ14/15.
      this.irq.setLevel(false);
      this.irq.setLevel(true);
    }
  }

  clearIrq(): void {
    this.intrq = false;
    this.irq.setLevel(false);
  }

  /** Drive INTRQ onto the line as nIEN allows (after a control write or a restore). */
  syncIrqLine(): void {
    this.irq.setLevel(this.intrq && !(this.control & DC_NIEN));
  }

  abortTransfer(): void {
    this.xfer = XFER_NONE;
    this.next = NEXT_NONE;
    this.dmaPending = DMA_NONE;
    this.pos = this.chunkEnd = this.dataEnd = 0;
  }

  idle(): void {
    this.xfer = XFER_NONE;
    this.next = NEXT_NONE;
    this.cur.status = ST_DRDY | ST_DSC;
  }

  complete(): void {
    this.idle();
    this.cur.error = 0;
    this.raiseIrq();
  }

  abort(error = ER_ABRT): void {
    this.abortTransfer();
    this.cur.status = ST_DRDY | ST_DSC | ST_ERR;
    this.cur.error = error;
    this.raiseIrq();
  }

  /** Present `length` bytes of buf for the host to read, then `next`; interrupts. */
  pioIn(length: number, next: number): void {
    this.pos = 0;
    this.chunkEnd = length;
    this.xfer = XFER_IN;
    this.next = next;
    this.cur.status = ST_DRDY | ST_DSC | ST_DRQ;
    this.cur.error = 0;
    this.raiseIrq();
  }

  /** Take `length` bytes from the host into buf, then `next`; interrupts only if told to. */
  pioOut(length: number, next: number, interrupt: boolean): void {
    this.pos = 0;
    this.chunkEnd = length;
    this.xfer = XFER_OUT;
    this.next = next;
    this.cur.status = ST_DRDY | ST_DSC | ST_DRQ;
    this.cur.error = 0;
    if (interrupt) this.raiseIrq();
  }

  /** A DMA command is ready: run it now if the bus master is started, else when it is. */
  awaitDma(kind: number, run: () => void): void {
    this.dmaPending = kind;
    this.cur.status = ST_DRDY | ST_DSC | ST_DRQ;
    if (this.busMaster.running) run();
  }
}
