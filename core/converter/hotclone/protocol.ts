// The hot-clone wire protocol between `vmdesk converter-agent` (on the source machine) and the
// converter, over one TCP connection:
//   frame   = u32be headerLength, header (UTF-8 JSON), u32be payloadLength, payload
//   agent   → hello {nonce}                         converter → auth {mac, resume?}
//   agent   → ready {entries, bytes} | fail {message}
//   agent   → entry {i, meta, from} · data {i, offset} + bytes … · eof {i} … · done
//   converter → ack {i, offset} (what it has written; a resume starts there)
// mac = HMAC-SHA256(token, "vmdesk-converter-agent/1 " + nonce), hex. The token never crosses.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { ConverterError } from '../errors';

export const PROTOCOL = 'vmdesk-converter-agent/1';
export const MAX_HEADER = 1 << 20;
export const MAX_PAYLOAD = 4 << 20;
export const CHUNK = 1 << 20;

export type EntryType = 'dir' | 'file' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface EntryMeta {
  /** Relative to the agent's ROOT, '/'-separated, never '' (the root itself is implied). */
  readonly path: string;
  readonly type: EntryType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly size: number;
  readonly target?: string;
  readonly major?: number;
  readonly minor?: number;
}

export interface ResumePoint {
  readonly path: string;
  readonly offset: number;
  /** The entry at `path` is complete: start with the one after it. */
  readonly after?: boolean;
}

export type AgentMessage =
  | { t: 'hello'; protocol: string; nonce: string }
  | { t: 'ready'; entries: number; bytes: number }
  | { t: 'fail'; message: string }
  | { t: 'entry'; i: number; meta: EntryMeta; from: number }
  | { t: 'data'; i: number; offset: number }
  | { t: 'eof'; i: number; size: number }
  | { t: 'done'; entries: number };

export type ConverterMessage = { t: 'auth'; mac: string; resume?: ResumePoint } | { t: 'ack'; i: number; path: string; offset: number };

export function authMac(token: string, nonce: string): string {
  return createHmac('sha256', token).update(`${PROTOCOL} ${nonce}`).digest('hex');
}

export function macMatches(token: string, nonce: string, mac: unknown): boolean {
  if (typeof mac !== 'string' || !/^[0-9a-f]{64}$/.test(mac)) return false;
  return timingSafeEqual(Buffer.from(authMac(token, nonce), 'hex'), Buffer.from(mac, 'hex'));
}

/** Encodes one frame. */
export function frame(header: object, payload?: Uint8Array): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(8 + h.length + (payload?.length ?? 0));
  out.writeUInt32BE(h.length, 0);
  h.copy(out, 4);
  out.writeUInt32BE(payload?.length ?? 0, 4 + h.length);
  if (payload) out.set(payload, 8 + h.length);
  return out;
}

/** Splits a byte stream into frames; calls `onFrame` for each, in order. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly who: string,
    private readonly onFrame: (header: Record<string, unknown>, payload: Buffer) => void,
  ) {}

  push(data: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    for (;;) {
      if (this.buf.length < 4) return;
      const hl = this.buf.readUInt32BE(0);
      if (hl > MAX_HEADER) throw new ConverterError(`${this.who}: frame header of ${hl} bytes is too large (not a converter agent?)`, 'converter.protocol');
      if (this.buf.length < 8 + hl) return;
      const pl = this.buf.readUInt32BE(4 + hl);
      if (pl > MAX_PAYLOAD) throw new ConverterError(`${this.who}: frame payload of ${pl} bytes is too large`, 'converter.protocol');
      if (this.buf.length < 8 + hl + pl) return;
      let header: unknown;
      try {
        header = JSON.parse(this.buf.subarray(4, 4 + hl).toString('utf8'));
      } catch {
        throw new ConverterError(`${this.who}: a frame header is not JSON`, 'converter.protocol');
      }
      if (typeof header !== 'object' || header === null || typeof (header as { t?: unknown }).t !== 'string') throw new ConverterError(`${this.who}: a frame without a message type`, 'converter.protocol');
      const payload = this.buf.subarray(8 + hl, 8 + hl + pl);
      this.buf = this.buf.subarray(8 + hl + pl);
      this.onFrame(header as Record<string, unknown>, payload);
    }
  }
}

/** Writes, waiting for 'drain' when the socket's buffer is full (TCP back-pressure). */
export function send(socket: Socket, data: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.reject(new ConverterError('converter agent: the connection is closed', 'converter.connection'));
  if (socket.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      socket.off('drain', ok);
      socket.off('close', closed);
      if (err) reject(err);
      else resolve();
    };
    const ok = (): void => done();
    const closed = (): void => done(new ConverterError('converter agent: the connection closed', 'converter.connection'));
    socket.once('drain', ok);
    socket.once('close', closed);
  });
}

/** Path order used by both ends: component by component, so a folder precedes its contents. */
export function comparePaths(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}
