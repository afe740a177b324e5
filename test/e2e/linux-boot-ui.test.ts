// The issue's end-to-end test of the product: Debian's Chromium against a real `vmdesk serve
// --require-login` (HTTPS with its self-signed certificate, the login page). Log in, create
// a VM with the New VM wizard booting Debian's i386 kernel and our busybox initramfs
// (.cache/guest, `npm run setup:guest`) with `console=ttyS0 cryptomgr.notests`, power it on,
// watch the kernel boot in the serial console window (@xterm/xterm), type `uname -a` at the
// shell prompt and see the kernel's answer, power it off. One Linux boot for the whole file
// (minutes at today's interpreter speed). Screenshots go to test-results/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { REPO, startServe, type VmdeskProcess } from '../support/vmdesk-process';
import { GUEST_FETCH_TIMEOUT, guestImages } from '../vmm/guest-images';

const BOOT_TIMEOUT_MS = 20 * 60_000;
const artifacts = path.join(REPO, 'test-results');
const PASSWORD = 'vmdesk-linux-e2e';
let vmdesk: VmdeskProcess;
let browser: Browser;
let context: BrowserContext;
let home: string;
let dsDir: string;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });
/** The rows xterm shows now, as text (its DOM renderer draws only the viewport). */
const screenText = (page: Page) => page.locator('.terminal .xterm-rows').innerText().catch(() => '');

beforeAll(async () => {
  if (!fs.existsSync(path.join(REPO, 'dist', 'renderer', 'index.html'))) {
    throw new Error('e2e: the web UI is not built; run `npm run build` first (npm test does)');
  }
  guestImages();
  fs.mkdirSync(artifacts, { recursive: true });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-e2e-linux-'));
  dsDir = path.join(home, 'lab');
  fs.mkdirSync(dsDir);
  const add = spawnSync(process.execPath, [path.join(REPO, 'bin', 'vmdesk.mjs'), 'user', 'add', 'admin', '--password-stdin'], {
    input: `${PASSWORD}\n`,
    env: { ...process.env, VMDESK_HOME: home },
    encoding: 'utf8',
  });
  expect(add.status, add.stderr).toBe(0);
  vmdesk = await startServe(['--require-login', '--datastore', `lab=${dsDir}`], { VMDESK_HOME: home });
  expect(vmdesk.url).toMatch(/^https:/);
  browser = await launchChromium();
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
}, GUEST_FETCH_TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await vmdesk?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

describe('Debian in the web UI', () => {
  it(
    'logs in, creates the VM in the wizard, watches Linux boot in the console window, runs uname -a, powers off',
    async () => {
      const images = guestImages();
      const { prompt, kernelVersion } = images.manifest;
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));

      await page.goto(vmdesk.url);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.fill('input[name="user"]', 'admin');
      await page.fill('input[name="password"]', PASSWORD);
      await page.click('button[type="submit"]');
      await expect.poll(() => page.locator('[data-datastore="lab"]').count()).toBe(1);

      await page.click('[data-action="new-vm"]');
      await page.fill('input[name="vm-name"]', 'debian01');
      await page.selectOption('select[name="vm-datastore"]', 'lab');
      await page.selectOption('select[name="vm-guest-os"]', 'debian12');
      await page.click('[data-action="next"]');
      await page.fill('input[name="vm-memory"]', '256');
      await page.click('[data-action="next"]');
      await page.uncheck('input[name="vm-with-disk"]');
      await page.click('[data-action="next"]');
      await page.check('input[name="vm-boot"][value="kernel"]');
      await page.fill('input[name="vm-kernel"]', images.kernel);
      await page.fill('input[name="vm-initrd"]', images.initrd);
      await page.fill('input[name="vm-append"]', 'console=ttyS0 cryptomgr.notests');
      await page.click('[data-action="next"]');
      await shot(page, 'linux-ui-1-wizard-ready');
      await page.click('[data-action="finish"]');
      await expect.poll(() => page.locator('[data-vm="debian01"]').count()).toBe(1);
      const vmx = fs.readFileSync(path.join(dsDir, 'debian01', 'debian01.vmx'), 'utf8');
      expect(vmx).toContain('vmdesk.append = "console=ttyS0 cryptomgr.notests"');

      await page.click('[data-vm="debian01"] button');
      await page.click('[data-action="power-on"]');
      await expect.poll(() => page.locator('[data-vm="debian01"]').getAttribute('data-power-state'), { timeout: 60_000 }).toBe('poweredOn');

      const [popup] = await Promise.all([context.waitForEvent('page'), page.click('[data-action="launch-console"]')]);
      await popup.waitForLoadState();
      popup.on('pageerror', (e) => errors.push(e.message));
      await expect.poll(() => popup.locator('.terminal .xterm').count()).toBe(1);

      // Watch the boot: every line the window showed on the way to the shell prompt.
      const seen = new Set<string>();
      let shots = 0;
      const deadline = Date.now() + BOOT_TIMEOUT_MS - 3 * 60_000;
      for (;;) {
        const text = await screenText(popup);
        for (const line of text.split('\n')) if (line.trim()) seen.add(line.trim());
        if (shots === 0 && /Linux version|\[\s*\d+\.\d{6}\]/.test(text)) {
          await shot(popup, 'linux-ui-2-kernel-booting');
          shots++;
        }
        if (text.includes(prompt.trim())) break;
        if (Date.now() > deadline) throw new Error(`the console window never showed the prompt; it shows:\n${text}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const kernelLines = [...seen].filter((l) => /Linux version|\[\s*\d+\.\d{6}\]|Run \/init as init process|Freeing unused kernel/.test(l));
      expect(kernelLines.length, `lines seen:\n${[...seen].join('\n')}`).toBeGreaterThan(0);
      await shot(popup, 'linux-ui-3-shell-prompt');

      await popup.click('.terminal');
      await popup.keyboard.type('uname -a');
      await popup.keyboard.press('Enter');
      // The answer after the prompt; a long line wraps at the window's width, so join the rows.
      const answer = new RegExp(`Linux \\S+ ${kernelVersion.replace(/\./g, '\\.')} #1 SMP.*i686`);
      await expect
        .poll(async () => {
          const rows = (await screenText(popup)).split('\n');
          const at = rows.findLastIndex((r) => r.includes('uname -a'));
          return at >= 0 && answer.test(rows.slice(at + 1).join(''));
        }, { timeout: 180_000, interval: 500 })
        .toBe(true);
      await shot(popup, 'linux-ui-4-uname');

      await popup.click('[data-action="power-off"]');
      await expect.poll(() => popup.locator('.off').textContent(), { timeout: 60_000 }).toContain('powered off');
      await expect.poll(() => page.locator('[data-vm="debian01"]').getAttribute('data-power-state')).toBe('poweredOff');
      await shot(popup, 'linux-ui-5-powered-off');
      expect(errors).toEqual([]);
    },
    BOOT_TIMEOUT_MS,
  );
});
