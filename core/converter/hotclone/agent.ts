// `vmdesk converter-agent`: runs on the source machine and streams its file tree to an
// authenticated converter. Each connection proves the token (HMAC over a fresh nonce), may ask
// to resume at a path and offset, and then gets every entry from there in path order. A
// dropped connection costs only what was not yet acknowledged.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { type Disposable, createLogger, errorMessage } from '../../common';
import { ConverterError } from '../errors';
import { CHUNK, type EntryMeta, FrameReader, PROTOCOL, comparePaths, frame, macMatches, send } from './protocol';
import { LIVE_ROOT_EXCLUDES, walkTree } from './tree-walk';

const log = createLogger('converter-agent');

export interface AgentOptions {
  readonly root: string;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  /** Folders (relative to root) whose contents are not sent; default: pseudo file systems when root is "/". */
  readonly excludes?: readonly string[];
  readonly onLog?: (line: string) => void;
}

export class ConverterAgent implements Disposable {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly o: AgentOptions,
    server: net.Server,
  ) {
    this.server = server;
  }

  static async start(o: AgentOptions): Promise<ConverterAgent> {
    if (o.token.length < 8) throw new ConverterError('converter-agent: --token must be at least 8 characters', 'usage');
    if (!fs.existsSync(o.root) || !fs.statSync(o.root).isDirectory()) throw new ConverterError(`converter-agent: ${o.root} is not a folder`, 'usage');
    const server = net.createServer();
    const agent = new ConverterAgent(o, server);
    server.on('connection', (s) => agent.serve(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new ConverterError(`converter-agent: cannot listen on ${o.host}:${o.port}: ${errorMessage(err)}`, 'converter.io')));
      server.listen(o.port, o.host, () => resolve());
    });
    return agent;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  private say(line: string): void {
    (this.o.onLog ?? ((l: string) => log.info(l)))(line);
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const nonce = randomBytes(32).toString('hex');
    let authed = false;
    const reader = new FrameReader(`converter-agent: ${peer}`, (h) => {
      if (!authed) {
        authed = true;
        if (h.t !== 'auth' || !macMatches(this.o.token, nonce, h.mac)) {
          this.say(`${peer}: authentication failed`);
          socket.end(frame({ t: 'fail', message: 'converter-agent: authentication failed (wrong token)' }));
          return;
        }
        const resume = h.resume as { path?: unknown; offset?: unknown } | undefined;
        const from =
          resume && typeof resume.path === 'string' && typeof resume.offset === 'number' && resume.offset >= 0
            ? { path: resume.path, offset: resume.offset, after: (resume as { after?: unknown }).after === true }
            : undefined;
        this.say(`${peer}: authenticated${from ? `, resuming ${from.after ? 'after' : 'at'} ${from.path}${from.after ? '' : ` +${from.offset}`}` : ''}`);
        this.stream(socket, from).catch((err) => {
          this.say(`${peer}: ${errorMessage(err)}`);
          socket.destroy();
        });
      }
      // Acks need no answer: the converter resumes from its own last ack.
    });
    socket.on('data', (d) => {
      try {
        reader.push(d);
      } catch (err) {
        this.say(errorMessage(err));
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
    socket.write(frame({ t: 'hello', protocol: PROTOCOL, nonce }));
  }

  private async stream(socket: net.Socket, from?: { path: string; offset: number; after: boolean }): Promise<void> {
    const root = path.resolve(this.o.root);
    const entries = walkTree(root, this.o.excludes ?? (root === '/' ? LIVE_ROOT_EXCLUDES : []));
    const bytes = entries.reduce((a, e) => a + e.size, 0);
    await send(socket, frame({ t: 'ready', entries: entries.length, bytes }));
    let start = 0;
    if (from) {
      start = entries.findIndex((e) => (from.after ? comparePaths(e.path, from.path) > 0 : comparePaths(e.path, from.path) >= 0));
      if (start < 0) start = entries.length;
    }
    const buf = Buffer.alloc(CHUNK);
    for (let i = start; i < entries.length; i++) {
      if (socket.destroyed) return;
      const e = entries[i]!;
      const offset = from && !from.after && i === start && e.path === from.path && e.type === 'file' ? Math.min(from.offset, e.size) : 0;
      await send(socket, frame({ t: 'entry', i, meta: e, from: offset }));
      if (e.type === 'file') await this.sendFile(socket, root, e, i, offset, buf);
    }
    await send(socket, frame({ t: 'done', entries: entries.length }));
    socket.end();
  }

  private async sendFile(socket: net.Socket, root: string, e: EntryMeta, i: number, from: number, buf: Buffer): Promise<void> {
    let fd: number;
    try {
      fd = fs.openSync(path.join(root, e.path), 'r');
    } catch {
      await send(socket, frame({ t: 'eof', i, size: from }));
      return; // vanished or unreadable: sent as what we have
    }
    let at = from;
    try {
      for (;;) {
        const n = fs.readSync(fd, buf, 0, CHUNK, at);
        if (n === 0) break;
        await send(socket, frame({ t: 'data', i, offset: at }, buf.subarray(0, n)));
        at += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    await send(socket, frame({ t: 'eof', i, size: at }));
  }

  /** Stops listening and drops every connection (tests use this to simulate a lost link). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  dispose(): void {
    void this.close();
  }
}
