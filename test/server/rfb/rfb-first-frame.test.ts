// A client's first frame, whatever the timing: the RFB server must answer a client's first
// FramebufferUpdateRequest with the whole screen even when the frame changed mode before the
// client came (the hub last looked at an older size), when the guest re-sets the same mode
// around the request (a BIOS or the kernel's setup code setting text mode 3 again), or when a
// real mode change races it, or the display has no picture yet (0x0, before the VGA's first
// mode) — and for a client that asks only once, as gvnccapture does (it saves on the
// rectangle that reaches the bottom-right corner and never asks again). The client's
// messages may come in one TCP segment or split anywhere; a change drawn while the hub
// catches up on a mode change is not lost.
import { afterEach, describe, expect, it } from 'vitest';
import { DisplayHub, type PixelFormat, RfbConnection, type RunningRfbServer, startRfbTcpServer } from '../../../core/server/rfb';
import { type UpdateRect, RfbTestClient, setPixelFormatMessage } from './rfb-test-client';
import { SharedFrame } from '../../../core/vmm/console';
import { drawPattern, patternAt, patternDisplay, recordingInput } from './test-pattern';

let server: RunningRfbServer | undefined;
const clients: RfbTestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

function client(port: number): RfbTestClient {
  const c = new RfbTestClient(port);
  clients.push(c);
  return c;
}

/** Long enough for the display hub to poll the frame (every 16 ms) a few times. */
const HUB_POLLS = () => new Promise((r) => setTimeout(r, 100));

const RGB565: PixelFormat = { bitsPerPixel: 16, depth: 16, bigEndian: false, trueColour: true, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0 };

function rgb565(rgb: number): number {
  const scale = (v: number, max: number): number => Math.round((v * max) / 255);
  return (scale(rgb >>> 16, 31) << 11) | (scale((rgb >>> 8) & 0xff, 63) << 5) | scale(rgb & 0xff, 31);
}

/** Where the client's picture differs from the pattern (at most a few), in its format. */
function wrongPixels(c: RfbTestClient, width: number, height: number, value: (rgb: number) => number = (v) => v): string[] {
  const bad: string[] = [];
  for (let y = 0; y < height && bad.length < 4; y++) {
    for (let x = 0; x < width && bad.length < 4; x++) {
      const want = value(patternAt(x, y, width, height));
      const got = c.pixel(x, y);
      if (got !== want) bad.push(`(${x},${y}) ${got?.toString(16)} != ${want.toString(16)}`);
    }
  }
  return bad;
}

/** The rectangle of an update that reaches the bottom-right corner (gvnccapture's "done"). */
function reachesCorner(rects: UpdateRect[], width: number, height: number): boolean {
  return rects.some((r) => r.encoding >= 0 && r.x + r.w === width && r.y + r.h === height);
}

