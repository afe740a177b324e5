// The two kinds of drive an IDE channel holds: an ATA disk over a BlockBackend, and an
// ATAPI CD-ROM whose medium (a BlockBackend read in 2048-byte sectors) the host inserts
// and ejects. These hold per-drive settings and media state; the channel runs commands.
import type { BlockBackend } from '../../storage';
import { VmdeskError } from '../../common';
import { ATA_SECTOR, CD_SECTOR, MAX_MULTIPLE, SK_NO_SENSE, SK_UNIT_ATTENTION } from './ata-defs';

export class IdeError extends VmdeskError {
  constructor(message: string) {
    super('ide', message);
  }
}

export interface DriveIdentity {
  /** IDENTIFY model number, at most 40 characters. */
  model?: string;
  /** Serial number, at most 20 characters. */
  serial?: string;
  /** Firmware revision, at most 8 characters. */
  firmware?: string;
}

function checkIdentity(id: DriveIdentity): void {
  if ((id.model?.length ?? 0) > 40) throw new IdeError(`ide: model "${id.model}" is longer than 40 characters`);
  if ((id.serial?.length ?? 0) > 20) throw new IdeError(`ide: serial "${id.serial}" is longer than 20 characters`);
  if ((id.firmware?.length ?? 0) > 8) throw new IdeError(`ide: firmware "${id.firmware}" is longer than 8 characters`);
}

/** Transfer modes selected by SET FEATURES 03h (ATA-6 §8.36.10). */
export interface TransferModes {
  /** 0..4, or -1 for the default PIO mode. */
  pio: number;
  /** Multiword DMA mode 0..2 selected, or -1. */
  mwdma: number;
  /** Ultra DMA mode 0..5 selected, or -1. */
  udma: number;
}

export class AtaDisk {
  readonly kind = 'disk' as const;
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
  /** Default translation (IDENTIFY words 1, 3, 6). */
  readonly cylinders: number;
  readonly heads: number;
  readonly sectorsPerTrack: number;
  /** Current translation, changed by INITIALIZE DEVICE PARAMETERS. */
  curHeads: number;
  curSectorsPerTrack: number;
  multipleCount = MAX_MULTIPLE;
  writeCache = true;
  modes: TransferModes = { pio: -1, mwdma: 2, udma: -1 };

  constructor(
    readonly backend: BlockBackend,
    identity: DriveIdentity = {},
  ) {
    checkIdentity(identity);
    this.model = identity.model ?? 'VMDESK HARDDISK';
    this.serial = identity.serial ?? 'VMD00000000000000001';
    this.firmware = identity.firmware ?? '1.0';
    const total = backend.sectorCount;
    // The usual 16-head, 63-sector translation, capped at 16383 cylinders (ATA-6 §6.2.1).
    this.heads = 16;
    this.sectorsPerTrack = 63;
    this.cylinders = Math.max(1, Math.min(16383, Math.floor(total / (16 * 63))));
    this.curHeads = this.heads;
    this.curSectorsPerTrack = this.sectorsPerTrack;
  }

  get sectors(): number {
    return this.backend.sectorCount;
  }

  /** Sectors addressable through the current CHS translation (words 57–58). */
  get chsCapacity(): number {
    const cyl = Math.min(16383, Math.floor(this.sectors / (this.curHeads * this.curSectorsPerTrack)));
    return cyl * this.curHeads * this.curSectorsPerTrack;
  }

  get curCylinders(): number {
    return Math.min(16383, Math.floor(this.sectors / (this.curHeads * this.curSectorsPerTrack)));
  }

  resetSettings(): void {
    this.curHeads = this.heads;
    this.curSectorsPerTrack = this.sectorsPerTrack;
  }
}

/** Media events for GET EVENT STATUS NOTIFICATION (MMC-3 §6.1.6, Table 94). */
export const MEDIA_EVENT_NONE = 0;
export const MEDIA_EVENT_NEW = 2;
export const MEDIA_EVENT_REMOVAL = 3;

export class AtapiCdrom {
  readonly kind = 'cdrom' as const;
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
  private medium: BlockBackend | undefined;
  locked = false;
  senseKey = SK_NO_SENSE;
  asc = 0;
  ascq = 0;
  /** A UNIT ATTENTION is owed to the next command (medium changed). */
  unitAttention = false;
  mediaEvent = MEDIA_EVENT_NONE;
  modes: TransferModes = { pio: -1, mwdma: 2, udma: -1 };
  private readonly onEject: (() => void) | undefined;

  constructor(
    options: DriveIdentity & {
      medium?: BlockBackend;
      /** The guest ejected the medium (START STOP UNIT with LoEj). */
      onEject?: () => void;
    } = {},
  ) {
    checkIdentity(options);
    this.model = options.model ?? 'VMDESK CD-ROM';
    this.serial = options.serial ?? 'VMD00000000000000002';
    this.firmware = options.firmware ?? '1.0';
    this.medium = options.medium;
    this.onEject = options.onEject;
  }

  get hasMedium(): boolean {
    return this.medium !== undefined;
  }

  get backend(): BlockBackend | undefined {
    return this.medium;
  }

  /** Capacity in 2048-byte sectors. */
  get capacity(): number {
    return this.medium ? Math.floor(this.medium.sectorCount / (CD_SECTOR / ATA_SECTOR)) : 0;
  }

  /** The host puts a disc in: the next command sees UNIT ATTENTION, event "new media". */
  insert(medium: BlockBackend): void {
    this.medium = medium;
    this.unitAttention = true;
    this.mediaEvent = MEDIA_EVENT_NEW;
  }

  /**
   * Take the disc out. A guest lock (PREVENT ALLOW MEDIUM REMOVAL) refuses unless `force`.
   * Returns the medium removed, or undefined when there was none or the lock held.
   */
  eject(force = false): BlockBackend | undefined {
    if (!this.medium || (this.locked && !force)) return undefined;
    const m = this.medium;
    this.medium = undefined;
    this.mediaEvent = MEDIA_EVENT_REMOVAL;
    this.unitAttention = true;
    return m;
  }

  /** Guest-requested eject (already checked against the lock). */
  guestEject(): void {
    if (this.eject(true)) this.onEject?.();
    // The guest knows it ejected; it is owed no UNIT ATTENTION for its own request.
    this.unitAttention = false;
  }

  setSense(key: number, asc: number, ascq = 0): void {
    this.senseKey = key;
    this.asc = asc;
    this.ascq = ascq;
  }

  /** Deliver a pending UNIT ATTENTION as the current sense; true if there was one. */
  takeUnitAttention(): boolean {
    if (!this.unitAttention) return false;
    this.unitAttention = false;
    this.setSense(SK_UNIT_ATTENTION, 0x28, 0);
    return true;
  }
}

export type IdeDrive = AtaDisk | AtapiCdrom;
