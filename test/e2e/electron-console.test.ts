// End to end: the graphical console window as Electron shows it — the built renderer in
// Debian's Chromium with a `window.vmdesk` bridge shaped like electron/preload.ts, whose
// calls and pushes Playwright carries to the real core behind an ipcMain stand-in (the API
// over attachIpcTransport, the consoles over attachConsoleIpc). Electron cannot run here
// (STACK.md pitfall 2); the page, noVNC, IpcRfbChannel and the RFB server are the real ones.
// Checked: noVNC draws the screen with no WebSocket at all, keys reach the VM, a VM without
// a screen is refused with the host's reason, and closing the window or powering the VM
// off ends the session. Artifacts: test-results/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { API_METHODS, CONSOLE_IPC, IPC_EVENT_CHANNEL, base64ToBytes, bridgeName, bytesToBase64, ipcChannel } from '../../core/api';
import { Emitter } from '../../core/common';
import { attachConsoleIpc, attachIpcTransport, createHandlers, hubFor, startWebServer, type ConsoleWindow, type RunningWebServer } from '../../core/server';
import { HostAgent } from '../../core/vmkernel';
import { patternAt, patternDisplay } from '../server/rfb/test-pattern';
import { launchChromium } from '../support/chromium';
import { REPO } from '../support/vmdesk-process';

const artifacts = path.join(REPO, 'test-results');
const W = 640;
const H = 400;
const display = patternDisplay(W, H, { name: 'pattern' });
const gone = new Emitter<string>();
type Handler = (event: { sender: ConsoleWindow; senderFrame: { url: string } | null }, params: unknown) => Promise<unknown>;
const handlers = new Map<string, Handler>();
const ipcMain = { handle: (c: string, h: Handler) => void handlers.set(c, h), removeHandler: (c: string) => void handlers.delete(c) };
let dir: string;
let host: HostAgent;
let server: RunningWebServer;
let browser: Browser;
let nextId = 1;

