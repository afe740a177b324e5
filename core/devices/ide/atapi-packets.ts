// The packet commands of the CD-ROM (SFF-8020i §10, MMC-3 §5–6 for GET CONFIGURATION and
// GET EVENT STATUS NOTIFICATION, SPC-3 for INQUIRY/REQUEST SENSE): each fills the response
// buffer and tells the channel what to do next; the channel owns the transfer. What Linux's
// sr/cdrom drivers and SeaBIOS's cdrom boot send is covered; anything else is ILLEGAL
// REQUEST / INVALID COMMAND OPERATION CODE.
import {
  ASC_INVALID_FIELD,
  ASC_INVALID_OPCODE,
  ASC_LBA_OUT_OF_RANGE,
  ASC_MEDIUM_NOT_PRESENT,
  ASC_MEDIUM_REMOVAL_PREVENTED,
  ASC_SAVING_NOT_SUPPORTED,
  SK_ILLEGAL_REQUEST,
  SK_NO_SENSE,
  SK_NOT_READY,
} from './ata-defs';
import { type AtapiCdrom, MEDIA_EVENT_NONE } from './ide-drives';

export const PKT_TEST_UNIT_READY = 0x00;
export const PKT_REQUEST_SENSE = 0x03;
export const PKT_INQUIRY = 0x12;
export const PKT_START_STOP_UNIT = 0x1b;
export const PKT_PREVENT_ALLOW = 0x1e;
export const PKT_READ_CAPACITY = 0x25;
export const PKT_READ_10 = 0x28;
export const PKT_SEEK_10 = 0x2b;
export const PKT_READ_TOC = 0x43;
export const PKT_GET_CONFIGURATION = 0x46;
export const PKT_GET_EVENT_STATUS = 0x4a;
export const PKT_MODE_SENSE_10 = 0x5a;
export const PKT_READ_12 = 0xa8;
export const PKT_SET_CD_SPEED = 0xbb;

/** What the channel does after a packet command (kept in a reused object: no allocation). */
export interface PacketOutcome {
  /** 'good': no data; 'data': `length` bytes in the buffer; 'read': `count` sectors from `lba`; 'check': CHECK CONDITION, sense set. */
  kind: 'good' | 'data' | 'read' | 'check';
  length: number;
  lba: number;
  count: number;
}

/** Commands that run even with a UNIT ATTENTION pending (SPC-3 §5.9.7; MMC-3 §4.1.7.1). */
function bypassesUnitAttention(op: number): boolean {
  return op === PKT_INQUIRY || op === PKT_REQUEST_SENSE || op === PKT_GET_CONFIGURATION || op === PKT_GET_EVENT_STATUS;
}

const be16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const be32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 0xff;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function putAscii(b: Uint8Array, at: number, s: string, width: number): void {
  for (let i = 0; i < width; i++) b[at + i] = i < s.length ? s.charCodeAt(i) : 0x20;
}

/** LBA to the minute/second/frame address of a CD (2 s lead-in: +150 frames). */
function putMsf(b: Uint8Array, at: number, lba: number): void {
  const f = lba + 150;
  b[at] = 0;
  b[at + 1] = Math.floor(f / 4500) & 0xff;
  b[at + 2] = Math.floor(f / 75) % 60;
  b[at + 3] = f % 75;
}

function check(cd: AtapiCdrom, out: PacketOutcome, key: number, asc: number, ascq = 0): PacketOutcome {
  cd.setSense(key, asc, ascq);
  out.kind = 'check';
  return out;
}

function data(out: PacketOutcome, length: number, alloc: number): PacketOutcome {
  out.kind = 'data';
  out.length = Math.min(length, alloc);
  if (out.length === 0) out.kind = 'good';
  return out;
}

