// Saved state of the PIIX3 IDE: per channel the two task files, the PIO engine (with the
// bytes of the block in flight, base64), the command in progress, the bus-master registers,
// and the settings and media state of each drive. Media themselves are host configuration.
import type { BusMasterChannel } from './bus-master';
import { AtaDisk, type IdeDrive, type TransferModes } from './ide-drives';
import { MAX_MULTIPLE } from './ata-defs';

export interface IdeChannelState {
  regs: Record<string, number>[];
  unit: number;
  control: number;
  intrq: boolean;
  xfer: number;
  next: number;
  pos: number;
  chunkEnd: number;
  dataEnd: number;
  buf: string;
  opLba: number;
  opRemaining: number;
  opBlock: number;
  dmaPending: number;
  cdLba: number;
  cdRemaining: number;
  cdBcl: number;
  cdDma: boolean;
  activeUnit: number;
  busMaster: ReturnType<BusMasterChannel['save']>;
  drives: (Record<string, unknown> | null)[];
}

export function saveDrive(d: IdeDrive): Record<string, unknown> {
  if (d instanceof AtaDisk) {
    return { kind: 'disk', multipleCount: d.multipleCount, writeCache: d.writeCache, curHeads: d.curHeads, curSectorsPerTrack: d.curSectorsPerTrack, modes: { ...d.modes } };
  }
  return { kind: 'cdrom', locked: d.locked, senseKey: d.senseKey, asc: d.asc, ascq: d.ascq, unitAttention: d.unitAttention, mediaEvent: d.mediaEvent, modes: { ...d.modes } };
}

export function restoreDrive(d: IdeDrive, s: Record<string, unknown>): void {
  const num = (v: unknown, dflt: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : dflt);
  const m = (s.modes ?? {}) as Partial<TransferModes>;
  d.modes = { pio: num(m.pio, -1), mwdma: num(m.mwdma, -1), udma: num(m.udma, -1) };
  if (d instanceof AtaDisk) {
    d.multipleCount = num(s.multipleCount, MAX_MULTIPLE) & 0xff;
    d.writeCache = Boolean(s.writeCache);
    d.curHeads = Math.max(1, Math.min(16, num(s.curHeads, d.heads)));
    d.curSectorsPerTrack = Math.max(1, Math.min(255, num(s.curSectorsPerTrack, d.sectorsPerTrack)));
  } else {
    d.locked = Boolean(s.locked);
    d.setSense(num(s.senseKey, 0) & 0xf, num(s.asc, 0) & 0xff, num(s.ascq, 0) & 0xff);
    d.unitAttention = Boolean(s.unitAttention);
    d.mediaEvent = num(s.mediaEvent, 0) & 0xf;
  }
}
