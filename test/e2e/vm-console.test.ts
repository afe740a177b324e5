// End to end with a VM that really runs: `vmdesk serve` in Debian's Chromium. Create a VM
// with the New VM wizard booting a kernel and initrd directly (the Multiboot test guest of
// test/cli/guests/hello-serial.asm, which greets on COM1 and echoes a line in upper case),
// power it on, watch its output in the console window (@xterm/xterm), type into it and see
// the answer, power it off. Screenshots go to test-results/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { assembleGuest } from '../support/test-guests';
import { REPO, startServe, type VmdeskProcess } from '../support/vmdesk-process';

const artifacts = path.join(REPO, 'test-results');
let vmdesk: VmdeskProcess;
let browser: Browser;
let home: string;
let dsDir: string;
let kernel: string;
let initrd: string;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });
/** The text xterm shows (its DOM rows). */
const screenText = (page: Page) => page.locator('.terminal .xterm-rows').innerText();

beforeAll(async () => {
  if (!fs.existsSync(path.join(REPO, 'dist', 'renderer', 'index.html'))) {
    throw new Error('e2e: the web UI is not built; run `npm run build` first (npm test does)');
  }
  fs.mkdirSync(artifacts, { recursive: true });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-e2e-console-'));
  dsDir = path.join(home, 'lab');
  fs.mkdirSync(dsDir);
  kernel = assembleGuest('hello-serial', home);
  initrd = path.join(home, 'initrd.img');
  fs.writeFileSync(initrd, 'a module the guest does not read\n');
  vmdesk = await startServe(['--datastore', `lab=${dsDir}`], { VMDESK_HOME: home });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await vmdesk?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('a running VM in the web UI', () => {
  it('creates a kernel-boot VM with the wizard, powers it on, talks to it in the console window, powers it off', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(vmdesk.url);
    await expect.poll(() => page.locator('[data-datastore="lab"]').count()).toBe(1);

    await page.click('[data-action="new-vm"]');
    await page.fill('input[name="vm-name"]', 'echo01');
    await page.selectOption('select[name="vm-datastore"]', 'lab');
    await page.click('[data-action="next"]');
    await page.fill('input[name="vm-memory"]', '32');
    await page.click('[data-action="next"]');
    await page.uncheck('input[name="vm-with-disk"]');
    await page.click('[data-action="next"]');
    await page.check('input[name="vm-boot"][value="kernel"]');
    await page.fill('input[name="vm-kernel"]', kernel);
    await page.fill('input[name="vm-initrd"]', initrd);
    await page.fill('input[name="vm-append"]', 'console=ttyS0');
    await page.click('[data-action="next"]');
    await shot(page, 'vm-console-1-wizard-ready');
    await page.click('[data-action="finish"]');
    await expect.poll(() => page.locator('[data-vm="echo01"]').count()).toBe(1);
    const vmx = fs.readFileSync(path.join(dsDir, 'echo01', 'echo01.vmx'), 'utf8');
    expect(vmx).toContain(`vmdesk.kernel = "${kernel}"`);
    expect(vmx).toContain(`vmdesk.initrd = "${initrd}"`);

    await page.click('[data-vm="echo01"] button');
    await page.click('[data-action="power-on"]');
    await expect.poll(() => page.locator('[data-vm="echo01"]').getAttribute('data-power-state'), { timeout: 60_000 }).toBe('poweredOn');
    await shot(page, 'vm-console-2-powered-on');

    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('[data-action="launch-console"]')]);
    await popup.waitForLoadState();
    await expect.poll(() => popup.locator('.terminal .xterm').count()).toBe(1);
    await expect.poll(() => screenText(popup), { timeout: 60_000 }).toContain('hello from the guest');
    await popup.click('.terminal');
    // No Enter: the guest echoes each key and would power off at the end of the line.
    await popup.keyboard.type('typed in xterm');
    await expect.poll(() => screenText(popup), { timeout: 60_000 }).toContain('TYPED IN XTERM');
    await shot(popup, 'vm-console-3-console-window');

    await popup.click('[data-action="power-off"]');
    await expect.poll(() => popup.locator('.off').textContent(), { timeout: 30_000 }).toContain('powered off');
    await expect.poll(() => page.locator('[data-vm="echo01"]').getAttribute('data-power-state')).toBe('poweredOff');
    await shot(popup, 'vm-console-4-powered-off');
    expect(errors).toEqual([]);
    await context.close();
  });
});
