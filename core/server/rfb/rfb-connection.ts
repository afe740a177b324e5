// One RFB client (RFC 6143), over any byte transport: the version handshake (3.8, and 3.3 /
// 3.7 clients), security None or VNC Authentication, ClientInit/ServerInit, then the
// client's messages and the server's framebuffer updates. An update is sent only when the
// client has asked for one, something in its area is dirty and its transport has drained
// below a high-water mark, so a slow client gets fewer, larger updates and never holds up
// anyone else. A mode change is told (DesktopSize) only when the size really changed, and
// ahead of the new screen, never instead of it: a client that asks once still gets pixels.
// Bad input closes this connection with a logged reason, nothing more.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { type ConsoleDisplay, type DirtyTiles, TILE } from '../../vmm/console';
import { createLogger, errorMessage } from '../../common';
import { ByteWriter } from './byte-writer';
import { ClientShadow, type VerticalCopy } from './client-shadow';
import { vncAuthResponse } from './des';
import { ENCODING, type Rect } from './encodings';
import { PixelFormatError, PixelTranslator, SERVER_PIXEL_FORMAT, decodePixelFormat, encodePixelFormat, type PixelFormat } from './pixel-format';
import { writeRaw } from './raw-encoder';
import { ZrleEncoder } from './zrle-encoder';

const log = createLogger('rfb');

/** Bytes a transport may hold unsent before updates wait for it to drain. */
export const HIGH_WATER = 512 * 1024;
const MAX_CUT_TEXT = 1 << 20;
const SECURITY_NONE = 1;
const SECURITY_VNC = 2;

export interface RfbTransport {
  send(data: Buffer): void;
  /** Bytes handed to send() and not yet written out. */
  readonly buffered: number;
  close(): void;
}

export interface RfbSecurity {
  /** VNC Authentication with this password (the first 8 characters count). */
  readonly password?: string;
  /** Security type None is allowed (loopback, or a transport that checked a login). */
  readonly allowNone: boolean;
}

type Phase = 'version' | 'security' | 'auth' | 'init' | 'normal' | 'closed';

export class RfbConnection {
  private phase: Phase = 'version';
  private input: Buffer = Buffer.alloc(0);
  private minor = 8;
  private challenge: Buffer | undefined;
  private format: PixelFormat = SERVER_PIXEL_FORMAT;
  private translator: PixelTranslator;
  private encodings = new Set<number>([ENCODING.raw]);
  private preferred: number = ENCODING.raw;
  private zrle: ZrleEncoder | undefined;
  private request: { incremental: boolean; rect: Rect } | undefined;
  private sending = false;
  /** The size the client knows, and its dirty tiles for that size. */
  private clientWidth: number;
  private clientHeight: number;
  /** The frame's size generation the client's size and dirt were taken at. */
  private sizeGeneration: number;
  private dirty: Uint8Array;
  private columns: number;
  private sizeChanged = false;
  private shadow: ClientShadow;
  /** Counters for tests and diagnostics. */
  readonly stats = { updates: 0, rects: 0, copyRects: 0, tilesSkippedUnchanged: 0 };
  private readonly heldKeys = new Set<number>();
  private readonly heldXt = new Map<number, number>();
  /** The client asked for QEMU extended key events and has not been told yes yet. */
  private qemuKeysAck = false;
  private pointerMask = 0;
  /** Called once the connection is closed (by either side). */
  onClose: (() => void) | undefined;

  constructor(
    private readonly display: ConsoleDisplay,
    private readonly transport: RfbTransport,
    private readonly security: RfbSecurity,
    readonly peer: string,
  ) {
    this.translator = new PixelTranslator(this.format, display.frame.format);
    this.sizeGeneration = display.frame.sizeGeneration;
    this.clientWidth = display.frame.width;
    this.clientHeight = display.frame.height;
    this.columns = Math.ceil(this.clientWidth / TILE);
    this.dirty = new Uint8Array(this.columns * Math.ceil(this.clientHeight / TILE)).fill(1);
    this.shadow = new ClientShadow(this.clientWidth, this.clientHeight);
    transport.send(Buffer.from('RFB 003.008\n', 'latin1'));
  }

