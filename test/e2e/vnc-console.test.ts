// End to end: the graphical console window (#/vm/<id>/screen) in Debian's Chromium, noVNC
// talking to the host's /vm/<id>/vnc WebSocket on the real web server, with a synthetic
// screen standing in for the VGA. noVNC decodes ZRLE and shows the test pattern (canvas
// pixels compared), follows a change, types keys and Ctrl-Alt-Del into the VM's input,
// keeps the scaling choice per VM, and saves a PNG screenshot. Artifacts: test-results/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createHandlers, hubFor, startWebServer, type RunningWebServer } from '../../core/server';
import { HostAgent } from '../../core/vmkernel';
import { decodePng, rgbAt } from '../server/rfb/png';
import { patternAt, patternDisplay } from '../server/rfb/test-pattern';
import { launchChromium } from '../support/chromium';
import { REPO } from '../support/vmdesk-process';

const artifacts = path.join(REPO, 'test-results');
const W = 640;
const H = 400;
const display = patternDisplay(W, H, { name: 'pattern' });
let dir: string;
let host: HostAgent;
let server: RunningWebServer;
let browser: Browser;

beforeAll(async () => {
  const rendererDir = path.join(REPO, 'dist', 'renderer');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw new Error('e2e: the web UI is not built; run `npm run build` first (npm test does)');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-vnc-e2e-'));
  host = new HostAgent({ version: '9.9.9', name: 'esx-vnc', datastores: [{ name: 'ds', path: dir }] });
  server = await startWebServer({
    host: '127.0.0.1', port: 0, rendererDir, handlers: createHandlers(host), events: host.onEvent,
    displays: { displayOf: (id) => (id === 'vm-1' ? display : undefined) },
  });
  browser = await launchChromium();
  fs.mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  host?.dispose();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The noVNC canvas pixel at frame coordinates (the canvas holds the frame 1:1). */
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

async function openScreen(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors?: string[] }).errors = errors;
  await page.goto(server.url + '#/vm/vm-1/screen');
  await expect.poll(() => page.locator('.screen-window').getAttribute('data-status'), { timeout: 20_000 }).toBe('connected');
  return page;
}

describe('graphical console with noVNC', () => {
  it('shows the VM screen decoded from ZRLE, and follows changes', async () => {
    const page = await openScreen();
    for (const [x, y] of [[5, 5], [W / 2, 20], [W - 30, 30], [100, 150], [400, 250], [321, 333], [0, 0], [W - 1, H - 1]] as const) {
      await expect.poll(() => canvasPixel(page, x, y), { timeout: 10_000 }).toBe(patternAt(x, y, W, H));
    }
    expect(hubFor(display).clients().map((c) => c.encoding)).toEqual(['zrle']);
    await page.screenshot({ path: path.join(artifacts, 'vnc-console-pattern.png') });

    // The guest draws: a red block appears in the canvas.
    const px = display.frame.pixels;
    for (let y = 200; y < 232; y++) px.fill(0xff0000, y * W + 300, y * W + 340);
    display.frame.markDirty(300, 200, 40, 32);
    await expect.poll(() => canvasPixel(page, 310, 210), { timeout: 10_000 }).toBe(0xff0000);

    // The guest scrolls by 16 rows and redraws everything: noVNC applies our CopyRect.
    px.copyWithin(0, 16 * W);
    px.fill(0x0000ff, (H - 16) * W);
    display.frame.markAllDirty();
    await expect.poll(() => canvasPixel(page, 310, 194), { timeout: 10_000 }).toBe(0xff0000);
    for (const [x, y] of [[5, 5], [W / 2, 20], [100, 150], [400, 250], [321, 333], [10, H - 2]] as const) {
      expect(await canvasPixel(page, x, y)).toBe(px[y * W + x]! & 0xffffff);
    }
    expect(hubFor(display).clients()[0]!.copyRects).toBeGreaterThan(0);
    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.close();
  });

  it('types keys and sends Ctrl-Alt-Del to the VM', async () => {
    const page = await openScreen();
    // noVNC sends physical keys (QEMU extended key events: XT code and keysym), which the
    // server offered in its first update (keys typed before that go as plain keysyms).
    await expect.poll(() => canvasPixel(page, 100, 150), { timeout: 10_000 }).toBe(display.frame.pixels[150 * W + 100]! & 0xffffff);
    display.input.scancodes.length = 0;
    await page.locator('[data-field="screen"] canvas').click({ position: { x: 50, y: 50 } });
    await page.keyboard.press('a');
    await page.keyboard.press('Shift+B');
    await expect.poll(() => display.input.scancodes.filter((k) => k.down).map((k) => [k.xt, k.keysym])).toEqual([[0x1e, 0x61], [0x2a, 0xffe1], [0x30, 0x42]]);
    // Wait for every release of the typing above (Shift's comes last) before the next check.
    await expect.poll(() => display.input.scancodes.filter((k) => !k.down).length).toBe(3);
    display.input.scancodes.length = 0;
    await page.locator('[data-action="ctrl-alt-del"]').click();
    await expect.poll(() => display.input.scancodes.map((k) => `${k.xt.toString(16)}${k.down ? '↓' : '↑'}`)).toEqual(['1d↓', '38↓', 'd3↓', 'd3↑', '38↑', '1d↑']);
    expect(display.input.pointers.length).toBeGreaterThan(0); // the click moved the pointer
    await page.close();
  });

  it('keeps 1:1 or fit scaling per VM across reloads', async () => {
    const page = await openScreen();
    await page.locator('[data-action="scale-1to1"]').click();
    expect(await page.locator('[data-action="scale-1to1"]').getAttribute('aria-pressed')).toBe('true');
    await page.reload();
    await expect.poll(() => page.locator('.screen-window').getAttribute('data-status'), { timeout: 20_000 }).toBe('connected');
    expect(await page.locator('[data-action="scale-1to1"]').getAttribute('aria-pressed')).toBe('true');
    // 1:1: the canvas is shown at the frame's size; fit: it shrinks to the window.
    const oneToOne = await page.locator('[data-field="screen"] canvas').boundingBox();
    expect(Math.round(oneToOne!.width)).toBe(W);
    await page.locator('[data-action="scale-fit"]').click();
    await page.setViewportSize({ width: 500, height: 400 });
    await expect.poll(async () => (await page.locator('[data-field="screen"] canvas').boundingBox())!.width).toBeLessThan(W);
    await page.close();
  });

  it('saves a PNG screenshot of the screen, and links to the serial console', async () => {
    const page = await openScreen();
    const now = (x: number, y: number): number => display.frame.pixels[y * W + x]! & 0xffffff; // scrolled by the first test
    await expect.poll(() => canvasPixel(page, 100, 150), { timeout: 10_000 }).toBe(now(100, 150));
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="screenshot"]').click()]);
    expect(download.suggestedFilename()).toMatch(/^pattern-|^vm-1-\d{4}-/);
    const file = path.join(artifacts, 'vnc-console-screenshot.png');
    await download.saveAs(file);
    const img = decodePng(fs.readFileSync(file));
    expect([img.width, img.height]).toEqual([W, H]);
    expect(rgbAt(img, 100, 150)).toBe(now(100, 150));
    expect(rgbAt(img, W / 2, 20)).toBe(now(W / 2, 20));
    expect(rgbAt(img, 310, 194)).toBe(0xff0000);
    await page.locator('[data-action="serial-console"]').click();
    await expect.poll(() => page.url()).toMatch(/#\/vm\/vm-1\/console$/);
    await page.close();
  });
});
