// End to end as an administrator works: `vmdesk serve --require-login` (HTTPS, login page)
// in Debian's Chromium. Log in, create a VM with the New VM wizard, find it in the tree and
// its .vmx (and its VMDK) on the datastore, edit its settings, power it on: SeaBIOS boots
// its (blank) disk and the graphical console window shows the BIOS's text screen (720×400)
// through noVNC; power it off, open its serial console window, browse the datastore, delete
// the VM. A second VM made in the wizard boots a CD image from the datastore (the boot-sector
// guest, which says so on COM1) and shows its screen too. Screenshots go to test-results/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createVmdk } from '../../core/storage';
import { assembleBootSector, bootIso, installBootSector } from '../support/boot-media';
import { launchChromium } from '../support/chromium';
import { screenCanvas } from '../support/screen-canvas';
import { REPO, startServe, type VmdeskProcess } from '../support/vmdesk-process';

const artifacts = path.join(REPO, 'test-results');
let vmdesk: VmdeskProcess;
let browser: Browser;
let context: BrowserContext;
let home: string;
let dsDir: string;

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });

beforeAll(async () => {
  if (!fs.existsSync(path.join(REPO, 'dist', 'renderer', 'index.html'))) {
    throw new Error('e2e: the web UI is not built; run `npm run build` first (npm test does)');
  }
  fs.mkdirSync(artifacts, { recursive: true });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-e2e-home-'));
  dsDir = path.join(home, 'san01');
  fs.mkdirSync(path.join(dsDir, 'iso'), { recursive: true });
  const bootSector = assembleBootSector(home);
  bootIso(path.join(dsDir, 'iso', 'boot.iso'), bootSector);
  fs.mkdirSync(path.join(dsDir, 'disks'));
  createVmdk(path.join(dsDir, 'disks', 'boot.vmdk'), { sizeBytes: 8 * 2 ** 20, subformat: 'monolithicSparse', adapterType: 'ide' });
  installBootSector(path.join(dsDir, 'disks', 'boot.vmdk'), bootSector);
  const add = spawnSync(process.execPath, [path.join(REPO, 'bin', 'vmdesk.mjs'), 'user', 'add', 'admin', '--password-stdin'], {
    input: 'vmdesk-e2e-secret\n',
    env: { ...process.env, VMDESK_HOME: home },
    encoding: 'utf8',
  });
  expect(add.status).toBe(0);
  vmdesk = await startServe(['--require-login', '--datastore', `san01=${dsDir}`], { VMDESK_HOME: home });
  browser = await launchChromium();
  // The host's certificate is self-signed (its fingerprint is printed by serve).
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
});

