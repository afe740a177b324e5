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

/** True when every byte of buf[off, off+len) is zero. */
export function isZero(buf: Uint8Array, off: number, len: number): boolean {
  let i = off;
  const end = off + len;
  if (((buf.byteOffset + i) & 3) === 0 && len >= 64) {
    const words = len >> 2;
    const u32 = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let k = 0; k < words; k++) if (u32[k] !== 0) return false;
    i += words * 4;
  }
  for (; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}