export function runPacket(cd: AtapiCdrom, cdb: Uint8Array, buf: Uint8Array, out: PacketOutcome): PacketOutcome {
  const op = cdb[0]!;
  out.kind = 'good';
  out.length = 0;
  if (op !== PKT_REQUEST_SENSE) cd.setSense(SK_NO_SENSE, 0);
  if (!bypassesUnitAttention(op) && cd.takeUnitAttention()) {
    out.kind = 'check';
    return out;
  }
  const noMedium = (): PacketOutcome => check(cd, out, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
  switch (op) {
    case PKT_TEST_UNIT_READY:
      return cd.hasMedium ? out : noMedium();

    case PKT_REQUEST_SENSE: {
      // Fixed-format sense data (SPC-3 §4.5.3); reading it clears it.
      if (cd.unitAttention) cd.takeUnitAttention();
      buf.fill(0, 0, 18);
      buf[0] = 0x70;
      buf[2] = cd.senseKey;
      buf[7] = 10;
      buf[12] = cd.asc;
      buf[13] = cd.ascq;
      cd.setSense(SK_NO_SENSE, 0);
      return data(out, 18, cdb[4]!);
    }

    case PKT_INQUIRY: {
      if (cdb[1]! & 1) return check(cd, out, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD); // no VPD pages
      buf.fill(0, 0, 36);
      buf[0] = 0x05; // CD/DVD device
      buf[1] = 0x80; // removable
      buf[2] = 0x00;
      buf[3] = 0x21; // ATAPI version 2, response data format 1
      buf[4] = 31;
      putAscii(buf, 8, 'VMDESK', 8);
      putAscii(buf, 16, cd.model, 16);
      putAscii(buf, 32, cd.firmware, 4);
      return data(out, 36, be16(cdb, 3));
    }

    case PKT_START_STOP_UNIT: {
      const loej = (cdb[4]! & 2) !== 0;
      const start = (cdb[4]! & 1) !== 0;
      if (loej && !start) {
        if (cd.locked) return check(cd, out, SK_ILLEGAL_REQUEST, ASC_MEDIUM_REMOVAL_PREVENTED, 2);
        cd.guestEject();
      }
      return out;
    }

    case PKT_PREVENT_ALLOW:
      cd.locked = (cdb[4]! & 1) !== 0;
      return out;

    case PKT_READ_CAPACITY:
      if (!cd.hasMedium) return noMedium();
      put32(buf, 0, cd.capacity - 1);
      put32(buf, 4, 2048);
      return data(out, 8, 8);

    case PKT_READ_10:
    case PKT_READ_12: {
      if (!cd.hasMedium) return noMedium();
      const lba = be32(cdb, 2);
      const count = op === PKT_READ_10 ? be16(cdb, 7) : be32(cdb, 6);
      if (lba + count > cd.capacity) return check(cd, out, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
      if (count === 0) return out;
      out.kind = 'read';
      out.lba = lba;
      out.count = count;
      return out;
    }

    case PKT_SEEK_10:
      if (!cd.hasMedium) return noMedium();
      return be32(cdb, 2) < cd.capacity ? out : check(cd, out, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);

    case PKT_SET_CD_SPEED:
      return out;

    case PKT_READ_TOC:
      if (!cd.hasMedium) return noMedium();
      return readToc(cd, cdb, buf, out);

    case PKT_MODE_SENSE_10:
      return modeSense(cd, cdb, buf, out);

    case PKT_GET_CONFIGURATION:
      return getConfiguration(cd, cdb, buf, out);

    case PKT_GET_EVENT_STATUS:
      return getEventStatus(cd, cdb, buf, out);

    default:
      return check(cd, out, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
  }
}

/** READ TOC/PMA/ATIP (SFF-8020i §10.8.25, MMC-3 §6.26): formats 0 (TOC), 1 (sessions), 2 (raw). */
function readToc(cd: AtapiCdrom, cdb: Uint8Array, buf: Uint8Array, out: PacketOutcome): PacketOutcome {
  const msf = (cdb[1]! & 2) !== 0;
  // The format is in byte 2; older drivers (Linux sr's last-session probe) put it in byte 9 bits 7:6.
  let format = cdb[2]! & 0x0f;
  if (format === 0) format = cdb[9]! >> 6;
  const track = cdb[6]!;
  const alloc = be16(cdb, 7);
  const addr = (at: number, lba: number): void => (msf ? putMsf(buf, at, lba) : put32(buf, at, lba));
  const leadOut = cd.capacity;
  if (format === 0) {
    if (track > 1 && track !== 0xaa) return check(cd, out, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
    let n = 4;
    buf[2] = 1;
    buf[3] = 1;
    if (track <= 1) {
      buf.fill(0, n, n + 8);
      buf[n + 1] = 0x14; // ADR 1, control: data track
      buf[n + 2] = 1;
      addr(n + 4, 0);
      n += 8;
    }
    buf.fill(0, n, n + 8);
    buf[n + 1] = 0x14;
    buf[n + 2] = 0xaa;
    addr(n + 4, leadOut);
    n += 8;
    put16(buf, 0, n - 2);
    return data(out, n, alloc);
  }
  if (format === 1) {
    buf.fill(0, 0, 12);
    put16(buf, 0, 10);
    buf[2] = 1;
    buf[3] = 1;
    buf[5] = 0x14;
    buf[6] = 1;
    addr(8, 0);
    return data(out, 12, alloc);
  }
  if (format === 2) {
    // Raw TOC: A0 (first track), A1 (last track), A2 (lead-out), then track 1; 11 bytes each.
    const entries: [number, number][] = [
      [0xa0, -1],
      [0xa1, -1],
      [0xa2, leadOut],
      [1, 0],
    ];
    buf.fill(0, 0, 4 + 11 * entries.length);
    buf[2] = 1;
    buf[3] = 1;
    entries.forEach(([point, lba], i) => {
      const at = 4 + 11 * i;
      buf[at] = 1; // session
      buf[at + 1] = 0x14;
      buf[at + 3] = point;
      if (point === 0xa0 || point === 0xa1) buf[at + 8] = 1; // PMIN: track 1; PSEC: disc type 0
      else {
        const f = lba + 150;
        buf[at + 8] = Math.floor(f / 4500);
        buf[at + 9] = Math.floor(f / 75) % 60;
        buf[at + 10] = f % 75;
      }
    });
    const n = 4 + 11 * entries.length;
    put16(buf, 0, n - 2);
    return data(out, n, alloc);
  }
  return check(cd, out, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
}

/** MODE SENSE(10) (SFF-8020i §10.8.13): pages 01h (error recovery), 2Ah (capabilities), 3Fh (all). */
function modeSense(cd: AtapiCdrom, cdb: Uint8Array, buf: Uint8Array, out: PacketOutcome): PacketOutcome {
  const pc = cdb[2]! >> 6;
  const page = cdb[2]! & 0x3f;
  const alloc = be16(cdb, 7);
  if (pc === 3) return check(cd, out, SK_ILLEGAL_REQUEST, ASC_SAVING_NOT_SUPPORTED);
  if (page !== 0x01 && page !== 0x2a && page !== 0x3f) return check(cd, out, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
  const changeable = pc === 1;
  let n = 8;
  buf.fill(0, 0, 8);
  buf[2] = cd.hasMedium ? 0x01 : 0x70; // 120 mm CD-ROM data, or door closed with no disc
  if (page === 0x01 || page === 0x3f) {
    buf.fill(0, n, n + 8);
    buf[n] = 0x01;
    buf[n + 1] = 6;
    if (!changeable) buf[n + 3] = 5; // read retry count
    n += 8;
  }
  if (page === 0x2a || page === 0x3f) {
    buf.fill(0, n, n + 20);
    buf[n] = 0x2a;
    buf[n + 1] = 0x12;
    if (!changeable) {
      buf[n + 4] = 0x71; // audio play, mode 2 form 1 and 2, multi-session
      // Lock supported, eject supported, tray loading mechanism; bit 1 shows the lock.
      buf[n + 6] = 0x29 | (cd.locked ? 0x02 : 0);
      put16(buf, n + 8, 706); // maximum speed, kB/s (4x)
      put16(buf, n + 10, 256); // volume levels
      put16(buf, n + 12, 512); // buffer size, KiB
      put16(buf, n + 14, 706); // current speed
    }
    n += 20;
  }
  put16(buf, 0, n - 2);
  return data(out, n, alloc);
}

/** GET CONFIGURATION (MMC-3 §6.6): the Profile List (CD-ROM profile) and Core features. */
function getConfiguration(cd: AtapiCdrom, cdb: Uint8Array, buf: Uint8Array, out: PacketOutcome): PacketOutcome {
  const rt = cdb[1]! & 3;
  const start = be16(cdb, 2);
  const alloc = be16(cdb, 7);
  buf.fill(0, 0, 32);
  put16(buf, 6, cd.hasMedium ? 0x0008 : 0); // current profile: CD-ROM
  let n = 8;
  const want = (code: number): boolean => (rt === 2 ? code === start : code >= start);
  if (want(0x0000)) {
    put16(buf, n, 0x0000);
    buf[n + 2] = 0x03; // persistent, current
    buf[n + 3] = 4;
    put16(buf, n + 4, 0x0008);
    buf[n + 6] = cd.hasMedium ? 1 : 0;
    n += 8;
  }
  if (want(0x0001)) {
    put16(buf, n, 0x0001);
    buf[n + 2] = 0x03;
    buf[n + 3] = 8;
    put32(buf, n + 4, 2); // physical interface: ATAPI
    n += 12;
  }
  put32(buf, 0, n - 4);
  return data(out, n, alloc);
}

/** GET EVENT STATUS NOTIFICATION (MMC-3 §6.7), polled only, media class only. */
function getEventStatus(cd: AtapiCdrom, cdb: Uint8Array, buf: Uint8Array, out: PacketOutcome): PacketOutcome {
  if ((cdb[1]! & 1) === 0) return check(cd, out, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD); // asynchronous not supported
  const classes = cdb[4]!;
  const alloc = be16(cdb, 7);
  buf.fill(0, 0, 8);
  buf[3] = 0x10; // supported classes: media
  if ((classes & 0x10) === 0) {
    buf[2] = 0x80; // no event available
    put16(buf, 0, 2);
    return data(out, 4, alloc);
  }
  buf[2] = 0x04;
  put16(buf, 0, 6);
  buf[4] = cd.mediaEvent;
  buf[5] = cd.hasMedium ? 0x02 : 0;
  cd.mediaEvent = MEDIA_EVENT_NONE;
  return data(out, 8, alloc);
}
