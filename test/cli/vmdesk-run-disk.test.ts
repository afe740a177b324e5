// `vmdesk run` booting through SeaBIOS: the test builds, from Debian packages, a bootable VMDK
// (MBR, one FAT16 partition with SYSLINUX, the Debian guest kernel and initramfs) and an
// ISOLINUX ISO with the same kernel, then boots each as a user would. Assertions go as far
// as "Linux version" on the serial console: under our interpreter on a shared CI machine the
// rest of a Debian boot (to the shell prompt) takes longer than a test may wait; the direct
// kernel boot tests cover the kernel's later life.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/vmdesk-process';
import { GUEST_FETCH_TIMEOUT, guestImages } from '../vmm/guest-images';

const bin = path.join(REPO, 'bin', 'vmdesk.mjs');
const SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin';
const ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin';
const LDLINUX = '/usr/lib/syslinux/modules/bios/ldlinux.c32';
/** Wall time a boot may take to print "Linux version" (SeaBIOS, the loader, decompression). */
const BOOT_WAIT_MS = 400_000;
// SERIAL 0 mirrors the loader's console on COM1. Our interpreter makes the kernel's crypto self-tests very slow; the serial console is COM1.
const APPEND = 'console=ttyS0 cryptomgr.notests';
const LOADER_CFG = (): string => `SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL /vmlinuz\n  INITRD /initrd.img\n  APPEND ${APPEND}\n`;

let dir: string;
let vmdk: string;
let iso: string;

beforeAll(() => {
  const { kernel, initrd } = guestImages();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-run-disk-'));
  // The disk: 32 MiB, partition 1 from sector 2048, FAT16, SYSLINUX's MBR code in the first 440 bytes.
  const raw = path.join(dir, 'disk.img');
  fs.writeFileSync(raw, Buffer.alloc(0));
  fs.truncateSync(raw, 32 << 20);
  execFileSync('sfdisk', ['-q', raw], { input: 'start=2048, type=6, bootable\n' });
  const fd = fs.openSync(raw, 'r+');
  fs.writeSync(fd, fs.readFileSync(SYSLINUX_MBR).subarray(0, 440), 0, 440, 0);
  fs.closeSync(fd);
  execFileSync('mkfs.fat', ['-F', '16', '--offset', '2048', raw, String((31 << 20) / 1024)], { stdio: 'ignore' });
  const cfg = path.join(dir, 'syslinux.cfg');
  fs.writeFileSync(cfg, LOADER_CFG());
  execFileSync('mcopy', ['-i', `${raw}@@1M`, cfg, '::syslinux.cfg']);
  execFileSync('mcopy', ['-i', `${raw}@@1M`, kernel, '::vmlinuz']);
  execFileSync('mcopy', ['-i', `${raw}@@1M`, initrd, '::initrd.img']);
  execFileSync('syslinux', ['--install', '--offset', String(2048 * 512), raw]);
  vmdk = path.join(dir, 'disk.vmdk');
  execFileSync(process.execPath, [bin, 'disk', 'convert', raw, vmdk], { stdio: 'ignore' });

  const root = path.join(dir, 'isoroot');
  fs.mkdirSync(path.join(root, 'isolinux'), { recursive: true });
  fs.copyFileSync(ISOLINUX, path.join(root, 'isolinux', 'isolinux.bin'));
  fs.copyFileSync(LDLINUX, path.join(root, 'isolinux', 'ldlinux.c32'));
  fs.writeFileSync(path.join(root, 'isolinux', 'isolinux.cfg'), LOADER_CFG());
  fs.copyFileSync(kernel, path.join(root, 'vmlinuz'));
  fs.copyFileSync(initrd, path.join(root, 'initrd.img'));
  iso = path.join(dir, 'boot.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-o', iso, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table', root], { stdio: 'ignore' });
}, GUEST_FETCH_TIMEOUT);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs `vmdesk run args` until `serial` matches `until`, then stops it; returns what was seen. */
async function bootUntil(args: string[], until: RegExp): Promise<{ serial: string; firmware: string; stderr: string; code: number | null }> {
  const log = path.join(dir, `fw-${Date.now()}.log`);
  const child = spawn(process.execPath, [bin, 'run', ...args, '--serial', 'stdio', '--firmware-log', log, '--timeout', String(BOOT_WAIT_MS / 1000)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let serial = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    serial += d.toString('latin1');
    if (until.test(serial)) child.kill('SIGTERM');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { serial, firmware: fs.existsSync(log) ? fs.readFileSync(log, 'latin1') : '', stderr, code };
}

describe('vmdesk run through SeaBIOS', () => {
  it('boots a SYSLINUX VMDK: SeaBIOS banner, the disk, syslinux loads the kernel, Linux starts on COM1', async () => {
    // The kernel's console replays its early log when it registers; its command line line ends that wait.
    const r = await bootUntil(['--disk', vmdk], /Kernel command line: [^\n]*\n/);
    expect(r.stderr).toBe('');
    // SeaBIOS's debug console copies what it prints on the VGA text screen.
    expect(r.firmware).toMatch(/SeaBIOS \(version 1\.\d+/);
    expect(r.firmware).toContain('Start SeaVGABIOS');
    expect(r.firmware).toContain('ata0-0: VMDESK HARDDISK ATA-6 Hard-Disk (32 MiBytes)');
    expect(r.firmware).toContain('Booting from Hard Disk...');
    expect(r.serial).toMatch(/SYSLINUX 6\.\d+/);
    expect(r.serial).toContain('Loading /vmlinuz... ok');
    expect(r.serial).toContain('Loading /initrd.img...ok');
    expect(r.serial).toMatch(/Linux version 6\.1\.0-\d+-686/);
    expect(r.serial).toMatch(/Kernel command line: .*console=ttyS0 cryptomgr\.notests/);
  }, BOOT_WAIT_MS + 30_000);

  it('boots the same kernel from an ISOLINUX ISO with --cdrom … --boot d', async () => {
    const r = await bootUntil(['--cdrom', iso, '--boot', 'd'], /Linux version/);
    expect(r.stderr).toBe('');
    expect(r.firmware).toContain('DVD/CD [ata1-0: VMDESK CD-ROM ATAPI-6 DVD/CD]');
    expect(r.firmware).toContain('Booting from DVD/CD...');
    expect(r.serial).toMatch(/ISOLINUX 6\.\d+/);
    expect(r.serial).toContain('Loading /vmlinuz... ok');
    expect(r.serial).toMatch(/Linux version 6\.1\.0-\d+-686/);
  }, BOOT_WAIT_MS + 30_000);
});
