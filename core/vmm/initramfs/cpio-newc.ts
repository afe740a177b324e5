// A writer for the SVR4 "newc" cpio format (magic 070701), the format Linux unpacks as an
// initramfs (Documentation/driver-api/early-userspace/buffer-format.rst) and the converter
// reuses for its own archives. It only writes; it never touches the host file system.
//
// Each member is a 110-byte ASCII header (magic + 13 eight-digit hex fields), the NUL-ended
// name padded so header+name is a multiple of 4, then the data padded to a multiple of 4.
// The archive ends with a member named TRAILER!!!.
import { VmdeskError } from '../../common';

export class CpioError extends VmdeskError {
  constructor(message: string) {
    super('cpio', message);
  }
}

// st_mode file types (POSIX <sys/stat.h>).
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

interface CpioOwner {
  /** Permission bits (default 0o644 for files, 0o755 for directories, 0o600 for devices). */
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Seconds since the epoch; default the writer's `mtime`. */
  readonly mtime?: number;
}

export type CpioEntry =
  | ({ readonly type: 'file'; readonly path: string; readonly data: Uint8Array } & CpioOwner)
  | ({ readonly type: 'dir'; readonly path: string } & CpioOwner)
  | ({ readonly type: 'symlink'; readonly path: string; readonly target: string } & CpioOwner)
  | ({ readonly type: 'chardev' | 'blockdev'; readonly path: string; readonly major: number; readonly minor: number } & CpioOwner);

export interface CpioWriterOptions {
  /** Default mtime for members that give none (seconds); 0 keeps archives reproducible. */
  readonly mtime?: number;
  /** Pad the finished archive to a multiple of this many bytes (GNU cpio uses 512). */
  readonly blockSize?: number;
}

export const CPIO_NEWC_MAGIC = '070701';
export const CPIO_TRAILER = 'TRAILER!!!';
const HEADER_SIZE = 110;
const MAX_U32 = 0xffffffff;

const encoder = new TextEncoder();
const pad4 = (n: number): number => (4 - (n & 3)) & 3;

/**
 * Streams a newc archive: members go out through `sink` as they are added, so an archive
 * larger than memory (a converter image) never has to be held whole.
 */
export class CpioNewcWriter {
  private nextIno = 1;
  private written = 0;
  private finished = false;
  private readonly seen = new Set<string>();
  private readonly mtime: number;
  private readonly blockSize: number;

  constructor(
    private readonly sink: (chunk: Uint8Array) => void,
    options: CpioWriterOptions = {},
  ) {
    this.mtime = options.mtime ?? 0;
    this.blockSize = options.blockSize ?? 512;
    checkU32('mtime', this.mtime, 'the writer');
  }

  /** Bytes handed to the sink so far. */
  get size(): number {
    return this.written;
  }

  add(entry: CpioEntry): void {
    if (this.finished) throw new CpioError('cpio: cannot add a member after the trailer was written');
    const name = normaliseName(entry.path);
    if (this.seen.has(name)) throw new CpioError(`cpio: member ${name} is added twice`);
    this.seen.add(name);

    let type: number;
    let perm: number;
    let data: Uint8Array = new Uint8Array(0);
    let nlink = 1;
    let rdevMajor = 0;
    let rdevMinor = 0;
    switch (entry.type) {
      case 'file':
        type = S_IFREG;
        perm = entry.mode ?? 0o644;
        data = entry.data;
        break;
      case 'dir':
        type = S_IFDIR;
        perm = entry.mode ?? 0o755;
        nlink = 2;
        break;
      case 'symlink':
        if (entry.target.length === 0) throw new CpioError(`cpio: symlink ${name} has an empty target`);
        type = S_IFLNK;
        perm = 0o777;
        data = encoder.encode(entry.target);
        break;
      case 'chardev':
      case 'blockdev':
        type = entry.type === 'chardev' ? S_IFCHR : S_IFBLK;
        perm = entry.mode ?? 0o600;
        rdevMajor = entry.major;
        rdevMinor = entry.minor;
        checkU32('major', rdevMajor, name);
        checkU32('minor', rdevMinor, name);
        break;
    }
    if (!Number.isInteger(perm) || perm < 0 || perm > 0o7777) throw new CpioError(`cpio: ${name}: mode 0o${perm.toString(8)} is not a permission mask (0..0o7777)`);
    if (data.length > MAX_U32) throw new CpioError(`cpio: ${name} is ${data.length} bytes; newc holds at most 4 GiB - 1 per member`);
    const mtime = entry.mtime ?? this.mtime;
    checkU32('mtime', mtime, name);
    checkU32('uid', entry.uid ?? 0, name);
    checkU32('gid', entry.gid ?? 0, name);

    this.emitMember(name, {
      ino: this.nextIno++,
      mode: type | perm,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      nlink,
      mtime,
      rdevMajor,
      rdevMinor,
    }, data);
  }

  /** Write the trailer and the block padding. The writer is closed afterwards. */
  finish(): void {
    if (this.finished) return;
    this.emitMember(CPIO_TRAILER, { ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, rdevMajor: 0, rdevMinor: 0 }, new Uint8Array(0));
    this.finished = true;
    const tail = this.blockSize > 0 ? (this.blockSize - (this.written % this.blockSize)) % this.blockSize : 0;
    if (tail > 0) this.emit(new Uint8Array(tail));
  }

  private emitMember(name: string, f: MemberFields, data: Uint8Array): void {
    const nameBytes = encoder.encode(name);
    const nameSize = nameBytes.length + 1; // the count includes the NUL
    const fields = [f.ino, f.mode, f.uid, f.gid, f.nlink, f.mtime, data.length, 0, 0, f.rdevMajor, f.rdevMinor, nameSize, 0];
    let text = CPIO_NEWC_MAGIC;
    for (const v of fields) text += v.toString(16).toUpperCase().padStart(8, '0');
    const headLen = HEADER_SIZE + nameSize;
    const head = new Uint8Array(headLen + pad4(headLen));
    head.set(encoder.encode(text), 0);
    head.set(nameBytes, HEADER_SIZE);
    this.emit(head);
    if (data.length > 0) {
      this.emit(data);
      const p = pad4(data.length);
      if (p > 0) this.emit(new Uint8Array(p));
    }
  }

  private emit(chunk: Uint8Array): void {
    this.written += chunk.length;
    this.sink(chunk);
  }
}

interface MemberFields {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
}

/** Build a whole archive in memory. */
export function writeCpioNewc(entries: Iterable<CpioEntry>, options: CpioWriterOptions = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const writer = new CpioNewcWriter((c) => chunks.push(c), options);
  for (const e of entries) writer.add(e);
  writer.finish();
  const out = new Uint8Array(writer.size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Archive names are relative ("bin/busybox"), as the kernel's own gen_init_cpio writes them. */
function normaliseName(path: string): string {
  const name = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (name.length === 0) throw new CpioError(`cpio: member path "${path}" names no file`);
  if (name.includes('\0')) throw new CpioError(`cpio: member path ${JSON.stringify(path)} contains a NUL byte`);
  if (name === CPIO_TRAILER) throw new CpioError(`cpio: a member may not be called ${CPIO_TRAILER}`);
  if (name.split('/').some((part) => part === '..')) throw new CpioError(`cpio: member path ${path} climbs out of the archive with ..`);
  return name;
}

function checkU32(field: string, v: number, who: string): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_U32) throw new CpioError(`cpio: ${who}: ${field} ${v} does not fit the 8 hex digits of a newc header`);
}
