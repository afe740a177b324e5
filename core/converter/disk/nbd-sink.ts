// A one-client NBD server (the protocol of NetworkBlockDevice/nbd doc/proto.md, fixed newstyle
// handshake, simple replies) that exposes a writable BlockBackend on a Unix socket, so that
// `qemu-img convert -n --target-is-zero -O raw SRC nbd+unix:///?socket=S` writes a foreign
// image straight into our VMDK: qemu-img does the reading (qcow2, VDI, VHD…) and skips zeros,
// our writer owns the result, and no raw scratch copy of the disk is ever written.
// Owns: the socket, the handshake, request parsing, writes of all-zero 64 KiB units skipped.
// Writes are pipelined: a WRITE is acknowledged once its data is handed to the disk's async
// write (proto.md lets a server reply before data is on permanent storage), up to
// MAX_WRITES_IN_FLIGHT; any other command, and the end of the connection, first waits for
// them. A write that fails fails the conversion (`error`), whatever was acknowledged.
// Does not own: the qemu-img process (qemu-img.ts) or the VMDK's lifetime.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Lba } from '../../common';
import { type BlockBackend, isZero } from '../../storage';

const NBDMAGIC = 0x4e42444d41474943n;
const IHAVEOPT = 0x49484156454f5054n;
const REPLY_MAGIC = 0x3e889045565a9n;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;

// Handshake flags (server) and client flags.
const FLAG_FIXED_NEWSTYLE = 1;
const FLAG_NO_ZEROES = 2;
// Options.
const OPT_EXPORT_NAME = 1;
const OPT_ABORT = 2;
const OPT_INFO = 6;
const OPT_GO = 7;
// Option replies.
const REP_ACK = 1;
const REP_INFO = 3;
const REP_ERR_UNSUP = 0x80000001;
const REP_ERR_INVALID = 0x80000003;
const INFO_EXPORT = 0;
const INFO_BLOCK_SIZE = 3;
// Transmission flags: HAS_FLAGS | SEND_FLUSH | SEND_TRIM | SEND_WRITE_ZEROES.
const TRANSMISSION_FLAGS = 1 | 4 | 32 | 64;
// Commands.
const CMD_READ = 0;
const CMD_WRITE = 1;
const CMD_DISC = 2;
const CMD_FLUSH = 3;
const CMD_TRIM = 4;
const CMD_WRITE_ZEROES = 6;
const EIO = 5;
const EINVAL = 22;
const ENOTSUP = 95;

const SECTOR = 512;
const ZERO_UNIT = 64 * 1024;
/** Largest request payload accepted (proto.md: servers may refuse above 32 MiB). */
const MAX_PAYLOAD = 32 << 20;
/** Acknowledged writes whose data may still be on its way to the disk. */
const MAX_WRITES_IN_FLIGHT = 4;

/** The disk served: any BlockBackend; one with writeSectorsAsync (VmdkDisk) gets pipelined writes. */
export type NbdDisk = BlockBackend & {
  writeSectorsAsync?(lba: Lba, count: number, buf: Uint8Array, offset?: number): Promise<void> | undefined;
};

export interface NbdSinkStats {
  /** Bytes of WRITE payload received and bytes actually stored (non-zero 64 KiB units). */
  received: number;
  stored: number;
}

/**
 * Serves `disk` to the first client that connects to `socketPath`; the returned promise
 * settles when that client disconnects (resolves) or breaks the protocol / a write fails
 * (rejects with a one-line reason).
 */
export class NbdSink {
  readonly socketPath: string;
  readonly stats: NbdSinkStats = { received: 0, stored: 0 };
  private readonly server: net.Server;
  private readonly dir: string;
  private client: net.Socket | undefined;
  private conn: NbdConnection | undefined;
  private finishedResolve!: () => void;
  private finishedReject!: (e: Error) => void;
  /** Settles when the client has gone (after NBD_CMD_DISC or a closed socket). */
  readonly finished: Promise<void>;

