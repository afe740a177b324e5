// The graphical console of Electron's windows: RFB over IPC (core/server/rfb/ipc-console.ts).
// Electron cannot run here (STACK.md pitfall 2), so a small ipcMain and two windows stand in
// for it; behind them everything is real: a hosted VM booted through SeaBIOS whose text
// screen is read back through a full RFB handshake, and a synthetic screen for the refusals
// (a frame outside the app, another window's session, a guessed session, bad calls), the
// acks that pace updates, and the ends (window closed or reloaded, VM powered off, host
// stopping); a console opened as the VM powers on follows the VGA to its text screen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_IPC, type ApiResult } from '../../../core/api';
import { Emitter } from '../../../core/common';
import { attachConsoleIpc, type ConsoleInvokeEvent, type ConsoleWindow } from '../../../core/server';
import { MAX_SESSIONS_PER_WINDOW } from '../../../core/server/rfb';
import { HostAgent, WorkerVmRuntime } from '../../../core/vmkernel';
import { patternDisplay } from './test-pattern';

const APP = 'file:///opt/vmdesk/dist/renderer/index.html';
type Handler = (event: ConsoleInvokeEvent, params: unknown) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  return { handlers, handle: (c: string, h: Handler) => void handlers.set(c, h), removeHandler: (c: string) => void handlers.delete(c) };
}