afterAll(async () => {
  await browser?.close();
  await vmdesk?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('managing a VM in the web UI', () => {
  it('logs in, creates a VM with the wizard, edits it, opens its console and deletes it', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => void d.accept());

    await page.goto(vmdesk.url);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name="user"]', 'admin');
    await page.fill('input[name="password"]', 'not the password');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toBe('Wrong user name or password.');
    await shot(page, 'vm-wizard-0-login-refused');
    await page.fill('input[name="user"]', 'admin');
    await page.fill('input[name="password"]', 'vmdesk-e2e-secret');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('[data-datastore="san01"]').count()).toBe(1);
    expect(await page.locator('.logout span').textContent()).toBe('admin');

    // The wizard, step by step.
    await page.click('[data-action="new-vm"]');
    await page.fill('input[name="vm-name"]', 'web01');
    await page.selectOption('select[name="vm-datastore"]', 'san01');
    await shot(page, 'vm-wizard-1-name');
    await page.click('[data-action="next"]');
    await page.fill('input[name="vm-memory"]', '512');
    await page.click('[data-action="next"]');
    await page.fill('input[name="vm-disk-size"]', '2');
    await page.check('input[name="vm-provisioning"][value="thin"]');
    await page.click('[data-action="next"]');
    await page.check('input[name="vm-boot"][value="disk"]');
    await page.click('[data-action="next"]');
    await expect.poll(() => page.locator('.review').textContent()).toContain('[san01] web01/web01.vmx');
    await shot(page, 'vm-wizard-2-ready');
    await page.click('[data-action="finish"]');

    await expect.poll(() => page.locator('[data-vm="web01"]').count()).toBe(1);
    expect(await page.locator('[data-vm="web01"]').getAttribute('data-power-state')).toBe('poweredOff');
    const vmx = path.join(dsDir, 'web01', 'web01.vmx');
    expect(fs.readFileSync(vmx, 'utf8')).toContain('memsize = "512"');
    expect(fs.readFileSync(vmx, 'utf8')).toContain('ide0:0.fileName = "web01.vmdk"');
    expect(fs.existsSync(path.join(dsDir, 'web01', 'web01.vmdk'))).toBe(true);
    await expect.poll(() => page.locator('[data-task="Create virtual machine"]').first().textContent()).toContain('Completed');

    // Its Summary, then Edit Settings.
    await page.click('[data-vm="web01"] button');
    await expect.poll(() => page.locator('[data-field="vm-memory"]').textContent()).toBe('512 MB');
    expect(await page.locator('[data-field="vmx-path"]').textContent()).toBe('[san01] web01/web01.vmx');
    await shot(page, 'vm-wizard-3-summary');
    await page.click('[data-action="edit"]');
    await page.fill('input[name="edit-memory"]', '768');
    await page.fill('input[name="edit-name"]', 'web01-prod');
    await page.click('[data-action="save"]');
    await expect.poll(() => page.locator('[data-field="vm-memory"]').textContent()).toBe('768 MB');
    await expect.poll(() => page.locator('[data-vm="web01-prod"]').count()).toBe(1);
    const text = fs.readFileSync(vmx, 'utf8');
    expect(text).toContain('memsize = "768"');
    expect(text).toContain('displayName = "web01-prod"');

    // Power on: SeaBIOS boots from the disk (blank: "not a bootable disk") and its text screen
    // shows in the graphical console window.
    await page.click('[data-action="power-on"]');
    await expect.poll(() => page.locator('[data-vm="web01-prod"]').getAttribute('data-power-state'), { timeout: 60_000 }).toBe('poweredOn');
    await page.click('[data-pane="events"]');
    await expect.poll(() => page.locator('[data-event="VmPoweredOnEvent"]').count()).toBe(1);
    // The Summary's disk I/O: SeaBIOS read the disk's first sector (at least) looking for a boot loader.
    await expect.poll(() => page.locator('[data-field="disk-read"]').textContent(), { timeout: 60_000 }).toMatch(/^\d+(\.\d+)? (B|KB) in [1-9]\d* requests$/);
    const [screen] = await Promise.all([context.waitForEvent('page'), page.click('[data-action="launch-screen"]')]);
    await screen.waitForLoadState();
    expect(new URL(screen.url()).hash).toMatch(/^#\/vm\/vm-\d+\/screen$/);
    await expect.poll(() => screen.locator('.screen-window').getAttribute('data-status'), { timeout: 30_000 }).toBe('connected');
    await expect.poll(async () => { const c = await screenCanvas(screen); return c.width === 720 && c.height === 400 && c.lit > 500 && c.colours > 1; }, { timeout: 120_000 }).toBe(true);
    await shot(screen, 'vm-wizard-4-seabios-screen');
    await screen.click('[data-action="power-off"]');
    await expect.poll(() => screen.locator('.notice').textContent(), { timeout: 30_000 }).toContain('powered off');
    await expect.poll(() => page.locator('[data-vm="web01-prod"]').getAttribute('data-power-state')).toBe('poweredOff');
    await screen.close();

    // The console window (a new tab in web mode).
    const [popup] = await Promise.all([context.waitForEvent('page'), page.click('[data-action="launch-console"]')]);
    await popup.waitForLoadState();
    expect(new URL(popup.url()).hash).toMatch(/^#\/vm\/vm-\d+\/console$/);
    await expect.poll(() => popup.locator('.console-window header strong').textContent()).toBe('web01-prod');
    await expect.poll(() => popup.locator('.off').textContent()).toContain('powered off');
    await shot(popup, 'vm-wizard-5-console-window');
    await popup.close();

    // The datastore browser shows the VM's folder and files.
    await page.click('[data-datastore="san01"] button');
    await page.click('[role="tab"]:has-text("Files")');
    await page.click('[data-file="web01"] button');
    await expect.poll(() => page.locator('[data-file="web01.vmx"]').count()).toBe(1);
    await shot(page, 'vm-wizard-6-datastore-browser');

    // Delete from disk through the context menu.
    await page.click('[data-vm="web01-prod"] button', { button: 'right' });
    await page.click('[role="menuitem"]:has-text("Delete from Disk")');
    await expect.poll(() => page.locator('[data-vm="web01-prod"]').count()).toBe(0);
    expect(fs.existsSync(path.join(dsDir, 'web01'))).toBe(false);
    await shot(page, 'vm-wizard-7-deleted');

    // Register a .vmx found on the datastore, from the browser.
    fs.mkdirSync(path.join(dsDir, 'found'));
    fs.writeFileSync(path.join(dsDir, 'found', 'found.vmx'), '.encoding = "UTF-8"\ndisplayName = "found"\nmemsize = "64"\n');
    await page.click('[data-datastore="san01"] button');
    await page.click('[role="tab"]:has-text("Files")');
    await page.click('[data-file="found"] button');
    await page.click('[data-file="found.vmx"] [data-action="register"]');
    await expect.poll(() => page.locator('[data-vm="found"]').count()).toBe(1);

    // A VM that boots a CD image from the datastore, made in the wizard: the boot sector on the
    // CD says so on the serial console, and SeaBIOS's screen is in the graphical console.
    await page.click('[data-host] > button');
    await page.click('[data-action="new-vm"]');
    await page.fill('input[name="vm-name"]', 'cd01');
    await page.selectOption('select[name="vm-datastore"]', 'san01');
    await page.click('[data-action="next"]');
    await page.fill('input[name="vm-memory"]', '16');
    await page.click('[data-action="next"]');
    await page.uncheck('input[name="vm-with-disk"]');
    await page.click('[data-action="next"]');
    await page.check('input[name="vm-boot"][value="cdrom"]');
    await page.fill('input[name="vm-cdrom"]', '[san01] iso/boot.iso');
    await page.click('[data-action="next"]');
    await page.click('[data-action="finish"]');
    await expect.poll(() => page.locator('[data-vm="cd01"]').count()).toBe(1);
    await page.click('[data-vm="cd01"] button');
    await expect.poll(() => page.locator('[data-field="boot"]').textContent()).toBe('CD-ROM');
    await page.click('[data-action="power-on"]');
    await expect.poll(() => page.locator('[data-vm="cd01"]').getAttribute('data-power-state'), { timeout: 60_000 }).toBe('poweredOn');
    const [serial] = await Promise.all([context.waitForEvent('page'), page.click('[data-action="launch-console"]')]);
    await expect.poll(() => serial.locator('.terminal .xterm-rows').innerText(), { timeout: 120_000 }).toContain('cdboot: ok');
    await shot(serial, 'vm-wizard-8-cd-serial');
    await serial.goto(serial.url().replace(/\/console$/, '/screen'));
    await expect.poll(async () => { const c = await screenCanvas(serial); return c.width === 720 && c.height === 400 && c.lit > 500; }, { timeout: 60_000 }).toBe(true);
    await shot(serial, 'vm-wizard-9-cd-screen');
    await serial.click('[data-action="power-off"]');
    await expect.poll(() => page.locator('[data-vm="cd01"]').getAttribute('data-power-state'), { timeout: 30_000 }).toBe('poweredOff');
    await serial.close();

    // A VM on an existing VMDK with a boot sector, chosen in the wizard: it boots it and does its disk I/O.
    await page.click('[data-host] > button');
    await page.click('[data-action="new-vm"]');
    await page.fill('input[name="vm-name"]', 'disk02');
    await page.selectOption('select[name="vm-datastore"]', 'san01');
    await page.click('[data-action="next"]');
    await page.fill('input[name="vm-memory"]', '16');
    await page.click('[data-action="next"]');
    await page.uncheck('input[name="vm-with-disk"]');
    await page.fill('input[name="vm-existing-disk"]', '[san01] disks/boot.vmdk');
    await page.click('[data-action="next"]');
    await page.check('input[name="vm-boot"][value="disk"]');
    await page.click('[data-action="next"]');
    await page.click('[data-action="finish"]');
    await expect.poll(() => page.locator('[data-vm="disk02"]').count()).toBe(1);
    await page.click('[data-vm="disk02"] button');
    await expect.poll(() => page.locator('[data-field="disk"]').textContent()).toContain('boot.vmdk');
    await page.click('[data-action="power-on"]');
    await expect.poll(() => page.locator('[data-vm="disk02"]').getAttribute('data-power-state'), { timeout: 60_000 }).toBe('poweredOn');
    await expect.poll(() => page.locator('[data-field="console-preview"]').textContent(), { timeout: 120_000 }).toContain('diskio: ok');
    await expect.poll(() => page.locator('[data-field="disk-write"]').textContent(), { timeout: 60_000 }).toBe('32.00 KB in 64 requests');
    await shot(page, 'vm-wizard-10-existing-disk-summary');
    await page.click('[data-action="power-off"]');
    await expect.poll(() => page.locator('[data-vm="disk02"]').getAttribute('data-power-state'), { timeout: 30_000 }).toBe('poweredOff');

    // Log out: back at the login page, and the session is gone.
    await page.click('.logout button');
    await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
    await page.goto(vmdesk.url);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(errors).toEqual([]);
  });
});
