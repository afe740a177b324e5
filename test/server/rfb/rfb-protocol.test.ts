// The RFB server's protocol, seen from a client written from RFC 6143: versions 3.3/3.7/3.8,
// security None and VNC Authentication, pixel formats other than the server's, updates only
// for what changed, DesktopSize, input delivered to the VM, several clients, and a client
// that stops reading getting coalesced updates instead of a growing backlog.
import { afterEach, describe, expect, it } from 'vitest';
import { RfbConnection, type PixelFormat } from '../../../core/server/rfb';
import { type RunningRfbServer, startRfbTcpServer } from '../../../core/server/rfb';
import { drawPattern, patternAt, patternDisplay } from './test-pattern';
import { RfbTestClient } from './rfb-test-client';

const TILE_EDGE = 64;
let server: RunningRfbServer | undefined;
const clients: RfbTestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

async function serve(display = patternDisplay(320, 200)) {
  server = await startRfbTcpServer({ display, port: 0 });
  return { display, port: server.port };
}

function client(port: number): RfbTestClient {
  const c = new RfbTestClient(port);
  clients.push(c);
  return c;
}

/** The value a client format gives a 0xRRGGBB colour (RFC 6143 §7.4). */
function encode(pf: PixelFormat, rgb: number): number {
  const scale = (v: number, max: number): number => Math.round((v * max) / 255);
  return ((scale(rgb >>> 16, pf.redMax) << pf.redShift) | (scale((rgb >>> 8) & 0xff, pf.greenMax) << pf.greenShift) | (scale(rgb & 0xff, pf.blueMax) << pf.blueShift)) >>> 0;
}

