// End to end: `vmdesk serve` on a free port, the built web UI in Debian's Chromium.
// The inventory shows the host and the datastore given on the command line; the host
// Summary shows this machine's CPU model and memory. A screenshot is kept as an artifact.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { formatBytes } from '../../renderer/src/format';
import { launchChromium } from '../support/chromium';
import { REPO, startServe, type VmdeskProcess } from '../support/vmdesk-process';

const artifacts = path.join(REPO, 'test-results');
let vmdesk: VmdeskProcess;
let browser: Browser;
let dsDir: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(REPO, 'dist', 'renderer', 'index.html'))) {
    throw new Error('e2e: the web UI is not built; run `npm run build` first (npm test does)');
  }
  dsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-e2e-ds-'));
  vmdesk = await startServe(['--datastore', `san01=${dsDir}`], { VMDESK_HOME: dsDir });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await vmdesk?.stop();
  fs.rmSync(dsDir, { recursive: true, force: true });
});

describe('web UI served by vmdesk serve', () => {
  it('shows the host and datastore in the tree, and CPU model and memory in the Summary', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(vmdesk.url);

    const hostName = os.hostname();
    await expect.poll(() => page.locator(`[data-host="${hostName}"]`).count()).toBe(1);
    await expect.poll(() => page.locator('[data-datastore="san01"]').textContent()).toContain('san01');
    await expect.poll(() => page.locator('[data-field="cpu-model"]').textContent()).toBe(os.cpus()[0]!.model.trim());
    const memory = await page.locator('[data-field="memory"]').textContent();
    expect(memory).toBe(formatBytes(os.totalmem()));
    await expect.poll(() => page.locator('[data-field="cpu-usage"]').textContent(), { timeout: 15_000 }).toMatch(/^\d+ %$/);

    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'serve-ui-host-summary.png') });

    await page.locator('[data-datastore="san01"] button').click();
    await expect.poll(() => page.locator('[data-field="capacity"]').textContent()).toMatch(/\d/);
    expect(errors).toEqual([]);
  });
});
