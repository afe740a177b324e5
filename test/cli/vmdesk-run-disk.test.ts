// `vmdesk run` booting through SeaBIOS, as a user meets it, one boot per configuration:
//  1. a SYSLINUX VMDK with a second, empty VMDK and --vnc: a real VNC client (gvnccapture)
//     sees SeaBIOS's and SYSLINUX's 720×400 text screen (read back cell by cell with the VGA
//     BIOS's own font), the shell comes up on COM1, answers `uname -a`, loads the IDE and
//     ext2 modules, makes an ext2 file system on the second disk with busybox's mke2fs and
//     writes a file to it; `poweroff -f` ends vmdesk run with 0. On the host, qemu-img finds
//     the VMDK clean and e2fsprogs find the file in it.
//  2. the same kernel from an ISOLINUX ISO (--cdrom … --boot d) with that data VMDK: the CD's
//     screen, the shell, and the file read back identical after the reboot.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../server/rfb/png';
import { readTextCells, readTextLines, vgaBiosFont16 } from '../server/rfb/vga-screen-text';
import { gvnccapture } from '../server/rfb/vnc-tools';
import { type VmdeskRunProcess, startVmdeskRun } from '../support/serial-session';
import { REPO } from '../support/vmdesk-process';
import { GUEST_FETCH_TIMEOUT, guestImages } from '../vmm/guest-images';
import { buildDataVmdk, buildIsolinuxIso, buildSyslinuxVmdk, initrdWithModules, loadDisksCommand } from './boot-media';

/** Wall time from power-on to the shell prompt: ~2 min of one idle core, several times that on a loaded CI machine. */
const BOOT_WAIT_MS = 1_200_000;
const COMMAND_WAIT_MS = 300_000;
const VGA_BIOS = '/usr/share/seabios/vgabios-stdvga.bin';
const DATA_MIB = 64;
/** Captures of the screen, half a second apart, before a line the serial console showed must be on it. */
const SCREEN_LOOKS = 20;
/** The loader's last line before the kernel runs, on COM1 and on the screen alike. */
const INITRD_LOADED = 'Loading /initrd.img...ok';
const LIGHT_GREY = 0xaaaaaa; // attribute 07h through the BIOS's default DAC (FreeVGA, attribute palette)

let dir: string;
let bootVmdk: string;
let iso: string;
let dataVmdk: string;
let randomMd5: string;
let prompt: string;

beforeAll(() => {
  const { manifest } = guestImages();
  prompt = manifest.prompt;
  randomMd5 = manifest.randomFile.md5;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-run-disk-'));
  const initrd = path.join(dir, 'initrd-ide.img');
  initrdWithModules(initrd);
  bootVmdk = buildSyslinuxVmdk(dir, initrd);
  iso = buildIsolinuxIso(dir, initrd);
  dataVmdk = buildDataVmdk(dir, DATA_MIB);
}, GUEST_FETCH_TIMEOUT);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Boot {
  readonly vm: VmdeskRunProcess;
  readonly firmwareLog: string;
  vncPort(): Promise<number>;
}

