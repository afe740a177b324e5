// The converter's end of a hot clone: connects to the agent, authenticates, writes the stream
// into a local folder (regular files, folders, symlinks; owners, modes and device nodes are
// kept as metadata, applied later inside the new file system), acknowledges what is written,
// and on a dropped connection reconnects and resumes at the last acknowledged file and offset.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ConverterError, ConversionCancelledError } from '../errors';
import { type EntryMeta, FrameReader, PROTOCOL, type ResumePoint, authMac, frame } from './protocol';

export interface ReceiveOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** Where the tree is written (must exist, empty). */
  readonly into: string;
  readonly progress?: (doneBytes: number, totalBytes: number) => void;
  readonly signal?: AbortSignal;
  /** Reconnect attempts after a drop (default 8), with a growing pause. */
  readonly retries?: number;
  /** Called after each connection is set up (tests drop it to prove resuming). */
  readonly onConnection?: (socket: net.Socket, attempt: number) => void;
}

export interface ReceivedTree {
  readonly entries: readonly EntryMeta[];
  readonly bytes: number;
  readonly reconnects: number;
}

/** Rejects names that would leave the target folder. */
function safeRel(rel: unknown): string {
  if (typeof rel !== 'string' || rel === '' || rel.startsWith('/') || rel.split('/').some((c) => c === '..' || c === '' || c === '.')) {
    throw new ConverterError(`converter agent: refusing the path ${JSON.stringify(rel)} (outside the cloned tree)`, 'converter.protocol');
  }
  return rel;
}

class Transfer {
  readonly entries = new Map<string, EntryMeta>();
  /** The resume point: everything before it is written. */
  resume: ResumePoint | undefined;
  bytes = 0;
  total = 0;
  private fd: number | undefined;
  private current: { i: number; meta: EntryMeta } | undefined;

  constructor(private readonly o: ReceiveOptions) {}

  private abs(rel: string): string {
    return path.join(this.o.into, rel);
  }

  /** Symlinks written so far: nothing may be written through one (a hostile agent could aim them outside). */
  private readonly symlinks = new Set<string>();

  private checkParents(rel: string): void {
    const parts = rel.split('/');
    for (let k = 1; k < parts.length; k++) {
      const prefix = parts.slice(0, k).join('/');
      if (this.symlinks.has(prefix)) throw new ConverterError(`converter agent: refusing ${JSON.stringify(rel)}: it lies under the symlink ${prefix}`, 'converter.protocol');
    }
  }

  entry(i: number, meta: EntryMeta, from: number): void {
    const rel = safeRel(meta.path);
    this.checkParents(rel);
    this.closeFile();
    this.entries.set(rel, meta);
    const p = this.abs(rel);
    switch (meta.type) {
      case 'dir':
        if (this.symlinks.delete(rel)) fs.rmSync(p, { force: true });
        fs.mkdirSync(p, { recursive: true, mode: 0o755 });
        break;
      case 'file': {
        if (this.symlinks.delete(rel)) fs.rmSync(p, { force: true });
        // O_NOFOLLOW: never write through a symlink that is already there.
        const { O_RDWR, O_CREAT, O_NOFOLLOW } = fs.constants;
        const fd = fs.openSync(p, O_RDWR | O_CREAT | O_NOFOLLOW, 0o644);
        fs.ftruncateSync(fd, from);
        this.fd = fd;
        this.current = { i, meta };
        // Bytes before `from` were counted in the connection that wrote them.
        break;
      }
      case 'symlink':
        fs.rmSync(p, { force: true });
        fs.symlinkSync(meta.target ?? '', p);
        this.symlinks.add(rel);
        break;
      default:
        // Devices, FIFOs, sockets: only metadata; debugfs makes the nodes in the image.
        break;
    }
    if (meta.type !== 'file') this.resume = { path: rel, offset: Number.MAX_SAFE_INTEGER };
    else this.resume = { path: rel, offset: from };
  }