describe('RFB first frame', () => {
  it('a frame that changed mode before anyone watched: the first request gets the whole screen, not a DesktopSize', async () => {
    const display = patternDisplay(320, 200);
    server = await startRfbTcpServer({ display, port: 0 });
    // The guest's VGA BIOS sets its mode while no console is connected.
    display.frame.resize(720, 400, 'rgbx');
    drawPattern(display.frame);
    const c = client(server.port);
    await c.handshake();
    await c.init();
    expect([c.width, c.height]).toEqual([720, 400]);
    await HUB_POLLS(); // the hub now sees a size generation it had not seen
    c.setEncodings([0, -223]);
    c.requestUpdate(false);
    const first = await c.readUpdate();
    expect(first.filter((r) => r.encoding < 0)).toEqual([]);
    expect(reachesCorner(first, 720, 400)).toBe(true);
    expect(wrongPixels(c, 720, 400)).toEqual([]);
  });

  it('the guest setting the same mode again around the request costs the client nothing: no DesktopSize, the screen comes', async () => {
    const display = patternDisplay(640, 400);
    server = await startRfbTcpServer({ display, port: 0 });
    const c = client(server.port);
    await c.handshake();
    await c.init();
    c.setEncodings([0, -308, -223]);
    // int 10h AH=00h AL=03h while text mode 3 is already set: the size stays 640x400.
    display.frame.resize(640, 400);
    drawPattern(display.frame);
    await HUB_POLLS();
    c.requestUpdate(false);
    const first = await c.readUpdate();
    expect(first.filter((r) => r.encoding < 0)).toEqual([]);
    expect(reachesCorner(first, 640, 400)).toBe(true);
    expect(wrongPixels(c, 640, 400)).toEqual([]);
    // And once more while the client waits on an incremental request: it gets the screen again.
    c.requestUpdate(true);
    display.frame.resize(640, 400);
    drawPattern(display.frame);
    const again = await c.readUpdate();
    expect(again.filter((r) => r.encoding < 0)).toEqual([]);
  });

  it('a client that asks once gets the new size and then its pixels when a mode change races its request', async () => {
    const display = patternDisplay(320, 200);
    server = await startRfbTcpServer({ display, port: 0 });
    for (const encodings of [[0, -223], [0, -308, -223]]) {
      const c = client(server.port);
      await c.handshake();
      await c.init();
      const [w, h] = c.width === 320 ? [640, 480] : [320, 200];
      c.setEncodings(encodings);
      display.frame.resize(w, h);
      drawPattern(display.frame);
      await HUB_POLLS();
      c.requestUpdate(false); // the only request this client makes
      const size = await c.readUpdate();
      expect(size).toHaveLength(1);
      expect(size[0]).toMatchObject({ w, h, encoding: encodings[1] });
      const pixels = await c.readUpdate(); // owed for the same request: no second one needed
      expect(reachesCorner(pixels, w, h)).toBe(true);
      expect(wrongPixels(c, w, h)).toEqual([]);
      c.close();
    }
  });

  it('a client that came before the VGA set its first mode (a 0x0 BGRX frame) gets the mode\'s RGBX pixels in their colours', async () => {
    const frame = SharedFrame.allocate(1024 * 768, 'early');
    server = await startRfbTcpServer({ display: { frame, input: recordingInput() }, port: 0 });
    const c = client(server.port);
    await c.handshake();
    await c.init();
    expect([c.width, c.height]).toEqual([0, 0]);
    c.setEncodings([0, -223]);
    c.requestUpdate(false); // its only request: nothing to show yet, so it waits for a picture
    await HUB_POLLS();
    frame.resize(320, 200, 'rgbx'); // what VgaDisplayAdapter does on the first mode set
    drawPattern(frame);
    expect(await c.readUpdate()).toEqual([{ x: 0, y: 0, w: 320, h: 200, encoding: -223 }]);
    await c.readUpdate();
    expect(wrongPixels(c, 320, 200)).toEqual([]);
  });

  it('ClientInit, SetPixelFormat, SetEncodings and the request in one segment, split at every boundary, or byte by byte: the whole screen each time', async () => {
    const display = patternDisplay(333, 250); // not a multiple of the 64-pixel tiles
    server = await startRfbTcpServer({ display, port: 0 });
    display.frame.resize(400, 300); // stale for the hub, as in `vmdesk run`
    drawPattern(display.frame);
    const format = setPixelFormatMessage(RGB565);
    const encodings = Buffer.alloc(4 + 4 * 3);
    encodings[0] = 2;
    encodings.writeUInt16BE(3, 2);
    [0, -223, -308].forEach((e, i) => encodings.writeInt32BE(e, 4 + 4 * i));
    const request = Buffer.from([3, 0, 0, 0, 0, 0, 400 >> 8, 400 & 0xff, 300 >> 8, 300 & 0xff]);
    const messages = [Buffer.from([1]), format, encodings, request];
    const all = Buffer.concat(messages);
    const splits: [string, Buffer[]][] = [
      ['one segment', [all]],
      ['one segment per message', messages],
      ['byte by byte', [...all].map((b) => Buffer.from([b]))],
      // Every cut inside the bytes, one at a time.
      ...Array.from({ length: all.length - 1 }, (_, i): [string, Buffer[]] => [`cut at byte ${i + 1}`, [all.subarray(0, i + 1), all.subarray(i + 1)]]),
    ];
    for (const [how, pieces] of splits) {
      const c = client(server.port);
      expect((await c.handshake()).result).toBe(0);
      for (const piece of pieces) {
        c.send(piece);
        await new Promise((r) => setImmediate(r)); // separate segments
      }
      const head = await c.read(24); // ServerInit
      expect([head.readUInt16BE(0), head.readUInt16BE(2)], how).toEqual([400, 300]);
      await c.read(head.readUInt32BE(20));
      c.width = 400;
      c.height = 300;
      c.format = RGB565;
      const first = await c.readUpdate();
      expect(reachesCorner(first, 400, 300), how).toBe(true);
      expect(wrongPixels(c, 400, 300, rgb565), how).toEqual([]);
      c.close();
    }
  });

  it('a change drawn while the hub catches up on an old mode change still reaches a client that had the new size', async () => {
    // Driven by hand, within one turn of the event loop (only microtasks run between the
    // steps), so the hub polls when the test says so and never on its own timer.
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) await Promise.resolve();
    };
    const display = patternDisplay(320, 200);
    const hub = new DisplayHub(display);
    display.frame.resize(400, 300);
    drawPattern(display.frame);
    const sent: Buffer[] = [];
    const connection = new RfbConnection(display, { send: (b) => void sent.push(Buffer.from(b)), buffered: 0, close: () => undefined }, { allowNone: true }, 'memory');
    hub.add(connection);
    try {
      const encodings = Buffer.alloc(4 + 8);
      encodings[0] = 2;
      encodings.writeUInt16BE(2, 2);
      encodings.writeInt32BE(0, 4);
      encodings.writeInt32BE(-223, 8);
      const request = (incremental: boolean): Buffer => Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 400 >> 8, 400 & 0xff, 300 >> 8, 300 & 0xff]);
      connection.receive(Buffer.concat([Buffer.from('RFB 003.008\n', 'latin1'), Buffer.from([1, 1]), encodings, request(false)]));
      await settle();
      const first = updates(sent.splice(0).slice(4)); // after the version, security types, SecurityResult, ServerInit
      expect(first).toHaveLength(1);
      expect(reachesCorner(first[0]!, 400, 300)).toBe(true);
      // The guest draws; the client asks for what changed; then the hub polls for the first time.
      display.frame.pixels[10 * 400 + 10] = 0x00ff00;
      display.frame.markDirty(10, 10, 1, 1);
      connection.receive(request(true));
      await settle();
      expect(sent).toEqual([]); // nothing changed as far as this client knows yet
      hub.poll();
      await settle();
      expect(updates(sent.splice(0))).toEqual([[{ x: 0, y: 0, w: 64, h: 64, encoding: 0 }]]);
    } finally {
      connection.end();
    }
  });
});

/** The rectangles of Raw FramebufferUpdates, one message per send. */
function updates(messages: Buffer[]): UpdateRect[][] {
  return messages.map((m) => {
    if (m[0] !== 0) throw new Error(`message type ${m[0]} is not a FramebufferUpdate`);
    const rects: UpdateRect[] = [];
    let o = 4;
    for (let i = 0, n = m.readUInt16BE(2); i < n; i++) {
      const r = { x: m.readUInt16BE(o), y: m.readUInt16BE(o + 2), w: m.readUInt16BE(o + 4), h: m.readUInt16BE(o + 6), encoding: m.readInt32BE(o + 8) };
      o += 12 + (r.encoding === 0 ? r.w * r.h * 4 : 0);
      rects.push(r);
    }
    return rects;
  });
}