describe('RFB handshake', () => {
  it('serves 3.8, 3.7 and 3.3 clients with security None on loopback, then ServerInit', async () => {
    const { port } = await serve(patternDisplay(320, 200, { name: 'web01' }));
    for (const version of ['003.008', '003.007', '003.003', '003.889']) {
      const c = client(port);
      expect((await c.handshake(version)).result).toBe(0);
      await c.init();
      expect({ w: c.width, h: c.height, name: c.name, bpp: c.format!.bitsPerPixel, depth: c.format!.depth }).toEqual({ w: 320, h: 200, name: 'web01', bpp: 32, depth: 24 });
    }
  });

  it('asks for the VNC password, accepts the right one and refuses a wrong one with a reason', async () => {
    const { port } = await serve(patternDisplay(64, 64, { password: 'hunter22-and-more' }));
    const good = client(port);
    expect((await good.handshake('003.008', 'hunter22'))).toEqual({ result: 0 }); // only 8 characters count
    await good.init();
    expect(good.width).toBe(64);
    const bad = client(port);
    const refused = await bad.handshake('003.008', 'hunter23');
    expect(refused.result).toBe(1);
    expect(refused.reason).toContain('authentication failed');
    expect(await bad.closed()).toBe(true);
    const old = client(port);
    expect((await old.handshake('003.003', 'hunter22')).result).toBe(0);
  });

  it('refuses a client that is not RFB with a closed connection, and keeps serving', async () => {
    const { port } = await serve();
    const junk = client(port);
    await junk.read(12);
    junk.send(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(await junk.closed()).toBe(true);
    const c = client(port);
    expect((await c.handshake()).result).toBe(0);
  });

  it('closes a client that asks for a colour map or sends an unknown message, and serves the next', async () => {
    const { port } = await serve();
    const mapped = client(port);
    await mapped.handshake();
    await mapped.init();
    const b = Buffer.alloc(20);
    b[4] = 8; // 8 bpp, true-colour flag 0: a colour map
    b[5] = 8;
    mapped.send(b);
    expect(await mapped.closed()).toBe(true);
    const odd = client(port);
    await odd.handshake();
    await odd.init();
    odd.send([77, 0, 0, 0]);
    expect(await odd.closed()).toBe(true);
    const fine = client(port);
    expect((await fine.handshake()).result).toBe(0);
    await fine.init();
    expect(fine.width).toBe(320);
  });

  it('offers no security type without a password where None is not allowed (not loopback)', () => {
    const sent: Buffer[] = [];
    let closed = false;
    const connection = new RfbConnection(patternDisplay(8, 8), { send: (b) => void sent.push(b), buffered: 0, close: () => void (closed = true) }, { allowNone: false }, 'test');
    connection.receive(Buffer.from('RFB 003.008\n'));
    const reply = Buffer.concat(sent.slice(1));
    expect(reply[0]).toBe(0); // zero security types
    expect(reply.subarray(5).toString()).toContain('needs a password');
    expect(closed).toBe(true);
  });
});

describe('RFB framebuffer updates', () => {
  it('sends Raw pixels in the client\'s format: 16 bpp big endian RGB565 and 8 bpp BGR233', async () => {
    const { port } = await serve();
    const formats: PixelFormat[] = [
      { bitsPerPixel: 16, depth: 16, bigEndian: true, trueColour: true, redMax: 31, greenMax: 63, blueMax: 31, redShift: 11, greenShift: 5, blueShift: 0 },
      { bitsPerPixel: 8, depth: 8, bigEndian: false, trueColour: true, redMax: 7, greenMax: 7, blueMax: 3, redShift: 0, greenShift: 3, blueShift: 6 },
      { bitsPerPixel: 32, depth: 24, bigEndian: true, trueColour: true, redMax: 255, greenMax: 255, blueMax: 255, redShift: 0, greenShift: 8, blueShift: 16 },
    ];
    for (const pf of formats) {
      const c = client(port);
      await c.handshake();
      await c.init();
      c.setPixelFormat(pf);
      c.setEncodings([0]);
      c.requestUpdate(false);
      await c.readUpdate();
      for (const [x, y] of [[1, 1], [45, 10], [300, 60], [17, 120], [200, 180], [319, 199]] as const) {
        expect(c.pixel(x, y), `${pf.bitsPerPixel} bpp at ${x},${y}`).toBe(encode(pf, patternAt(x, y, 320, 200)));
      }
    }
  });

  it('sends only the tiles that changed, and waits on an incremental request until something does', async () => {
    const { display, port } = await serve();
    const c = client(port);
    await c.handshake();
    await c.init();
    c.setEncodings([0]);
    c.requestUpdate(false);
    await c.readUpdate();
    const before = c.bytesReceived;
    c.requestUpdate(true);
    await new Promise((r) => setTimeout(r, 150)); // several hub polls: nothing changed, nothing sent
    expect(c.bytesReceived).toBe(before);
    const px = display.frame.pixels;
    px[70 * 320 + 100] = 0x123456;
    display.frame.markDirty(100, 70, 1, 1);
    const rects = await c.readUpdate();
    expect(rects).toEqual([{ x: 64, y: 64, w: 64, h: 64, encoding: 0 }]);
    expect(c.pixel(100, 70)).toBe(0x123456);
  });

  it('sends a scroll as one CopyRect plus the new line, and nothing for an unchanged redraw', async () => {
    const W = 640, H = 480, LINE = 16;
    const display = patternDisplay(W, H);
    const px = display.frame.pixels;
    // "Text lines": every 16-row line different, like a console full of text.
    const drawLine = (line: number, seed: number): void => {
      for (let y = line * LINE; y < (line + 1) * LINE; y++) for (let x = 0; x < W; x++) px[y * W + x] = ((x * (seed + 3)) ^ (y * 7) ^ (seed << 9)) & 0xffffff;
    };
    for (let line = 0; line < H / LINE; line++) drawLine(line, line);
    const { port } = await serve(display);
    const c = client(port);
    await c.handshake();
    await c.init();
    c.setEncodings([1, 0]);
    c.requestUpdate(false);
    await c.readUpdate();
    const full = c.bytesReceived;

    px.copyWithin(0, LINE * W); // scroll up one line
    drawLine(H / LINE - 1, 999);
    display.frame.markAllDirty(); // a display that redraws everything
    c.requestUpdate(true);
    const rects = await c.readUpdate();
    expect(rects[0]).toMatchObject({ encoding: 1, x: 0, w: W, srcY: rects[0]!.y + LINE });
    expect(rects[0]!.h).toBeGreaterThanOrEqual(H - 2 * TILE_EDGE);
    for (let y = 0; y < H; y += 7) for (let x = 0; x < W; x += 13) expect(c.pixel(x, y)).toBe(px[y * W + x]);
    expect(c.bytesReceived - full).toBeLessThan(full / 4);

    const before = c.bytesReceived;
    display.frame.markAllDirty(); // redrawn, nothing changed
    c.requestUpdate(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(c.bytesReceived).toBe(before);
    px[W * 100 + 100] = 0x00ff00;
    display.frame.markDirty(100, 100, 1, 1);
    expect(await c.readUpdate()).toEqual([{ x: 64, y: 64, w: 64, h: 64, encoding: 0 }]);
  });

  it('tells a DesktopSize client about a mode change, then sends the new screen', async () => {
    const { display, port } = await serve();
    const c = client(port);
    await c.handshake();
    await c.init();
    c.setEncodings([0, -223]);
    c.requestUpdate(false);
    await c.readUpdate();
    display.frame.resize(640, 400);
    drawPattern(display.frame);
    c.requestUpdate(true);
    expect(await c.readUpdate()).toEqual([{ x: 0, y: 0, w: 640, h: 400, encoding: -223 }]);
    c.requestUpdate(true, 0, 0, 640, 400);
    await c.readUpdate();
    expect(c.pixel(639, 399)).toBe(0xffffff);
    expect(c.pixel(600, 50)).toBe(patternAt(600, 50, 640, 400));
  });

  it('speaks ExtendedDesktopSize: a mode change names its screen, a client\'s resize request is refused', async () => {
    const { display, port } = await serve();
    const c = client(port);
    await c.handshake();
    await c.init();
    c.setEncodings([0, -308, -223]);
    c.requestUpdate(false);
    await c.readUpdate();
    display.frame.resize(800, 600);
    c.requestUpdate(true);
    expect(await c.readUpdate()).toEqual([{ x: 0, y: 0, w: 800, h: 600, encoding: -308, screens: [[0, 0, 800, 600]] }]);
    // The new screen follows for the same request (what the client had is gone).
    const pixels = await c.readUpdate();
    expect(pixels.at(-1)).toEqual({ x: 0, y: 576, w: 800, h: 24, encoding: 0 });
    // SetDesktopSize 1024x768 with one screen: the guest decides its size; status 1 = prohibited.
    const req = Buffer.alloc(8 + 16);
    req[0] = 251;
    req.writeUInt16BE(1024, 2);
    req.writeUInt16BE(768, 4);
    req[6] = 1;
    req.writeUInt16BE(1024, 8 + 8); // SCREEN: id, x, y, width, height, flags
    req.writeUInt16BE(768, 8 + 10);
    c.send(req);
    c.requestUpdate(true);
    const [reply] = await c.readUpdate();
    expect(reply).toMatchObject({ x: 1, y: 1, w: 800, h: 600, encoding: -308 });
  });

  it('delivers keys and pointer events to the VM, and releases a gone client\'s held keys', async () => {
    const { display, port } = await serve();
    const c = client(port);
    await c.handshake();
    await c.init();
    c.cutText('ignored clipboard');
    c.key(0xffe3, true); // Control_L held
    c.key(0x61, true);
    c.key(0x61, false);
    c.pointer(10, 20, 1);
    await expect.poll(() => display.input.pointers.length).toBe(1);
    c.close();
    await expect.poll(() => display.input.keys.length).toBe(4);
    expect(display.input.keys).toEqual([
      { keysym: 0xffe3, down: true }, { keysym: 0x61, down: true }, { keysym: 0x61, down: false }, { keysym: 0xffe3, down: false },
    ]);
    expect(display.input.pointers).toEqual([{ x: 10, y: 20, mask: 1 }, { x: 0, y: 0, mask: 0 }]);
  });

  it('takes QEMU extended key events (physical keys) once it has told the client so', async () => {
    const { display, port } = await serve();
    const c = client(port);
    await c.handshake();
    await c.init();
    c.setEncodings([0, -258]);
    c.requestUpdate(false);
    const rects = await c.readUpdate();
    expect(rects.filter((r) => r.encoding === -258)).toEqual([{ x: 0, y: 0, w: 0, h: 0, encoding: -258 }]);
    c.xtKey(0x10, 0x61, true); // the key left of W on a US board, typed as "a" on AZERTY
    c.xtKey(0x10, 0x61, false);
    c.xtKey(0xc8, 0xff52, true); // Up: E0 48
    c.close();
    await expect.poll(() => display.input.scancodes.length).toBe(4);
    expect(display.input.scancodes).toEqual([
      { xt: 0x10, keysym: 0x61, down: true }, { xt: 0x10, keysym: 0x61, down: false },
      { xt: 0xc8, keysym: 0xff52, down: true }, { xt: 0xc8, keysym: 0xff52, down: false }, // released when the client left
    ]);
  });

  it('serves several clients the same change', async () => {
    const { display, port } = await serve();
    const many = [client(port), client(port), client(port)];
    for (const c of many) {
      await c.handshake();
      await c.init();
      c.setEncodings([0]);
      c.requestUpdate(false);
      await c.readUpdate();
      c.requestUpdate(true);
    }
    display.frame.pixels[5 * 320 + 5] = 0xabcdef;
    display.frame.markDirty(5, 5, 1, 1);
    for (const c of many) {
      await c.readUpdate();
      expect(c.pixel(5, 5)).toBe(0xabcdef);
    }
  });

  it('coalesces updates for a client that stops reading, and it catches up with the latest screen', async () => {
    const display = patternDisplay(1024, 768);
    const { port } = await serve(display);
    const slow = client(port);
    await slow.handshake();
    await slow.init();
    slow.setEncodings([0]);
    slow.socket.pause();
    const frameBytes = 1024 * 768 * 4;
    const px = display.frame.pixels;
    for (let i = 0; i < 40; i++) {
      slow.requestUpdate(true);
      px.fill(0x010101 * i);
      display.frame.markAllDirty();
      await new Promise((r) => setTimeout(r, 20));
    }
    slow.socket.resume();
    slow.requestUpdate(true);
    // Read updates until the last colour shows; far fewer bytes than 40 whole screens arrive.
    for (let n = 0; n < 40 && slow.pixel(500, 500) !== 0x010101 * 39; n++) {
      await slow.readUpdate();
      slow.requestUpdate(true);
    }
    expect(slow.pixel(500, 500)).toBe(0x010101 * 39);
    expect(slow.bytesReceived).toBeLessThan(frameBytes * 10);
  });
});