  data(i: number, offset: number, payload: Buffer): void {
    if (!this.current || this.current.i !== i || this.fd === undefined) throw new ConverterError(`converter agent: data for entry ${i} outside its file`, 'converter.protocol');
    fs.writeSync(this.fd, payload, 0, payload.length, offset);
    this.bytes += payload.length;
    this.resume = { path: this.current.meta.path, offset: offset + payload.length };
    this.o.progress?.(this.bytes, this.total);
  }

  eof(i: number): void {
    if (this.current?.i === i) {
      this.resume = { path: this.current.meta.path, offset: Number.MAX_SAFE_INTEGER };
      this.closeFile();
    }
  }

  closeFile(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.current = undefined;
  }
}

/** What the next connection asks for: resume after a finished entry means "the next one". */
function resumeRequest(r: ResumePoint | undefined): ResumePoint | undefined {
  if (!r) return undefined;
  if (r.offset === Number.MAX_SAFE_INTEGER) return { path: r.path, offset: 0, after: true };
  return r;
}

function connectOnce(o: ReceiveOptions, t: Transfer, attempt: number): Promise<'done'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: o.host, port: o.port });
    let state: 'hello' | 'ready' | 'stream' = 'hello';
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      t.closeFile();
      socket.destroy();
      if (err) reject(err);
      else resolve('done');
    };
    const onAbort = (): void => finish(new ConversionCancelledError(`agent://${o.host}:${o.port}`));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let lastAck = 0;
    const reader = new FrameReader(`agent://${o.host}:${o.port}`, (h, payload) => {
      if (state === 'hello') {
        if (h.t !== 'hello' || h.protocol !== PROTOCOL || typeof h.nonce !== 'string') throw new ConverterError(`agent://${o.host}:${o.port}: not a vmdesk converter agent (or another protocol version)`, 'converter.protocol');
        const resume = resumeRequest(t.resume);
        socket.write(frame({ t: 'auth', mac: authMac(o.token, h.nonce), ...(resume ? { resume } : {}) }));
        state = 'ready';
        return;
      }
      if (h.t === 'fail') throw new ConverterError(String(h.message), 'converter.auth');
      if (state === 'ready') {
        if (h.t !== 'ready') throw new ConverterError(`agent://${o.host}:${o.port}: expected ready, got ${String(h.t)}`, 'converter.protocol');
        t.total = Number(h.bytes);
        state = 'stream';
        o.onConnection?.(socket, attempt);
        return;
      }
      switch (h.t) {
        case 'entry':
          t.entry(Number(h.i), h.meta as EntryMeta, Number(h.from));
          break;
        case 'data':
          t.data(Number(h.i), Number(h.offset), payload);
          if (t.bytes - lastAck >= 4 << 20) {
            lastAck = t.bytes;
            socket.write(frame({ t: 'ack', i: Number(h.i), path: t.resume!.path, offset: t.resume!.offset }));
          }
          break;
        case 'eof':
          t.eof(Number(h.i));
          break;
        case 'done':
          finish();
          break;
        default:
          throw new ConverterError(`agent://${o.host}:${o.port}: unexpected message ${String(h.t)}`, 'converter.protocol');
      }
    });
    socket.on('data', (d) => {
      try {
        reader.push(d);
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.on('error', (err) => finish(new ConverterError(`agent://${o.host}:${o.port}: ${err.message}`, 'converter.connection')));
    socket.on('close', () => finish(new ConverterError(`agent://${o.host}:${o.port}: the connection dropped`, 'converter.connection')));
  });
}

export async function receiveTree(o: ReceiveOptions): Promise<ReceivedTree> {
  const t = new Transfer(o);
  const retries = o.retries ?? 8;
  for (let attempt = 0; ; attempt++) {
    try {
      await connectOnce(o, t, attempt);
      return { entries: [...t.entries.values()], bytes: t.bytes, reconnects: attempt };
    } catch (err) {
      const reason = err instanceof ConverterError ? err.reason : undefined;
      if (reason !== 'converter.connection' || attempt >= retries) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}