let nextWindow = 1;
/** A window: what main pushes to it, and its end. */
class FakeWindow implements ConsoleWindow {
  readonly id = nextWindow++;
  readonly pushes: { channel: string; session: string; payload: unknown }[] = [];
  private destroyed = false;
  private onDestroyed: (() => void)[] = [];
  send(channel: string, session: unknown, payload: unknown): void {
    this.pushes.push({ channel, session: session as string, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  once(_event: 'destroyed', listener: () => void): void {
    this.onDestroyed.push(listener);
  }
  readonly pageEvents = new Map<string, (() => void)[]>();
  on(event: string, listener: () => void): void {
    this.pageEvents.set(event, [...(this.pageEvents.get(event) ?? []), listener]);
  }
  emit(event: string): void {
    for (const f of this.pageEvents.get(event) ?? []) f();
  }
  destroy(): void {
    this.destroyed = true;
    for (const f of this.onDestroyed) f();
  }
  closedReasons(session: string): string[] {
    return this.pushes.filter((p) => p.channel === CONSOLE_IPC.closed && p.session === session).map((p) => p.payload as string);
  }
}

/** One console of one window, driven like the renderer's channel does. */
class IpcConsole {
  session = '';
  private taken = 0;
  private buffer = Buffer.alloc(0);
  constructor(readonly ipc: ReturnType<typeof fakeIpcMain>, readonly window: FakeWindow, readonly url = APP) {}

  call(channel: string, params: unknown): Promise<ApiResult<unknown>> {
    return this.ipc.handlers.get(channel)!({ sender: this.window, senderFrame: { url: this.url } }, params) as Promise<ApiResult<unknown>>;
  }
  async open(vmId: string): Promise<ApiResult<unknown>> {
    const r = await this.call(CONSOLE_IPC.open, { vmId });
    if (r.ok) this.session = (r.data as { session: string }).session;
    return r;
  }
  send(bytes: number[] | Buffer): Promise<ApiResult<unknown>> {
    return this.call(CONSOLE_IPC.send, { session: this.session, data: new Uint8Array(bytes) });
  }
  /** The bytes pushed to this session so far (not yet read). */
  private drain(): void {
    const mine = this.window.pushes.filter((p) => p.channel === CONSOLE_IPC.data && p.session === this.session);
    const fresh = mine.slice(this.taken);
    this.taken = mine.length;
    if (fresh.length) this.buffer = Buffer.concat([this.buffer, ...fresh.map((p) => Buffer.from(p.payload as Uint8Array))]);
  }
  get pending(): number {
    this.drain();
    return this.buffer.length;
  }
  /** Reads n bytes and acks them, as the renderer's channel does once noVNC has them. */
  async read(n: number, timeout = 20_000): Promise<Buffer> {
    await expect.poll(() => this.pending, { timeout }).toBeGreaterThanOrEqual(n);
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    expect(await this.call(CONSOLE_IPC.ack, { session: this.session, bytes: n })).toEqual({ ok: true, data: null });
    return out;
  }
  /** Version, security None, ClientInit (shared); returns the ServerInit's size and name. */
  async handshake(): Promise<{ width: number; height: number; name: string }> {
    expect((await this.read(12)).toString()).toBe('RFB 003.008\n');
    await this.send(Buffer.from('RFB 003.008\n'));
    expect([...(await this.read(2))]).toEqual([1, 1]);
    await this.send([1]);
    expect((await this.read(4)).readUInt32BE(0)).toBe(0);
    await this.send([1]);
    const init = await this.read(24);
    const name = (await this.read(init.readUInt32BE(20))).toString();
    return { width: init.readUInt16BE(0), height: init.readUInt16BE(2), name };
  }
  /** Asks for the whole screen in Raw and decodes it (server format: 32-bit 0x00RRGGBB). */
  async fullFrame(width: number, height: number): Promise<Uint32Array> {
    await this.send([2, 0, 0, 1, 0, 0, 0, 0]); // SetEncodings: Raw only
    await this.send([3, 0, 0, 0, 0, 0, width >> 8, width & 0xff, height >> 8, height & 0xff]);
    const pixels = new Uint32Array(width * height);
    const head = await this.read(4);
    expect(head[0]).toBe(0); // FramebufferUpdate
    for (let r = head.readUInt16BE(2); r > 0; r--) {
      const rect = await this.read(12);
      const [x, y, w, h] = [rect.readUInt16BE(0), rect.readUInt16BE(2), rect.readUInt16BE(4), rect.readUInt16BE(6)];
      expect(rect.readInt32BE(8)).toBe(0);
      const data = await this.read(w * h * 4);
      for (let row = 0; row < h; row++) for (let col = 0; col < w; col++) pixels[(y + row) * width + x + col] = data.readUInt32LE((row * w + col) * 4) & 0xffffff;
    }
    return pixels;
  }

  /** Reads one FramebufferUpdate of Raw and DesktopSize rectangles into `screen`, resizing it. */
  async readUpdate(screen: { width: number; height: number; pixels: Uint32Array }): Promise<number[]> {
    const head = await this.read(4);
    expect(head[0]).toBe(0); // FramebufferUpdate
    const encodings: number[] = [];
    for (let r = head.readUInt16BE(2); r > 0; r--) {
      const rect = await this.read(12);
      const [x, y, w, h, encoding] = [rect.readUInt16BE(0), rect.readUInt16BE(2), rect.readUInt16BE(4), rect.readUInt16BE(6), rect.readInt32BE(8)];
      encodings.push(encoding);
      if (encoding === -223) {
        Object.assign(screen, { width: w, height: h, pixels: new Uint32Array(w * h) });
        continue;
      }
      expect(encoding).toBe(0);
      const data = await this.read(w * h * 4);
      for (let row = 0; row < h; row++) for (let col = 0; col < w; col++) screen.pixels[(y + row) * screen.width + x + col] = data.readUInt32LE((row * w + col) * 4) & 0xffffff;
    }
    return encodings;
  }
}

describe('RFB over Electron IPC', () => {
  const display = patternDisplay(160, 100, { name: 'vm-1 screen' });
  const other = patternDisplay(64, 48, { name: 'vm-2 screen' });
  const gone = new Emitter<string>();
  const displays = { displayOf: (id: string) => (id === 'vm-1' ? display : id === 'vm-2' ? other : undefined), onDisplayGone: gone.event };
  const ipc = fakeIpcMain();
  const attached = attachConsoleIpc(ipc, displays, (url) => url === APP);

  it('registers its channels, and removes them when disposed', () => {
    const probe = fakeIpcMain();
    const sub = attachConsoleIpc(probe, displays, () => true);
    expect([...probe.handlers.keys()].sort()).toEqual([CONSOLE_IPC.ack, CONSOLE_IPC.close, CONSOLE_IPC.open, CONSOLE_IPC.send, CONSOLE_IPC.start].sort());
    sub.dispose();
    expect(probe.handlers.size).toBe(0);
  });

  it('speaks RFB to the window that opened the session, the synthetic screen\'s pixels and all', async () => {
    const c = new IpcConsole(ipc, new FakeWindow());
    expect(await c.open('vm-1')).toMatchObject({ ok: true });
    expect(c.session).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(c.pending).toBe(0); // nothing until started: the window knows its session id first
    expect(await c.call(CONSOLE_IPC.start, { session: c.session })).toEqual({ ok: true, data: null });
    expect(await c.handshake()).toEqual({ width: 160, height: 100, name: 'vm-1 screen' });
    const px = await c.fullFrame(160, 100);
    for (const [x, y] of [[0, 0], [5, 5], [80, 40], [159, 99]] as const) expect(px[y * 160 + x]).toBe(display.frame.pixels[y * 160 + x]! & 0xffffff);
    // Keys typed in the window reach the VM's input.
    await c.send([4, 1, 0, 0, 0, 0, 0, 0x61]);
    expect(display.input.keys).toContainEqual({ keysym: 0x61, down: true });
    expect(await c.call(CONSOLE_IPC.close, { session: c.session })).toEqual({ ok: true, data: null });
    expect(c.window.closedReasons(c.session)).toEqual(['closed by the window']);
    expect(display.input.keys.at(-1)).toEqual({ keysym: 0x61, down: false }); // held keys go up
  });

  it('refuses frames outside the app, other windows\' sessions, guessed sessions and bad calls', async () => {
    const evil = new IpcConsole(ipc, new FakeWindow(), 'https://evil.example/');
    expect(await evil.open('vm-1')).toEqual({ ok: false, error: { code: 'forbidden', message: 'console: vmdesk-console:open refused for a frame outside the app (https://evil.example/)' } });

    const a = new IpcConsole(ipc, new FakeWindow());
    await a.open('vm-1');
    const b = new IpcConsole(ipc, new FakeWindow());
    b.session = a.session; // window B presents window A's session
    const refused = { ok: false, error: { code: 'forbidden', message: 'console: vmdesk-console:start refused: no such console session for this window' } };
    expect(await b.call(CONSOLE_IPC.start, { session: a.session })).toEqual(refused);
    expect(await b.call(CONSOLE_IPC.start, { session: 'AAAAAAAAAAAAAAAAAAAAAAAA' })).toEqual(refused);
    expect((await b.send([1, 2, 3])).ok).toBe(false);
    expect(await evil.call(CONSOLE_IPC.start, { session: a.session })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(a.pending).toBe(0);

    expect(await a.open('vm-9')).toEqual({ ok: false, error: { code: 'not-found', message: 'console: vm-9 has no screen (is it powered on?)' } });
    expect(await a.call(CONSOLE_IPC.open, null)).toEqual({ ok: false, error: { code: 'bad-request', message: 'console: vmdesk-console:open needs an object of parameters' } });
    expect(await a.call(CONSOLE_IPC.open, { vmId: 7 })).toEqual({ ok: false, error: { code: 'bad-request', message: 'console: open needs vmId, a VM id' } });
    await a.open('vm-1');
    expect(await a.send([1])).toEqual({ ok: false, error: { code: 'bad-request', message: 'console: the session is not started' } });
    await a.call(CONSOLE_IPC.start, { session: a.session });
    expect(await a.call(CONSOLE_IPC.send, { session: a.session, data: 'RFB' })).toEqual({ ok: false, error: { code: 'bad-request', message: 'console: send needs data, a Uint8Array' } });
    expect(await a.call(CONSOLE_IPC.ack, { session: a.session, bytes: 13 })).toEqual({ ok: false, error: { code: 'bad-request', message: 'console: ack needs bytes, a count of pushed bytes not yet acked' } });
    // One window holds at most MAX_SESSIONS_PER_WINDOW consoles at once.
    const greedy = new IpcConsole(ipc, new FakeWindow());
    for (let i = 0; i < MAX_SESSIONS_PER_WINDOW; i++) expect((await greedy.open('vm-2')).ok).toBe(true);
    expect(await greedy.open('vm-2')).toEqual({ ok: false, error: { code: 'forbidden', message: `console: this window already has ${MAX_SESSIONS_PER_WINDOW} consoles open; close one first` } });
    greedy.window.destroy();
    // A client that speaks garbage loses its session, with a reason.
    await a.read(12);
    await a.send(Buffer.from('HELLO WORLD\n'));
    expect(a.window.closedReasons(a.session)).toEqual(['the console closed the connection']);
    expect(await a.send([1])).toEqual({ ok: false, error: { code: 'not-found', message: 'the console closed the connection' } });
  });

  it('holds updates while the window has not taken what was pushed', async () => {
    const c = new IpcConsole(ipc, new FakeWindow());
    await c.open('vm-1');
    await c.call(CONSOLE_IPC.start, { session: c.session });
    await c.handshake();
    await c.send([2, 0, 0, 1, 0, 0, 0, 0]);
    // Many full-screen requests, never acked: after about HIGH_WATER (512 KiB) of updates
    // (64 KiB each) no more come, and acking lets them flow again.
    for (let i = 0; i < 20; i++) {
      display.frame.markAllDirty();
      await c.send([3, 0, 0, 0, 0, 0, 0, 160, 0, 100]);
      await new Promise((r) => setTimeout(r, 40));
    }
    const held = c.pending;
    expect(held).toBeGreaterThan(512 * 1024);
    expect(held).toBeLessThan(16 * 64_016);
    await c.read(held);
    display.frame.markAllDirty();
    await c.send([3, 0, 0, 0, 0, 0, 0, 160, 0, 100]);
    await expect.poll(() => c.pending).toBeGreaterThan(0);
    await c.call(CONSOLE_IPC.close, { session: c.session });
  });

  it('ends a window\'s sessions when it closes, and a VM\'s when it powers off', async () => {
    const w = new FakeWindow();
    const one = new IpcConsole(ipc, w);
    await one.open('vm-1');
    await one.call(CONSOLE_IPC.start, { session: one.session });
    const two = new IpcConsole(ipc, w);
    await two.open('vm-2');
    await two.call(CONSOLE_IPC.start, { session: two.session });
    const elsewhere = new IpcConsole(ipc, new FakeWindow());
    await elsewhere.open('vm-1');
    await elsewhere.call(CONSOLE_IPC.start, { session: elsewhere.session });

    const reloading = new IpcConsole(ipc, new FakeWindow());
    await reloading.open('vm-1');
    await reloading.call(CONSOLE_IPC.start, { session: reloading.session });
    reloading.window.emit('did-navigate'); // the page reloaded: its old sessions are gone
    expect(reloading.window.closedReasons(reloading.session)).toEqual(['the page was reloaded']);
    // A call that crossed the end answers with its reason (the reply may overtake the push).
    expect(await reloading.send([1])).toEqual({ ok: false, error: { code: 'not-found', message: 'the page was reloaded' } });

    gone.fire('vm-2');
    expect(two.window.closedReasons(two.session)).toEqual(['the VM powered off']);
    expect(await two.send([1])).toEqual({ ok: false, error: { code: 'not-found', message: 'the VM powered off' } });
    expect(await elsewhere.call(CONSOLE_IPC.send, { session: two.session, data: new Uint8Array([1]) })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(one.window.closedReasons(one.session)).toEqual([]);
    w.destroy();
    expect(await one.send([1])).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(elsewhere.window.closedReasons(elsewhere.session)).toEqual([]);
    attached.dispose();
    expect(elsewhere.window.closedReasons(elsewhere.session)).toEqual(['the host is stopping']);
    expect(ipc.handlers.size).toBe(0);
  });
});

describe('RFB over Electron IPC to a VM booted through SeaBIOS', { timeout: 300_000 }, () => {
  let dir: string;
  let runtime: WorkerVmRuntime;
  let host: HostAgent;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-ipcvnc-'));
    runtime = new WorkerVmRuntime({ hostId: 'esx-ipc', leaseMs: 2000 });
    host = new HostAgent({ version: '0', name: 'esx-ipc', statsIntervalMs: 60_000, datastores: [{ name: 'ds1', path: dir }], databaseFile: path.join(dir, 'host.sqlite'), runtime });
  });

  afterAll(async () => {
    await host?.vms.powerOffAll();
    host?.dispose();
    runtime?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the VM\'s text screen (SeaBIOS) to the window, and ends when the VM powers off', async () => {
    const ipc = fakeIpcMain();
    const sub = attachConsoleIpc(ipc, { displayOf: (id) => host.vms.displayOf(id), onDisplayGone: host.vms.onDisplayGone }, (url) => url === APP);
    // A blank disk: SeaBIOS prints its banner and that the disk is not bootable.
    const vm = await host.vms.create({ name: 'bios01', datastore: 'ds1', memoryMB: 16, disk: { sizeGB: 0.01 }, boot: 'disk' });
    await host.vms.powerOn(vm.id);
    // The VGA in text mode (80×25 cells of 9×16) once SeaBIOS has written its text.
    await expect.poll(() => {
      const f = host.vms.displayOf(vm.id)?.frame;
      return f && f.width === 720 && f.height === 400 && f.pixels.subarray(0, 720 * 400).some((p) => (p & 0xffffff) !== 0);
    }, { timeout: 120_000, interval: 200 }).toBe(true);
    await new Promise((r) => setTimeout(r, 1000)); // a few more lines of text
    const c = new IpcConsole(ipc, new FakeWindow());
    expect(await c.open(vm.id)).toMatchObject({ ok: true });
    await c.call(CONSOLE_IPC.start, { session: c.session });
    const init = await c.handshake();
    expect([init.width, init.height]).toEqual([720, 400]);
    const px = await c.fullFrame(720, 400);
    const lit = px.filter((p) => p !== 0).length;
    const colours = new Set(px).size;
    expect(lit).toBeGreaterThan(500);
    expect(colours).toBeGreaterThan(1);
    await host.vms.powerOff(vm.id);
    await expect.poll(() => c.window.closedReasons(c.session)).toEqual(['the VM powered off']);
    sub.dispose();
  });

  it('a window that opens its console as the VM powers on follows the VGA from no picture to the text screen', async () => {
    const ipc = fakeIpcMain();
    const sub = attachConsoleIpc(ipc, { displayOf: (id) => host.vms.displayOf(id), onDisplayGone: host.vms.onDisplayGone }, (url) => url === APP);
    const vm = await host.vms.create({ name: 'bios02', datastore: 'ds1', memoryMB: 16, disk: { sizeGB: 0.01 }, boot: 'disk' });
    await host.vms.powerOn(vm.id);
    const c = new IpcConsole(ipc, new FakeWindow());
    expect(await c.open(vm.id)).toMatchObject({ ok: true });
    await c.call(CONSOLE_IPC.start, { session: c.session });
    const init = await c.handshake(); // whatever the VGA has set up so far, most likely nothing
    const screen = { width: init.width, height: init.height, pixels: new Uint32Array(init.width * init.height) };
    await c.send([2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21]); // SetEncodings: Raw, DesktopSize
    await c.send([3, 0, 0, 0, 0, 0, screen.width >> 8, screen.width & 0xff, screen.height >> 8, screen.height & 0xff]);
    // After each update an incremental request for the whole screen, as noVNC does; but
    // none after a DesktopSize: the new screen comes for the request it went ahead of.
    const text = (): boolean => screen.width === 720 && screen.height === 400 && screen.pixels.filter((p) => p !== 0).length > 500;
    const seen: number[][] = [];
    while (!text()) {
      const encodings = await c.readUpdate(screen);
      seen.push(encodings);
      if (!encodings.includes(-223)) await c.send([3, 1, 0, 0, 0, 0, screen.width >> 8, screen.width & 0xff, screen.height >> 8, screen.height & 0xff]);
    }
    expect(seen.flat()).toContain(-223);
    await host.vms.powerOff(vm.id);
    sub.dispose();
  });
});