  private constructor(private readonly disk: NbdDisk) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-nbd-'));
    fs.chmodSync(this.dir, 0o700);
    this.socketPath = path.join(this.dir, 'disk.sock');
    this.finished = new Promise((resolve, reject) => {
      this.finishedResolve = resolve;
      this.finishedReject = reject;
    });
    this.finished.catch(() => {});
    this.server = net.createServer((sock) => this.accept(sock));
  }

  static async listen(disk: NbdDisk): Promise<NbdSink> {
    const sink = new NbdSink(disk);
    await new Promise<void>((resolve, reject) => {
      sink.server.once('error', reject);
      sink.server.listen(sink.socketPath, () => resolve());
    });
    return sink;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** The first protocol or write error of the connection, if any. */
  get error(): Error | undefined {
    return this.conn?.error;
  }

  /** Settles when no write of the connection is pending (the disk may then be closed). */
  drained(): Promise<void> {
    return this.conn?.drained() ?? Promise.resolve();
  }

  /** The target name qemu-img understands. */
  get url(): string {
    return `nbd+unix:///?socket=${this.socketPath}`;
  }

  close(): void {
    this.client?.destroy();
    this.server.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private accept(sock: net.Socket): void {
    if (this.client) {
      sock.destroy();
      return;
    }
    this.client = sock;
    this.server.close();
    const conn = new NbdConnection(sock, this.disk, this.stats);
    this.conn = conn;
    sock.on('close', () => {
      void conn.drained().then(() => {
        if (conn.error) this.finishedReject(conn.error);
        else this.finishedResolve();
      });
    });
    sock.on('error', (err) => (conn.error ??= new Error(`nbd: ${err.message}`)));
  }
}

type Phase = 'client-flags' | 'options' | 'transmission';

/** One connection's state machine: client-flags --> options --GO/EXPORT_NAME--> transmission. */
class NbdConnection {
  error: Error | undefined;
  private phase: Phase = 'client-flags';
  private noZeroes = false;
  /** Received bytes not yet parsed. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Payload buffers not in use by a pending write. */
  private readonly freeBuffers: Buffer[] = [];
  private writesInFlight = 0;
  /** Parsing waits for pending writes (a buffer to read into, or a command that orders after them). */
  private blocked = false;
  private readonly drainWaiters: (() => void)[] = [];
  private readonly head = Buffer.alloc(28);

  constructor(
    private readonly sock: net.Socket,
    private readonly disk: NbdDisk,
    private readonly stats: NbdSinkStats,
  ) {
    const hello = Buffer.alloc(18);
    hello.writeBigUInt64BE(NBDMAGIC, 0);
    hello.writeBigUInt64BE(IHAVEOPT, 8);
    hello.writeUInt16BE(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES, 16);
    sock.write(hello);
    sock.on('data', (d: Buffer) => {
      this.pending.push(d);
      this.pendingBytes += d.length;
      try {
        this.parse();
      } catch (err) {
        this.error ??= err instanceof Error ? err : new Error(String(err));
        sock.destroy();
      }
    });
  }

  /** Copies the first `n` pending bytes into `into` (at 0) and drops them. */
  private take(n: number, into: Buffer): void {
    let at = 0;
    while (at < n) {
      const first = this.pending[0]!;
      const k = Math.min(first.length, n - at);
      first.copy(into, at, 0, k);
      at += k;
      if (k === first.length) this.pending.shift();
      else this.pending[0] = first.subarray(k);
    }
    this.pendingBytes -= n;
  }

  /** Looks at the first `n` pending bytes without consuming them (n <= head.length). */
  private peek(n: number): Buffer {
    let at = 0;
    for (const b of this.pending) {
      const k = Math.min(b.length, n - at);
      b.copy(this.head, at, 0, k);
      at += k;
      if (at === n) break;
    }
    return this.head;
  }

  private parse(): void {
    for (;;) {
      if (this.phase === 'client-flags') {
        if (this.pendingBytes < 4) return;
        const h = this.peek(4);
        const flags = h.readUInt32BE(0);
        this.take(4, this.head);
        if (!(flags & FLAG_FIXED_NEWSTYLE)) throw new Error('nbd: the client does not speak the fixed newstyle handshake');
        this.noZeroes = (flags & FLAG_NO_ZEROES) !== 0;
        this.phase = 'options';
      } else if (this.phase === 'options') {
        if (this.pendingBytes < 16) return;
        const h = this.peek(16);
        if (h.readBigUInt64BE(0) !== IHAVEOPT) throw new Error('nbd: bad option magic');
        const option = h.readUInt32BE(8);
        const len = h.readUInt32BE(12);
        if (len > 4096) throw new Error(`nbd: option ${option} has ${len} bytes of data`);
        if (this.pendingBytes < 16 + len) return;
        this.take(16, this.head);
        const data = Buffer.alloc(len);
        this.take(len, data);
        this.option(option, data);
      } else {
        if (this.pendingBytes < 28) return;
        const h = this.peek(28);
        if (h.readUInt32BE(0) !== REQUEST_MAGIC) throw new Error('nbd: bad request magic');
        const type = h.readUInt16BE(6);
        const len = h.readUInt32BE(24);
        const need = type === CMD_WRITE ? len : 0;
        if (need > MAX_PAYLOAD) throw new Error(`nbd: a write of ${len} bytes (limit ${MAX_PAYLOAD})`);
        if (this.pendingBytes < 28 + need) return;
        // Writes wait for a free buffer; everything else for all pending writes.
        if (type === CMD_WRITE ? this.writesInFlight >= MAX_WRITES_IN_FLIGHT : this.writesInFlight > 0) {
          this.block();
          return;
        }
        const handle = h.readBigUInt64BE(8);
        const offset = Number(h.readBigUInt64BE(16));
        this.take(28, this.head);
        if (type === CMD_WRITE) {
          this.write(handle, offset, len);
          continue;
        }
        if (this.command(type, handle, offset, len)) return;
      }
    }
  }

  private optionReply(option: number, type: number, data: Buffer = Buffer.alloc(0)): void {
    const h = Buffer.alloc(20);
    h.writeBigUInt64BE(REPLY_MAGIC, 0);
    h.writeUInt32BE(option, 8);
    h.writeUInt32BE(type, 12);
    h.writeUInt32BE(data.length, 16);
    this.sock.write(Buffer.concat([h, data]));
  }

  private exportInfo(): Buffer {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(INFO_EXPORT, 0);
    b.writeBigUInt64BE(BigInt(this.disk.sizeBytes), 2);
    b.writeUInt16BE(TRANSMISSION_FLAGS, 10);
    return b;
  }

  private option(option: number, data: Buffer): void {
    if (option === OPT_EXPORT_NAME) {
      // No reply header: size, flags, then 124 zero bytes unless NO_ZEROES was agreed.
      const b = Buffer.alloc(this.noZeroes ? 10 : 134);
      b.writeBigUInt64BE(BigInt(this.disk.sizeBytes), 0);
      b.writeUInt16BE(TRANSMISSION_FLAGS, 8);
      this.sock.write(b);
      this.phase = 'transmission';
    } else if (option === OPT_GO || option === OPT_INFO) {
      if (data.length < 6 || data.length < 6 + data.readUInt32BE(0)) return this.optionReply(option, REP_ERR_INVALID);
      this.optionReply(option, REP_INFO, this.exportInfo());
      // Block sizes: sector granularity, 4 MiB preferred, 32 MiB largest request.
      const bs = Buffer.alloc(14);
      bs.writeUInt16BE(INFO_BLOCK_SIZE, 0);
      bs.writeUInt32BE(SECTOR, 2);
      bs.writeUInt32BE(4 << 20, 6);
      bs.writeUInt32BE(MAX_PAYLOAD, 10);
      this.optionReply(option, REP_INFO, bs);
      this.optionReply(option, REP_ACK);
      if (option === OPT_GO) this.phase = 'transmission';
    } else if (option === OPT_ABORT) {
      this.optionReply(option, REP_ACK);
      this.sock.end();
    } else {
      // STRUCTURED_REPLY, meta contexts, TLS, LIST…: simple replies are all we speak.
      this.optionReply(option, REP_ERR_UNSUP);
    }
  }

  private block(): void {
    if (this.blocked) return;
    this.blocked = true;
    this.sock.pause();
  }

  /** Settles when no write is pending (at once when none is). */
  drained(): Promise<void> {
    if (this.writesInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private writeDone(buf: Buffer): void {
    this.writesInFlight--;
    this.freeBuffers.push(buf);
    if (this.writesInFlight === 0) for (const wake of this.drainWaiters.splice(0)) wake();
    if (!this.blocked) return;
    this.blocked = false;
    this.sock.resume();
    try {
      this.parse();
    } catch (err) {
      this.error ??= err instanceof Error ? err : new Error(String(err));
      this.sock.destroy();
    }
  }

  /** NBD_CMD_WRITE: takes the payload, starts the write, acknowledges it. */
  private write(handle: bigint, offset: number, len: number): void {
    let buf = this.freeBuffers.pop();
    if (!buf || buf.length < len) buf = Buffer.alloc(Math.max(len, 4 << 20));
    this.take(len, buf);
    if (offset + len > this.disk.sizeBytes || offset % SECTOR || len % SECTOR) {
      this.freeBuffers.push(buf);
      this.reply(handle, EINVAL);
      return;
    }
    this.writesInFlight++;
    let pending: Promise<unknown> | undefined;
    try {
      pending = this.writeNonZero(buf, offset, len);
    } catch (err) {
      this.error ??= err instanceof Error ? err : new Error(String(err));
      this.reply(handle, EIO);
      this.writeDone(buf);
      return;
    }
    this.reply(handle, 0);
    if (!pending) return this.writeDone(buf);
    pending.then(
      () => this.writeDone(buf),
      (err: unknown) => {
        this.error ??= err instanceof Error ? err : new Error(String(err));
        this.writeDone(buf);
      },
    );
  }

  private reply(handle: bigint, error: number, data?: Uint8Array): void {
    const h = Buffer.alloc(16);
    h.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
    h.writeUInt32BE(error, 4);
    h.writeBigUInt64BE(handle, 8);
    this.sock.write(h);
    if (data && !error) this.sock.write(data);
  }

  /** Runs one request; true when the connection ends. */
  private command(type: number, handle: bigint, offset: number, len: number): boolean {
    const inRange = offset + len <= this.disk.sizeBytes;
    switch (type) {
      case CMD_DISC:
        this.sock.end();
        return true;
      case CMD_READ:
        if (!inRange || offset % SECTOR || len % SECTOR) return this.reply(handle, EINVAL), false;
        {
          const data = Buffer.alloc(len);
          this.disk.readSectors((offset / SECTOR) as Lba, len / SECTOR, data, 0);
          this.reply(handle, 0, data);
        }
        return false;
      case CMD_FLUSH:
        // Pending writes have reached the file (parsing waited); the conversion syncs it if asked.
        this.reply(handle, 0);
        return false;
      case CMD_TRIM:
      case CMD_WRITE_ZEROES:
        if (!inRange || offset % SECTOR || len % SECTOR) return this.reply(handle, EINVAL), false;
        // The target is a new disk that reads as zeros; ranges written before are discarded.
        try {
          this.disk.discard((offset / SECTOR) as Lba, len / SECTOR);
        } catch (err) {
          this.error ??= err instanceof Error ? err : new Error(String(err));
          this.reply(handle, EIO);
          return false;
        }
        this.reply(handle, 0);
        return false;
      default:
        this.reply(handle, ENOTSUP);
        return false;
    }
  }

  /** Starts writes of the payload's runs of non-zero 64 KiB units (units aligned to the disk). */
  private writeNonZero(buf: Buffer, offset: number, len: number): Promise<unknown> | undefined {
    this.stats.received += len;
    let pending: Promise<unknown>[] | undefined;
    let i = 0;
    while (i < len) {
      const unit = Math.min(ZERO_UNIT - ((offset + i) % ZERO_UNIT), len - i);
      if (isZero(buf, i, unit)) {
        i += unit;
        continue;
      }
      let j = i + unit;
      while (j < len) {
        const u = Math.min(ZERO_UNIT, len - j);
        if (isZero(buf, j, u)) break;
        j += u;
      }
      const lba = ((offset + i) / SECTOR) as Lba;
      const p = this.disk.writeSectorsAsync ? this.disk.writeSectorsAsync(lba, (j - i) / SECTOR, buf, i) : this.disk.writeSectors(lba, (j - i) / SECTOR, buf, i);
      if (p) (pending ??= []).push(p);
      this.stats.stored += j - i;
      i = j;
    }
    return pending === undefined ? undefined : pending.length === 1 ? pending[0] : Promise.all(pending);
  }
}