  /** The encoding updates go out in ("zrle" or "raw"), from the client's SetEncodings. */
  get encoding(): 'zrle' | 'raw' {
    return this.preferred === ENCODING.zrle ? 'zrle' : 'raw';
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** Bytes from the client. */
  receive(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    try {
      while (this.step()) {
        // each step consumed one message; step() is false once closed
      }
    } catch (err) {
      this.fail(err instanceof PixelFormatError ? err.message : `rfb: ${errorMessage(err)}`);
    }
  }

  /** The transport went away. */
  end(): void {
    if (this.phase === 'closed') return;
    const wasNormal = this.phase === 'normal';
    this.phase = 'closed';
    if (wasNormal) {
      // Keys and buttons this client held go up, so the guest sees no stuck keys.
      for (const keysym of this.heldKeys) this.display.input.key(keysym, false);
      for (const [xt, keysym] of this.heldXt) this.display.input.scancode?.(xt, keysym, false);
      if (this.pointerMask !== 0) this.display.input.pointer(0, 0, 0);
    }
    this.heldKeys.clear();
    this.zrle?.dispose();
    this.onClose?.();
  }

  /** The frame may have changed mode (the hub saw a new size generation). */
  resized(): void {
    this.syncSize();
  }

  /** Dirt taken from the frame by the hub, at the frame's current size. */
  addDirty(d: DirtyTiles): void {
    if (this.sizeChanged || d.columns !== this.columns || d.tiles.length !== this.dirty.length) return;
    const dirty = this.dirty;
    const tiles = d.tiles;
    for (let i = 0; i < tiles.length; i++) if (tiles[i]) dirty[i] = 1;
  }

  /** Sends an update if one is asked for, due, and the transport has room. */
  pump(): void {
    if (this.phase !== 'normal' || this.sending || !this.request || this.transport.buffered > HIGH_WATER) return;
    this.sending = true;
    this.sendUpdate().then(
      (sent) => {
        this.sending = false;
        // A request that came in while this one was encoded, or the pixels owed after a
        // DesktopSize, go out now rather than on the hub's next poll.
        if (sent) this.pump();
      },
      (err: unknown) => {
        this.sending = false;
        this.fail(`rfb: update failed: ${errorMessage(err)}`);
      },
    );
  }

  /**
   * Compares the frame's size generation with the client's. A new size is told to the
   * client (DesktopSize) on its next update; the same size again (a guest setting the mode
   * it already has) only makes the whole screen due. rfbproto §7.8.2: send DesktopSize only
   * for an actual change of the framebuffer's dimensions.
   */
  private syncSize(): void {
    const frame = this.display.frame;
    if (frame.sizeGeneration === this.sizeGeneration) return;
    if (this.phase !== 'normal' || (frame.width === this.clientWidth && frame.height === this.clientHeight)) this.resetSize();
    else this.sizeChanged = true;
  }

  private resetSize(): void {
    const frame = this.display.frame;
    // The generation first: a resize while the size is read shows up as a newer one.
    this.sizeGeneration = frame.sizeGeneration;
    if (frame.format !== this.translator.source) this.translator = new PixelTranslator(this.format, frame.format);
    this.clientWidth = frame.width;
    this.clientHeight = frame.height;
    this.columns = Math.ceil(this.clientWidth / TILE);
    this.dirty = new Uint8Array(this.columns * Math.ceil(this.clientHeight / TILE)).fill(1);
    this.shadow = new ClientShadow(this.clientWidth, this.clientHeight);
    this.sizeChanged = false;
  }

  private fail(reason: string): void {
    if (this.phase === 'closed') return;
    log.warn(`${this.peer}: ${reason}; closing`);
    this.transport.close();
    this.end();
  }

  private take(n: number): Buffer | undefined {
    if (this.input.length < n) return undefined;
    const out = this.input.subarray(0, n);
    this.input = this.input.subarray(n);
    return out;
  }

  private reasonString(reason: string): Buffer {
    const text = Buffer.from(reason, 'utf8');
    const b = Buffer.alloc(4 + text.length);
    b.writeUInt32BE(text.length, 0);
    text.copy(b, 4);
    return b;
  }

  private refuse(reason: string): void {
    // 3.3 has no reason string after a refused handshake in every place; 3.7+ does.
    log.warn(`${this.peer}: ${reason}`);
    this.transport.close();
    this.end();
  }

  /** One message or handshake step; false when more bytes are needed. */
  private step(): boolean {
    switch (this.phase) {
      case 'version': {
        const v = this.take(12);
        if (!v) return false;
        const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(v.toString('latin1'));
        if (!m || m[1] !== '003') {
          this.fail(`rfb: not an RFB 3.x client (it sent ${JSON.stringify(v.toString('latin1'))})`);
          return false;
        }
        // RFC 6143 §7.1.1: 3.3 and 3.7 are the other published versions; anything newer is 3.8.
        const minor = Number(m[2]);
        this.minor = minor >= 8 ? 8 : minor === 7 ? 7 : 3;
        this.offerSecurity();
        return true;
      }
      case 'security': {
        const t = this.take(1);
        if (!t) return false;
        const type = t[0]!;
        if (!this.allowedTypes().includes(type)) {
          this.securityFailed(`the client chose security type ${type}, which was not offered`);
          return false;
        }
        this.startSecurity(type);
        return true;
      }
      case 'auth': {
        const response = this.take(16);
        if (!response) return false;
        const expected = Buffer.from(vncAuthResponse(this.security.password ?? '', this.challenge!));
        if (!timingSafeEqual(expected, response)) {
          this.securityFailed('authentication failed (wrong password)');
          return false;
        }
        this.transport.send(u32(0));
        this.phase = 'init';
        return true;
      }
      case 'init': {
        if (!this.take(1)) return false; // shared-flag: every client shares the screen
        this.resetSize();
        const name = Buffer.from(this.display.frame.name, 'utf8');
        const b = Buffer.alloc(24 + name.length);
        b.writeUInt16BE(this.clientWidth, 0);
        b.writeUInt16BE(this.clientHeight, 2);
        encodePixelFormat(this.format).copy(b, 4);
        b.writeUInt32BE(name.length, 20);
        name.copy(b, 24);
        this.transport.send(b);
        this.phase = 'normal';
        log.debug(`${this.peer}: RFB 3.${this.minor} client connected`);
        return true;
      }
      case 'normal':
        return this.message();
      default:
        return false;
    }
  }

  private allowedTypes(): number[] {
    if (this.security.password) return [SECURITY_VNC];
    return this.security.allowNone ? [SECURITY_NONE] : [];
  }

  private offerSecurity(): void {
    const types = this.allowedTypes();
    if (types.length === 0) {
      const reason = 'rfb: this console needs a password and none is set for the VM';
      // RFC 6143 §7.1.2: zero types, then the reason (3.3: type 0, then the reason).
      this.transport.send(Buffer.concat([this.minor === 3 ? u32(0) : Buffer.from([0]), this.reasonString(reason)]));
      this.refuse(reason);
      return;
    }
    if (this.minor === 3) {
      // 3.3: the server decides (§7.1.2 of RFC 6143, "Version 3.3").
      this.transport.send(u32(types[0]!));
      this.startSecurity(types[0]!);
      return;
    }
    this.transport.send(Buffer.from([types.length, ...types]));
    this.phase = 'security';
  }

  private startSecurity(type: number): void {
    if (type === SECURITY_VNC) {
      this.challenge = randomBytes(16);
      this.transport.send(this.challenge);
      this.phase = 'auth';
      return;
    }
    // None: 3.8 sends a SecurityResult; 3.3 and 3.7 go straight to ClientInit.
    if (this.minor === 8) this.transport.send(u32(0));
    this.phase = 'init';
  }

  private securityFailed(reason: string): void {
    this.transport.send(this.minor === 8 ? Buffer.concat([u32(1), this.reasonString(reason)]) : u32(1));
    this.refuse(`rfb: ${reason}`);
  }

  private message(): boolean {
    const b = this.input;
    if (b.length < 1) return false;
    switch (b[0]) {
      case 0: { // SetPixelFormat
        const m = this.take(20);
        if (!m) return false;
        this.format = decodePixelFormat(m, 4);
        this.translator = new PixelTranslator(this.format, this.display.frame.format);
        return true;
      }
      case 2: { // SetEncodings
        if (b.length < 4) return false;
        const count = b.readUInt16BE(2);
        const m = this.take(4 + 4 * count);
        if (!m) return false;
        const list: number[] = [];
        for (let i = 0; i < count; i++) list.push(m.readInt32BE(4 + 4 * i));
        this.encodings = new Set(list);
        // Extended key events (physical keys) when the VM side can take them; the client learns
        // it from a pseudo-rectangle in the next update (rfbproto "QEMU Extended Key Event").
        this.qemuKeysAck = this.encodings.has(ENCODING.qemuExtendedKeyEvent) && this.display.input.scancode !== undefined;
        this.preferred = list.find((e) => e === ENCODING.zrle || e === ENCODING.raw) ?? ENCODING.raw;
        if (this.preferred === ENCODING.zrle) this.zrle ??= new ZrleEncoder();
        return true;
      }
      case 3: { // FramebufferUpdateRequest
        const m = this.take(10);
        if (!m) return false;
        const rect = { x: m.readUInt16BE(2), y: m.readUInt16BE(4), w: m.readUInt16BE(6), h: m.readUInt16BE(8) };
        const incremental = m[1] !== 0;
        if (!incremental) {
          this.markDirty(rect);
          this.shadow.invalidate(rect);
        }
        this.request = this.request && !this.request.incremental ? this.request : { incremental, rect };
        this.pump();
        return true;
      }
      case 4: { // KeyEvent
        const m = this.take(8);
        if (!m) return false;
        const down = m[1] !== 0;
        const keysym = m.readUInt32BE(4);
        if (down) this.heldKeys.add(keysym);
        else this.heldKeys.delete(keysym);
        this.display.input.key(keysym, down);
        return true;
      }
      case 5: { // PointerEvent
        const m = this.take(6);
        if (!m) return false;
        this.pointerMask = m[1]!;
        this.display.input.pointer(m.readUInt16BE(2), m.readUInt16BE(4), m[1]!);
        return true;
      }
      case 6: { // ClientCutText: read and ignored
        if (b.length < 8) return false;
        const length = b.readUInt32BE(4);
        if (length > MAX_CUT_TEXT) throw new Error(`ClientCutText of ${length} bytes is too long`);
        return this.take(8 + length) !== undefined;
      }
      case 255: { // QEMU client message; subtype 0 is the Extended Key Event
        if (b.length < 2) return false;
        if (b[1] !== 0) throw new Error(`unknown QEMU client message subtype ${b[1]}`);
        const m = this.take(12);
        if (!m) return false;
        const down = m.readUInt16BE(2) !== 0;
        const keysym = m.readUInt32BE(4);
        const xt = m.readUInt32BE(8);
        if (down) this.heldXt.set(xt, keysym);
        else this.heldXt.delete(xt);
        if (this.display.input.scancode) this.display.input.scancode(xt, keysym, down);
        else if (keysym) this.display.input.key(keysym, down);
        return true;
      }
      case 251: { // SetDesktopSize (ExtendedDesktopSize): the guest decides its size; refused
        if (b.length < 8) return false;
        const screens = b[6]!;
        if (!this.take(8 + 16 * screens)) return false;
        this.extendedSizeReply = { reason: 1, status: 1 };
        this.pump();
        return true;
      }
      default:
        throw new Error(`unknown client message type ${b[0]}`);
    }
  }

  private extendedSizeReply: { reason: number; status: number } | undefined;

  private markDirty(r: Rect): void {
    const rows = this.dirty.length / Math.max(1, this.columns);
    const tx1 = Math.min(this.columns, Math.ceil((r.x + r.w) / TILE));
    const ty1 = Math.min(rows, Math.ceil((r.y + r.h) / TILE));
    for (let ty = Math.floor(r.y / TILE); ty < ty1; ty++) for (let tx = Math.floor(r.x / TILE); tx < tx1; tx++) this.dirty[ty * this.columns + tx] = 1;
  }

  /** Dirty tiles inside the request, as row runs clipped to the request and the frame. */
  private collectRects(area: Rect): Rect[] {
    const frame = this.display.frame;
    const width = Math.min(this.clientWidth, frame.width);
    const height = Math.min(this.clientHeight, frame.height);
    const ax1 = Math.min(area.x + area.w, width);
    const ay1 = Math.min(area.y + area.h, height);
    const rects: Rect[] = [];
    const columns = this.columns;
    const rows = this.dirty.length / Math.max(1, columns);
    for (let ty = 0; ty < rows; ty++) {
      const y0 = Math.max(ty * TILE, area.y);
      const y1 = Math.min((ty + 1) * TILE, ay1);
      if (y1 <= y0) continue;
      let tx = 0;
      while (tx < columns) {
        if (!this.dirty[ty * columns + tx]) {
          tx++;
          continue;
        }
        const start = tx;
        while (tx < columns && this.dirty[ty * columns + tx]) tx++;
        const x0 = Math.max(start * TILE, area.x);
        const x1 = Math.min(tx * TILE, ax1);
        for (let k = start; k < tx; k++) {
          // A tile is clean once the request covered all of it.
          const covered = k * TILE >= area.x && Math.min((k + 1) * TILE, width) <= ax1 && ty * TILE >= area.y && Math.min((ty + 1) * TILE, height) <= ay1;
          if (covered) this.dirty[ty * columns + k] = 0;
        }
        if (x1 > x0) rects.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0 });
      }
    }
    return rects;
  }

  /** One FramebufferUpdate for the pending request; false when it waits for a change. */
  private async sendUpdate(): Promise<boolean> {
    this.syncSize();
    const out = new ByteWriter();
    const frame = this.display.frame;
    if (this.sizeChanged || this.extendedSizeReply) {
      const extended = this.encodings.has(ENCODING.extendedDesktopSize);
      const plain = this.encodings.has(ENCODING.desktopSize);
      const reply = this.extendedSizeReply;
      this.extendedSizeReply = undefined;
      if (this.sizeChanged && (extended || plain)) {
        this.resetSize();
        // The DesktopSize update goes ahead of the pixels; the request is answered by the
        // whole new screen that follows (what the client had is gone, RFC 6143 §7.8.2), so
        // a client that asks only once (gvnccapture) is not left waiting.
        this.request = { incremental: false, rect: { x: 0, y: 0, w: this.clientWidth, h: this.clientHeight } };
        this.sizeRect(out, extended, 0, 0);
        this.transport.send(out.take());
        return true;
      }
      if (this.sizeChanged) {
        // A client without DesktopSize keeps its size; it is sent what still fits.
        const keep = { w: this.clientWidth, h: this.clientHeight };
        this.resetSize();
        this.clientWidth = Math.min(keep.w, frame.width);
        this.clientHeight = Math.min(keep.h, frame.height);
      }
      if (reply && extended) {
        // The reply to SetDesktopSize, ahead of whatever the request is still owed.
        this.sizeRect(out, true, reply.reason, reply.status);
        this.transport.send(out.take());
        return true;
      }
    }
    // No picture yet (the display has not set its first mode): the request waits for one,
    // which comes as a DesktopSize and then the screen, rather than an empty answer.
    if (this.clientWidth === 0 || this.clientHeight === 0) return false;
    const request = this.request!;
    const copy = request.incremental && this.encodings.has(ENCODING.copyRect) ? this.findScroll(request.rect) : undefined;
    if (copy) this.shadow.applyCopy(copy);
    this.dropUnchangedTiles();
    const rects = this.collectRects(request.rect);
    const ackKeys = this.qemuKeysAck;
    if (rects.length === 0 && !copy && !ackKeys && request.incremental) return false; // wait for something to change
    this.qemuKeysAck = false;
    this.request = undefined;
    const t = this.translator;
    const shadow = this.shadow;
    const payloads: { rect: Rect; encoding: number; data?: Buffer }[] = [];
    for (const rect of rects) {
      // Encode from the client's copy, so what it has is known exactly (client-shadow.ts).
      shadow.capture(frame, rect);
      if (this.preferred === ENCODING.zrle && this.zrle) payloads.push({ rect, encoding: ENCODING.zrle, data: await this.zrle.encode(shadow, t, rect) });
      else payloads.push({ rect, encoding: ENCODING.raw });
      if (this.phase === 'closed') return false;
    }
    out.u8(0);
    out.u8(0);
    out.u16(payloads.length + (copy ? 1 : 0) + (ackKeys ? 1 : 0));
    if (ackKeys) {
      out.u16(0);
      out.u16(0);
      out.u16(0);
      out.u16(0);
      out.s32(ENCODING.qemuExtendedKeyEvent);
    }
    if (copy) {
      // CopyRect first: later rectangles draw over its result (RFC 6143 §7.7.2).
      out.u16(copy.dst.x);
      out.u16(copy.dst.y);
      out.u16(copy.dst.w);
      out.u16(copy.dst.h);
      out.s32(ENCODING.copyRect);
      out.u16(copy.dst.x);
      out.u16(copy.srcY);
      this.stats.copyRects++;
    }
    for (const p of payloads) {
      out.u16(p.rect.x);
      out.u16(p.rect.y);
      out.u16(p.rect.w);
      out.u16(p.rect.h);
      out.s32(p.encoding);
      if (p.data) out.bytes(p.data);
      else writeRaw(out, shadow, t, p.rect);
    }
    this.stats.updates++;
    this.stats.rects += payloads.length;
    if (this.phase === 'closed') return false;
    this.transport.send(out.take());
    return true;
  }

  /** A vertical scroll in the band of dirty tile rows inside the request, if there is one. */
  private findScroll(area: Rect): VerticalCopy | undefined {
    const frame = this.display.frame;
    if (frame.width !== this.clientWidth || frame.height !== this.clientHeight || area.x !== 0 || area.w < this.clientWidth) return undefined;
    const rows = this.dirty.length / Math.max(1, this.columns);
    let first = -1;
    let last = -1;
    for (let ty = 0; ty < rows; ty++) {
      for (let tx = 0; tx < this.columns; tx++) {
        if (this.dirty[ty * this.columns + tx]) {
          if (first < 0) first = ty;
          last = ty;
          break;
        }
      }
    }
    if (first < 0) return undefined;
    const y0 = Math.max(first * TILE, area.y);
    const y1 = Math.min((last + 1) * TILE, this.clientHeight, area.y + area.h);
    return this.shadow.findVerticalCopy(frame, y0, y1);
  }

  /** Dirty tiles whose pixels the client already shows are not sent again. */
  private dropUnchangedTiles(): void {
    const frame = this.display.frame;
    const rows = this.dirty.length / Math.max(1, this.columns);
    for (let ty = 0; ty < rows; ty++) {
      for (let tx = 0; tx < this.columns; tx++) {
        const i = ty * this.columns + tx;
        if (this.dirty[i] && this.shadow.tileUnchanged(frame, tx, ty)) {
          this.dirty[i] = 0;
          this.stats.tilesSkippedUnchanged++;
        }
      }
    }
  }

  /** A FramebufferUpdate of one DesktopSize or ExtendedDesktopSize rectangle. */
  private sizeRect(out: ByteWriter, extended: boolean, reason: number, status: number): void {
    out.u8(0);
    out.u8(0);
    out.u16(1);
    // ExtendedDesktopSize puts the reason in x and the status in y (RFC 6143 errata; rfbproto §7.8.2).
    out.u16(extended ? reason : 0);
    out.u16(extended ? status : 0);
    out.u16(this.clientWidth);
    out.u16(this.clientHeight);
    out.s32(extended ? ENCODING.extendedDesktopSize : ENCODING.desktopSize);
    if (extended) {
      out.u8(1); // one screen
      out.u8(0);
      out.u16(0);
      out.u32(0); // screen id
      out.u16(0);
      out.u16(0);
      out.u16(this.clientWidth);
      out.u16(this.clientHeight);
      out.u32(0); // flags
    }
  }
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}
