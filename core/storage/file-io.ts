// Synchronous positional file I/O (pread/pwrite) with full-length loops and bounds-checked
// reads. Synchronous on purpose: a VM's disk controller calls it from its worker thread.
import * as fs from 'node:fs';
import { StorageError, corrupt } from './errors';

export class PositionalFile {
  private closed = false;

  private constructor(
    readonly path: string,
    readonly fd: number,
    readonly writable: boolean,
  ) {}

  static open(path: string, writable: boolean): PositionalFile {
    try {
      return new PositionalFile(path, fs.openSync(path, writable ? 'r+' : 'r'), writable);
    } catch (err) {
      throw new StorageError(`${path}: cannot open: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'storage.io', { cause: err });
    }
  }

  /** Creates a new file; fails if it exists unless `overwrite`. */
  static create(path: string, overwrite = false): PositionalFile {
    try {
      return new PositionalFile(path, fs.openSync(path, overwrite ? 'w+' : 'wx+'), true);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new StorageError(`${path}: already exists`, 'storage.exists');
      throw new StorageError(`${path}: cannot create: ${code ?? String(err)}`, 'storage.io', { cause: err });
    }
  }

  size(): number {
    return fs.fstatSync(this.fd).size;
  }

  /** Reads up to `len` bytes; returns how many were read (short only at end of file). */
  read(buf: Uint8Array, off: number, len: number, pos: number): number {
    let done = 0;
    while (done < len) {
      const n = fs.readSync(this.fd, buf, off + done, len - done, pos + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /** Reads exactly `len` bytes or throws a corrupt-image error naming `field`. */
  readExact(buf: Uint8Array, off: number, len: number, pos: number, field: string): void {
    const n = this.read(buf, off, len, pos);
    if (n !== len) throw corrupt(this.path, field, `needs bytes ${pos}..${pos + len} but the file ends at ${pos + n} (truncated?)`);
  }

  /** Reads `len` bytes, zero-filling whatever lies past the end of the file. */
  readPadded(buf: Uint8Array, off: number, len: number, pos: number): void {
    const n = this.read(buf, off, len, pos);
    if (n < len) buf.fill(0, off + n, off + len);
  }

  write(buf: Uint8Array, off: number, len: number, pos: number): void {
    let done = 0;
    while (done < len) {
      done += fs.writeSync(this.fd, buf, off + done, len - done, pos + done);
    }
  }

  truncate(len: number): void {
    fs.ftruncateSync(this.fd, len);
  }

  sync(): void {
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}

const ZERO_BLOCK = Buffer.alloc(64 * 1024);

/** True when every byte of buf[off, off+len) is zero (native memcmp against a zero block). */
export function isZero(buf: Uint8Array, off: number, len: number): boolean {
  while (len > 0) {
    const n = Math.min(len, ZERO_BLOCK.length);
    const view = Buffer.from(buf.buffer, buf.byteOffset + off, n);
    if (!view.equals(n === ZERO_BLOCK.length ? ZERO_BLOCK : ZERO_BLOCK.subarray(0, n))) return false;
    off += n;
    len -= n;
  }
  return true;
}

/** pread on the libuv thread pool, zero-filling past the end of the file. */
export function readAsync(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.read(fd, buf, off, len, pos, (err, n) => {
      if (err) return reject(err);
      if (n < len) {
        // Short read: either the end of the file, or a partial read to continue.
        if (n === 0) {
          buf.fill(0, off, off + len);
          return resolve();
        }
        readAsync(fd, buf, off + n, len - n, pos + n).then(resolve, reject);
        return;
      }
      resolve();
    });
  });
}

/**
 * Longest single pwrite of writeAsync. The kernel sizes the page-cache folios of a buffered
 * write by its length; measured here (1 GiB conversions in a VM), 4 MiB writes made after
 * another program's small-folio writes had been freed cost ~3x the system time of 1 MiB ones
 * (fresh large folios: page faults on the hypervisor's side inside the copy).
 */
const MAX_PWRITE = 1 << 20;

/** pwrite on the libuv thread pool (pieces of at most 1 MiB, one after another). */
export function writeAsync(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<void> {
  if (len > MAX_PWRITE) {
    return writeAsync(fd, buf, off, MAX_PWRITE, pos).then(() => writeAsync(fd, buf, off + MAX_PWRITE, len - MAX_PWRITE, pos + MAX_PWRITE));
  }
  return new Promise((resolve, reject) => {
    fs.write(fd, buf, off, len, pos, (err, n) => {
      if (err) return reject(err);
      if (n < len) writeAsync(fd, buf, off + n, len - n, pos + n).then(resolve, reject);
      else resolve();
    });
  });
}