beforeAll(async () => {
  const rendererDir = path.join(REPO, 'dist', 'renderer');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw new Error('e2e: the web UI is not built; run `npm run build` first (npm test does)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-ipc-e2e-'));
  host = new HostAgent({ version: '9.9.9', name: 'esx-ipc', datastores: [{ name: 'ds', path: dir }] });
  // The web server only serves the files here: it has no console WebSocket (no displays).
  server = await startWebServer({ host: '127.0.0.1', port: 0, rendererDir, handlers: createHandlers(host), events: host.onEvent });
  const trusted = (url: string): boolean => url.startsWith(server.url);
  attachIpcTransport(ipcMain, createHandlers(host), trusted);
  attachConsoleIpc(ipcMain, { displayOf: (id) => (id === 'vm-1' ? display : undefined), onDisplayGone: gone.event }, trusted);
  browser = await launchChromium();
  fs.mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  host?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A page with the preload's bridge: invokes go to the handlers, pushes come back in order. */
async function electronPage(): Promise<{ page: Page; sockets: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  const sockets: string[] = [];
  const errors: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  let queue = Promise.resolve();
  let destroyed = false;
  const destroyedListeners: (() => void)[] = [];
  page.on('close', () => {
    destroyed = true;
    for (const f of destroyedListeners) f();
  });
  const window: ConsoleWindow = {
    id: nextId++,
    isDestroyed: () => destroyed,
    once: (_e, f) => destroyedListeners.push(f),
    send: (channel, ...args) => {
      const wire = args.map((a) => (a instanceof Uint8Array ? { b64: bytesToBase64(a) } : a));
      queue = queue.then(() => page.evaluate(([c, w]) => (globalThis as unknown as { __vmdeskPush(c: string, a: unknown[]): void }).__vmdeskPush(c, w), [channel, wire] as const).catch(() => undefined));
    },
  };
  await page.exposeBinding('__vmdeskInvoke', async (source, channel: string, params: Record<string, unknown>) => {
    if (params && typeof params.b64 === 'string') params = { ...params, data: base64ToBytes(params.b64) };
    return handlers.get(channel)!({ sender: window, senderFrame: { url: source.frame.url() } }, params);
  });
  await page.addInitScript(
    ([methods, C, eventChannel]) => {
      type Invoke = (channel: string, params: unknown) => Promise<unknown>;
      const g = globalThis as unknown as { __vmdeskInvoke: Invoke; __vmdeskPush(c: string, a: unknown[]): void; vmdesk: Record<string, unknown> };
      const invoke: Invoke = (c, p) => g.__vmdeskInvoke(c, p);
      const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
      const on = (c: string, f: (...a: unknown[]) => void): (() => void) => {
        if (!listeners.has(c)) listeners.set(c, new Set());
        listeners.get(c)!.add(f);
        return () => listeners.get(c)!.delete(f);
      };
      const bytes = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      g.__vmdeskPush = (c, args) => {
        const real = args.map((a) => (a && typeof a === 'object' && 'b64' in a ? bytes((a as { b64: string }).b64) : a));
        for (const f of listeners.get(c) ?? []) f(...real);
      };
      const bridge: Record<string, unknown> = {};
      for (const [name, channel] of methods) bridge[name] = (params: unknown) => invoke(channel, params ?? {});
      bridge.onEvent = (l: (m: unknown) => void) => on(eventChannel, l);
      bridge.consoleOpen = (vmId: string) => invoke(C.open, { vmId });
      bridge.consoleStart = (session: string) => invoke(C.start, { session });
      bridge.consoleSend = (session: string, data: Uint8Array) => {
        let text = '';
        for (const b of data) text += String.fromCharCode(b);
        return invoke(C.send, { session, b64: btoa(text) });
      };
      bridge.consoleAck = (session: string, n: number) => invoke(C.ack, { session, bytes: n });
      bridge.consoleClose = (session: string) => invoke(C.close, { session });
      bridge.onConsole = (l: (p: unknown) => void) => {
        const a = on(C.data, (session, data) => l({ kind: 'data', session, data }));
        const b = on(C.closed, (session, reason) => l({ kind: 'closed', session, reason }));
        return () => (a(), b());
      };
      g.vmdesk = Object.freeze(bridge);
    },
    [API_METHODS.map((m) => [bridgeName(m), ipcChannel(m)] as const), CONSOLE_IPC, IPC_EVENT_CHANNEL] as const,
  );
  return { page, sockets, errors };
}

type CanvasLike = { width: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };

function canvasPixel(page: Page, x: number, y: number): Promise<number> {
  return page
    .$eval('[data-field="screen"] canvas', (el, [px, py]) => {
      const canvas = el as unknown as CanvasLike;
      if (canvas.width === 0) return -1;
      const [r, g, b] = canvas.getContext('2d').getImageData(px!, py!, 1, 1).data;
      return (r! << 16) | (g! << 8) | b!;
    }, [x, y])
    .catch(() => -1);
}

const status = (page: Page): Promise<string | null> => page.locator('.screen-window').getAttribute('data-status');

describe('graphical console in the Electron app (RFB over IPC)', () => {
  it('shows the VM screen through noVNC without any WebSocket, and types into the VM', async () => {
    const { page, sockets, errors } = await electronPage();
    await page.goto(server.url + '#/vm/vm-1/screen');
    await expect.poll(() => status(page), { timeout: 20_000 }).toBe('connected');
    for (const [x, y] of [[5, 5], [W / 2, 20], [W - 30, 30], [100, 150], [400, 250], [0, 0], [W - 1, H - 1]] as const) {
      await expect.poll(() => canvasPixel(page, x, y), { timeout: 10_000 }).toBe(patternAt(x, y, W, H));
    }
    expect(hubFor(display).clients()).toMatchObject([{ encoding: 'zrle', peer: expect.stringMatching(/^vm-1 ipc window \d+$/) }]);
    await page.screenshot({ path: path.join(artifacts, 'electron-console-pattern.png') });

    // The guest draws: the change reaches the canvas (updates keep flowing: acks work).
    for (let y = 200; y < 232; y++) display.frame.pixels.fill(0x00ff00, y * W + 300, y * W + 340);
    display.frame.markDirty(300, 200, 40, 32);
    await expect.poll(() => canvasPixel(page, 310, 210), { timeout: 10_000 }).toBe(0x00ff00);

    display.input.scancodes.length = 0;
    await page.locator('[data-field="screen"] canvas').click({ position: { x: 50, y: 50 } });
    await page.keyboard.press('a');
    await expect.poll(() => display.input.scancodes.filter((k) => k.down).map((k) => k.keysym)).toEqual([0x61]);
    expect(sockets).toEqual([]);
    expect(errors).toEqual([]);

    // Closing the window ends its console.
    await page.close();
    await expect.poll(() => hubFor(display).clientCount).toBe(0);
  });

  it('shows the host\'s reason for a VM without a screen, and the end when the VM powers off', async () => {
    const { page, errors } = await electronPage();
    await page.goto(server.url + '#/vm/vm-9/screen');
    await expect.poll(() => page.locator('[role="status"]').textContent(), { timeout: 20_000 }).toBe('Console: vm-9 has no screen (is it powered on?)');
    expect(await status(page)).toBe('disconnected');

    await page.goto(server.url + '#/vm/vm-1/screen');
    await page.reload();
    await expect.poll(() => status(page), { timeout: 20_000 }).toBe('connected');
    gone.fire('vm-1');
    await expect.poll(() => status(page)).toBe('disconnected');
    expect(await page.locator('[role="status"]').textContent()).toBe('The VM powered off');
    await expect.poll(() => hubFor(display).clientCount).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