function boot(name: string, args: string[]): Boot {
  const firmwareLog = path.join(dir, `${name}-firmware.log`);
  const vm = startVmdeskRun([...args, '--vnc', '0', '--firmware-log', firmwareLog, '--timeout', String(BOOT_WAIT_MS / 1000 + 600)], prompt, path.join(dir, `${name}-serial.log`));
  const vncPort = async (): Promise<number> => {
    for (;;) {
      const m = /VNC console on 127\.0\.0\.1:(\d+)/.exec(vm.stderr());
      if (m) return Number(m[1]);
      if (vm.child.exitCode !== null) throw new Error(`vmdesk run exited before its VNC console: ${vm.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { vm, firmwareLog, vncPort };
}

/** What a VNC client sees, as text lines, after checking the screen is an 80×25 text mode every cell of which is a glyph. */
async function captureTextScreen(b: Boot, file: string): Promise<string[]> {
  // One session, as a user's: gvnccapture asks for one update (rfb-first-frame.test.ts).
  const capture = await gvnccapture(await b.vncPort(), file);
  expect(capture.code, capture.output).toBe(0);
  const img = decodePng(fs.readFileSync(file));
  expect([img.width, img.height]).toEqual([720, 400]);
  const font = vgaBiosFont16(VGA_BIOS);
  const cells = readTextCells(img, font).flat();
  expect(cells).toHaveLength(80 * 25);
  // Only the blinking cursor's cell may be no glyph of the font.
  expect(cells.filter((c) => c.fg === -1).length).toBeLessThanOrEqual(1);
  const lines = readTextLines(img, font);
  const banner = readTextCells(img, font)[0]!.slice(0, 7);
  expect(banner.map((c) => [c.fg, c.bg])).toEqual(Array(7).fill([LIGHT_GREY, 0]));
  return lines;
}

/**
 * The text screen once it shows `line`, looked at again (a new VNC session each time) until it
 * does. The loaders write each character to COM1 before the screen, and the VM's thread redraws
 * the frame from VGA memory only every 16 ms between slices (vm-console.ts): on a loaded host a
 * line reaches the serial console before the screen.
 */
async function textScreenShowing(b: Boot, name: string, line: string): Promise<string[]> {
  const file = path.join(REPO, 'test-results', `vmdesk-run-${name}-screen.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let lines: string[] = [];
  for (let look = 0; look < SCREEN_LOOKS; look++) {
    lines = await captureTextScreen(b, file);
    if (lines.includes(line)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return lines;
}

function hostMd5(file: string): string {
  return createHash('md5').update(fs.readFileSync(file)).digest('hex');
}

describe('vmdesk run through SeaBIOS', () => {
  it('boots a SYSLINUX VMDK to the shell: SeaBIOS\'s text screen over VNC, ext2 on a second VMDK, poweroff exits 0', async () => {
    const b = boot('disk', ['--disk', bootVmdk, '--disk', dataVmdk]);
    const s = b.vm.session;
    try {
      await s.waitFor(INITRD_LOADED, BOOT_WAIT_MS, 'SYSLINUX loading the initrd');
      // The kernel's setup and decompressor run for a while yet: the screen is still the loaders'.
      const screen = await textScreenShowing(b, 'disk', INITRD_LOADED);
      expect(screen[0]).toMatch(/^SeaBIOS \(version 1\.\d+\.\d+-debian-[\d.-]+\)$/);
      expect(screen).toContain('Booting from Hard Disk...');
      expect(screen.some((l) => /^SYSLINUX 6\.\d+ EDD \d+ Copyright \(C\) 1994-\d+ H\. Peter Anvin et al$/.test(l))).toBe(true);
      expect(screen).toContain('Loading /vmlinuz... ok');
      expect(screen).toContain(INITRD_LOADED);

      await s.waitForPrompt(BOOT_WAIT_MS);
      const firmware = fs.readFileSync(b.firmwareLog, 'latin1');
      expect(firmware).toMatch(/SeaBIOS \(version 1\.\d+/);
      expect(firmware).toContain('ata0-0: VMDESK HARDDISK ATA-6 Hard-Disk (32 MiBytes)');
      expect(firmware).toContain(`ata0-1: VMDESK HARDDISK ATA-6 Hard-Disk (${DATA_MIB} MiBytes)`);
      expect(firmware).toContain('Booting from Hard Disk...');
      expect(s.output()).toMatch(/SYSLINUX 6\.\d+/);
      expect(s.output()).toMatch(/Kernel command line: .*console=ttyS0 cryptomgr\.notests/);

      expect(await s.run('uname -a', COMMAND_WAIT_MS)).toMatch(/^Linux vmdesk 6\.1\.0-\d+-686 #1 SMP .* i686 GNU\/Linux\n$/);
      // The kernel's messages would interleave with what commands print.
      await s.run('dmesg -n 1', COMMAND_WAIT_MS);
      const [boot, data] = (await s.run(loadDisksCommand('0:0:0:0', '0:0:1:0'), COMMAND_WAIT_MS)).trim().split('\n');
      expect([boot, data]).toEqual([expect.stringMatching(/^sd[a-z]$/), expect.stringMatching(/^sd[a-z]$/)]);
      expect(await s.run(`cat /sys/block/${boot}/size /sys/block/${data}/size`, COMMAND_WAIT_MS)).toBe(`65536\n${DATA_MIB * 2048}\n`);
      expect(await s.run(`mke2fs -L vmdata /dev/${data} >/dev/null 2>&1; echo mke2fs=$?`, COMMAND_WAIT_MS)).toBe('mke2fs=0\n');
      expect(await s.run(`mkdir -p /mnt/data && mount -t ext2 /dev/${data} /mnt/data && echo mounted`, COMMAND_WAIT_MS)).toBe('mounted\n');
      expect(await s.run('cp /root/random.bin /mnt/data/ && echo copied', COMMAND_WAIT_MS)).toBe('copied\n');
      expect(await s.run('echo written by vmdesk > /mnt/data/note.txt && sync && echo synced', COMMAND_WAIT_MS)).toBe('synced\n');
      expect(await s.run('md5sum /mnt/data/random.bin', COMMAND_WAIT_MS)).toBe(`${randomMd5}  /mnt/data/random.bin\n`);
      expect(await s.run('umount /mnt/data && echo unmounted', COMMAND_WAIT_MS)).toBe('unmounted\n');
      s.send('poweroff -f');
      expect(await b.vm.exited).toBe(0);
      expect(b.vm.stderr()).toMatch(/^run: VNC console on 127\.0\.0\.1:\d+\n$/);
    } finally {
      b.vm.kill();
    }

    // The host's tools agree: the VMDK is sound and holds the file system with the file.
    expect(execFileSync('qemu-img', ['check', dataVmdk], { encoding: 'utf8' })).toContain('No errors were found on the image.');
    const raw = path.join(dir, 'data.raw');
    execFileSync('qemu-img', ['convert', '-O', 'raw', dataVmdk, raw]);
    execFileSync('e2fsck', ['-fn', raw], { stdio: 'pipe' }); // exit 0: clean
    expect(execFileSync('debugfs', ['-R', 'cat /note.txt', raw], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toBe('written by vmdesk\n');
    const out = path.join(dir, 'random.out');
    execFileSync('debugfs', ['-R', `dump /random.bin ${out}`, raw], { stdio: 'ignore' });
    expect(hostMd5(out)).toBe(randomMd5);
    expect(execFileSync('dumpe2fs', ['-h', raw], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toMatch(/Filesystem volume name:\s+vmdata\n/);
  }, 2 * BOOT_WAIT_MS);

  it('boots the same kernel from an ISOLINUX ISO with --cdrom … --boot d and reads the file back from the data VMDK', async () => {
    const b = boot('cd', ['--cdrom', iso, '--boot', 'd', '--disk', dataVmdk]);
    const s = b.vm.session;
    try {
      await s.waitFor(INITRD_LOADED, BOOT_WAIT_MS, 'ISOLINUX loading the initrd');
      const screen = await textScreenShowing(b, 'cd', INITRD_LOADED);
      expect(screen[0]).toMatch(/^SeaBIOS \(version 1\.\d+/);
      expect(screen).toContain('Booting from DVD/CD...');
      expect(screen.some((l) => /^ISOLINUX 6\.\d+ /.test(l))).toBe(true);

      await s.waitForPrompt(BOOT_WAIT_MS);
      const firmware = fs.readFileSync(b.firmwareLog, 'latin1');
      expect(firmware).toContain('DVD/CD [ata1-0: VMDESK CD-ROM ATAPI-6 DVD/CD]');
      expect(firmware).toContain('Booting from DVD/CD...');
      expect(s.output()).toMatch(/ISOLINUX 6\.\d+/);
      expect(await s.run('uname -r', COMMAND_WAIT_MS)).toMatch(/^6\.1\.0-\d+-686\n$/);
      await s.run('dmesg -n 1', COMMAND_WAIT_MS);
      // The data disk is the primary master now.
      const [data] = (await s.run(loadDisksCommand('0:0:0:0'), COMMAND_WAIT_MS)).trim().split('\n');
      expect(data).toMatch(/^sd[a-z]$/);
      expect(await s.run(`mkdir -p /mnt/data && mount -t ext2 -o ro /dev/${data} /mnt/data && echo mounted`, COMMAND_WAIT_MS)).toBe('mounted\n');
      expect(await s.run('cat /mnt/data/note.txt', COMMAND_WAIT_MS)).toBe('written by vmdesk\n');
      expect(await s.run('md5sum /mnt/data/random.bin', COMMAND_WAIT_MS)).toBe(`${randomMd5}  /mnt/data/random.bin\n`);
      s.send('poweroff -f');
      expect(await b.vm.exited).toBe(0);
    } finally {
      b.vm.kill();
    }
    expect(execFileSync('qemu-img', ['check', dataVmdk], { encoding: 'utf8' })).toContain('No errors were found on the image.');
  }, 2 * BOOT_WAIT_MS);
});
