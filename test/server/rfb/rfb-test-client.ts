// A small RFB client for protocol tests, written from RFC 6143: any version string, None
// or VNC Authentication, SetPixelFormat/SetEncodings, and FramebufferUpdates with Raw and
// the DesktopSize pseudo-encoding decoded into the client's own pixel values.
import net from 'node:net';
import { vncAuthResponse, type PixelFormat } from '../../../core/server/rfb';

export interface UpdateRect {
  x: number;
  y: number;
  w: number;
  h: number;
  encoding: number;
}

export class RfbTestClient {
  readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private ended = false;
  bytesReceived = 0;
  width = 0;
  height = 0;
  name = '';
  format: PixelFormat | undefined;
  /** Pixel values by position, as the client's format encodes them. */
  pixels = new Map<number, number>();

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (b: Buffer) => {
      this.bytesReceived += b.length;
      this.buffer = Buffer.concat([this.buffer, b]);
      this.wake();
    });
    this.socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    this.socket.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async read(n: number): Promise<Buffer> {
    while (this.buffer.length < n) {
      if (this.ended) throw new Error(`rfb client: the server closed the connection (wanted ${n} bytes, have ${this.buffer.length})`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  async closed(): Promise<boolean> {
    while (!this.ended) await new Promise<void>((r) => this.waiters.push(r));
    return true;
  }

  send(b: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(b) ? b : Buffer.from(b));
  }

  /** Version and security; returns the SecurityResult (0 ok) or the types offered when none fit. */
  async handshake(version = '003.008', password?: string): Promise<{ result: number; reason?: string; types?: number[] }> {
    const server = (await this.read(12)).toString('latin1');
    if (server !== 'RFB 003.008\n') throw new Error(`rfb client: server version ${JSON.stringify(server)}`);
    this.send(Buffer.from(`RFB ${version}\n`, 'latin1'));
    const v38 = Number(version.slice(4)) >= 8; // the server answers any later version as 3.8
    let type: number;
    if (version === '003.003') {
      type = (await this.read(4)).readUInt32BE(0);
      if (type === 0) return { result: -1, reason: await this.readString(), types: [] };
    } else {
      const n = (await this.read(1))[0]!;
      if (n === 0) return { result: -1, reason: await this.readString(), types: [] };
      const types = [...(await this.read(n))];
      type = password !== undefined && types.includes(2) ? 2 : types[0]!;
      this.send([type]);
    }
    if (type === 2) {
      const challenge = await this.read(16);
      this.send(Buffer.from(vncAuthResponse(password ?? '', challenge)));
    } else if (!v38) {
      return { result: 0 };
    }
    const result = (await this.read(4)).readUInt32BE(0);
    if (result !== 0 && v38) return { result, reason: await this.readString() };
    return { result };
  }

  private async readString(): Promise<string> {
    const n = (await this.read(4)).readUInt32BE(0);
    return (await this.read(n)).toString('utf8');
  }

  async init(): Promise<void> {
    this.send([1]); // shared
    const head = await this.read(24);
    this.width = head.readUInt16BE(0);
    this.height = head.readUInt16BE(2);
    this.format = {
      bitsPerPixel: head[4] as 8 | 16 | 32, depth: head[5]!, bigEndian: head[6] !== 0, trueColour: head[7] !== 0,
      redMax: head.readUInt16BE(8), greenMax: head.readUInt16BE(10), blueMax: head.readUInt16BE(12),
      redShift: head[14]!, greenShift: head[15]!, blueShift: head[16]!,
    };
    this.name = await this.readString2(head.readUInt32BE(20));
  }

  private async readString2(n: number): Promise<string> {
    return (await this.read(n)).toString('utf8');
  }

  setPixelFormat(pf: PixelFormat): void {
    this.send(setPixelFormatMessage(pf));
    this.format = pf;
  }

  setEncodings(list: number[]): void {
    const b = Buffer.alloc(4 + 4 * list.length);
    b[0] = 2;
    b.writeUInt16BE(list.length, 2);
    list.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i));
    this.send(b);
  }

  requestUpdate(incremental: boolean, x = 0, y = 0, w = this.width, h = this.height): void {
    const b = Buffer.alloc(10);
    b[0] = 3;
    b[1] = incremental ? 1 : 0;
    b.writeUInt16BE(x, 2);
    b.writeUInt16BE(y, 4);
    b.writeUInt16BE(w, 6);
    b.writeUInt16BE(h, 8);
    this.send(b);
  }

  key(keysym: number, down: boolean): void {
    const b = Buffer.alloc(8);
    b[0] = 4;
    b[1] = down ? 1 : 0;
    b.writeUInt32BE(keysym, 4);
    this.send(b);
  }

  pointer(x: number, y: number, mask: number): void {
    const b = Buffer.alloc(6);
    b[0] = 5;
    b[1] = mask;
    b.writeUInt16BE(x, 2);
    b.writeUInt16BE(y, 4);
    this.send(b);
  }

  /** QEMU Extended Key Event (message 255, subtype 0). */
  xtKey(xt: number, keysym: number, down: boolean): void {
    const b = Buffer.alloc(12);
    b[0] = 255;
    b.writeUInt16BE(down ? 1 : 0, 2);
    b.writeUInt32BE(keysym, 4);
    b.writeUInt32BE(xt, 8);
    this.send(b);
  }

  cutText(text: string): void {
    const t = Buffer.from(text, 'latin1');
    const b = Buffer.alloc(8);
    b[0] = 6;
    b.writeUInt32BE(t.length, 4);
    this.send(Buffer.concat([b, t]));
  }

  /** Reads one FramebufferUpdate (Raw, CopyRect and DesktopSize rectangles). */
  async readUpdate(): Promise<UpdateRect[]> {
    const head = await this.read(4);
    if (head[0] !== 0) throw new Error(`rfb client: message type ${head[0]} is not a FramebufferUpdate`);
    const rects: UpdateRect[] = [];
    for (let i = 0, n = head.readUInt16BE(2); i < n; i++) {
      const r = await this.read(12);
      const rect = { x: r.readUInt16BE(0), y: r.readUInt16BE(2), w: r.readUInt16BE(4), h: r.readUInt16BE(6), encoding: r.readInt32BE(8) };
      rects.push(rect);
      if (rect.encoding === -223) {
        this.width = rect.w;
        this.height = rect.h;
      } else if (rect.encoding === -258) {
        // QEMU Extended Key Event: acknowledged, no payload
      } else if (rect.encoding === -308) {
        const head = await this.read(4);
        const screens = await this.read(16 * head[0]!);
        (rect as UpdateRect & { screens?: number[][] }).screens = Array.from({ length: head[0]! }, (_, i) => [4, 6, 8, 10].map((o) => screens.readUInt16BE(i * 16 + o)));
        this.width = rect.w;
        this.height = rect.h;
      } else if (rect.encoding === 0) {
        const bpp = this.format!.bitsPerPixel / 8;
        const data = await this.read(rect.w * rect.h * bpp);
        for (let k = 0; k < rect.w * rect.h; k++) {
          const o = k * bpp;
          const big = this.format!.bigEndian;
          const v = bpp === 1 ? data[o]! : bpp === 2 ? (big ? data.readUInt16BE(o) : data.readUInt16LE(o)) : big ? data.readUInt32BE(o) : data.readUInt32LE(o);
          this.pixels.set((rect.y + Math.floor(k / rect.w)) * 65536 + rect.x + (k % rect.w), v);
        }
      } else if (rect.encoding === 1) {
        const src = await this.read(4);
        const sx = src.readUInt16BE(0);
        const sy = src.readUInt16BE(2);
        const copied: number[] = [];
        for (let y = 0; y < rect.h; y++) for (let x = 0; x < rect.w; x++) copied.push(this.pixels.get((sy + y) * 65536 + sx + x) ?? -1);
        copied.forEach((v, k) => this.pixels.set((rect.y + Math.floor(k / rect.w)) * 65536 + rect.x + (k % rect.w), v));
        (rect as UpdateRect & { srcY?: number }).srcY = sy;
      } else {
        throw new Error(`rfb client: encoding ${rect.encoding} is not decoded here`);
      }
    }
    return rects;
  }

  pixel(x: number, y: number): number | undefined {
    return this.pixels.get(y * 65536 + x);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A SetPixelFormat message (RFC 6143 §7.5.1) for true-colour format `pf`. */
export function setPixelFormatMessage(pf: PixelFormat): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0;
  b[4] = pf.bitsPerPixel;
  b[5] = pf.depth;
  b[6] = pf.bigEndian ? 1 : 0;
  b[7] = 1;
  b.writeUInt16BE(pf.redMax, 8);
  b.writeUInt16BE(pf.greenMax, 10);
  b.writeUInt16BE(pf.blueMax, 12);
  b[14] = pf.redShift;
  b[15] = pf.greenShift;
  b[16] = pf.blueShift;
  return b;
}
