// Debian's SeaBIOS and SeaVGABIOS run from reset over the device models and find what a
// guest should: fw_cfg (with DMA) for RAM and boot order, the PIIX3 IDE disk and CD-ROM,
// the VGA in text mode with the banner on screen; then they boot a disk (INT 13h reads via
// ATA PIO) and an El Torito CD (ATAPI READ(10)) made with xorriso.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage, RawBackend } from '../../../../core/storage';
import { layoutAcpiTables } from '../../../../core/vmm/acpi';
import { tempDir } from '../../ide/ide-harness';
import { firmwarePc, SEABIOS, VGABIOS } from './seabios-machine';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const here = new URL('.', import.meta.url).pathname;
let diskPath = '';
let isoPath = '';

beforeAll(() => {
  const asm = join(here, 'boot-sector.asm');
  const hd = join(tmp.dir, 'hd.bin');
  const cd = join(tmp.dir, 'cd.bin');
  execFileSync('nasm', ['-f', 'bin', '-DLBA=1', '-DOFF=0', '-o', hd, asm]);
  execFileSync('nasm', ['-f', 'bin', '-DLBA=16', '-DOFF=1', '-o', cd, asm]);
  const text = Buffer.from('HDD LBA1 READ OK\r\n\0');
  const disk = Buffer.alloc(4 << 20);
  readFileSync(hd).copy(disk, 0);
  text.copy(disk, 512);
  diskPath = join(tmp.dir, 'disk.img');
  writeFileSync(diskPath, disk);
  const root = join(tmp.dir, 'cdroot');
  mkdirSync(root);
  const bootImage = Buffer.alloc(2048);
  readFileSync(cd).copy(bootImage, 0);
  writeFileSync(join(root, 'boot.img'), bootImage);
  isoPath = join(tmp.dir, 'boot.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-o', isoPath, '-b', 'boot.img', '-no-emul-boot', '-boot-load-size', '4', root], { stdio: 'ignore' });
});

const haveFirmware = existsSync(SEABIOS) && existsSync(VGABIOS);
const ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin';
const LDLINUX = '/usr/lib/syslinux/modules/bios/ldlinux.c32';
const SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin';
const haveSyslinuxTools = ['/usr/bin/syslinux', '/usr/sbin/mkfs.fat', '/usr/bin/mcopy', '/usr/sbin/sfdisk', '/usr/bin/qemu-img', SYSLINUX_MBR].every((f) => existsSync(f));

describe.runIf(haveFirmware)('SeaBIOS over the device models', () => {
  it('boots a hard disk: fw_cfg found, disk identified, VGA text banner, INT 13h reads through ATA', () => {
    const pc = firmwarePc({ disk: RawBackend.open(diskPath, { readOnly: true }) });
    pc.run((d) => d.includes('HDD LBA1 READ OK') || d.includes('READ FAILED'), 4000);
    const d = pc.debug();
    expect(d).toContain('Found QEMU fw_cfg');
    expect(d).toContain('QEMU fw_cfg DMA interface supported');
    expect(d).toMatch(/qemu\/e820: addr 0x0000000000100000 len 0x0000000001f00000 \[RAM\]/);
    expect(d).toContain('Start SeaVGABIOS');
    expect(d).toMatch(/VBE DISPI: lfb_addr=[0-9a-f]+, size 16 MB/);
    expect(d).toContain('ata0-0: VMDESK HARDDISK ATA-6 Hard-Disk (4 MiBytes)');
    expect(d).toContain('Booting from Hard Disk...');
    expect(d).toContain('HDD LBA1 READ OK');
    const screen = pc.screenText();
    expect(screen[0]).toMatch(/^SeaBIOS \(version 1\./);
    expect(screen.some((l) => l.includes('BOOT SECTOR RUNNING'))).toBe(true);
    const frame = pc.renderer.update(0);
    expect(frame).toMatchObject({ width: 720, height: 400, mode: 'text' });
    // The banner is drawn with the font the VGA BIOS loaded into plane 2: "S" has lit pixels.
    let lit = 0;
    for (let y = 0; y < 16; y++) for (let x = 0; x < 9; x++) if (pc.renderer.pixels[(y * 720 + x) * 4]! > 0x80) lit++;
    expect(lit).toBeGreaterThan(10);
    expect(lit).toBeLessThan(9 * 16);
  });

  it('boots an El Torito CD first when the boot order says so, reading the ISO through ATAPI', () => {
    const pc = firmwarePc({ disk: RawBackend.open(diskPath, { readOnly: true }), cdrom: RawBackend.open(isoPath, { readOnly: true }) });
    pc.run((d) => d.includes('CD001') || d.includes('READ FAILED'), 4000);
    const d = pc.debug();
    expect(d).toContain('DVD/CD [ata1-0: VMDESK CD-ROM ATAPI-6 DVD/CD]');
    expect(d).toContain('Booting from DVD/CD...');
    expect(d).toContain('BOOT SECTOR RUNNING');
    expect(d).toContain('CD001'); // the primary volume descriptor at LBA 16
  });

  it('loads ACPI tables through etc/table-loader: RSDP in the F-segment, checksummed RSDT, FADT, MADT, DSDT', () => {
    const tables = layoutAcpiTables(32 << 20).tables.filter((t) => ['FACP', 'FACS', 'APIC', 'DSDT'].includes(t.signature)).map((t) => t.bytes);
    const pc = firmwarePc({ disk: RawBackend.open(diskPath, { readOnly: true }), acpiTables: tables });
    pc.run((d) => d.includes('HDD LBA1 READ OK'), 4000);
    const mem = pc.memory.u8;
    const dv = pc.memory.view;
    let rsdp = -1;
    for (let a = 0xe0000; a < 0x100000; a += 16) {
      if (String.fromCharCode(...mem.subarray(a, a + 8)) === 'RSD PTR ') {
        rsdp = a;
        break;
      }
    }
    expect(rsdp).toBeGreaterThan(0);
    const sum = (at: number, len: number): number => mem.subarray(at, at + len).reduce((x, y) => (x + y) & 0xff, 0);
    expect(sum(rsdp, 20)).toBe(0);
    const rsdt = dv.getUint32(rsdp + 16, true);
    expect(String.fromCharCode(...mem.subarray(rsdt, rsdt + 4))).toBe('RSDT');
    expect(String.fromCharCode(...mem.subarray(rsdt + 10, rsdt + 16))).toBe('VMDESK'); // ours, not SeaBIOS's fallback
    expect(sum(rsdt, dv.getUint32(rsdt + 4, true))).toBe(0);
    const entries = [0, 1].map((i) => dv.getUint32(rsdt + 36 + 4 * i, true));
    expect(entries.map((a) => String.fromCharCode(...mem.subarray(a, a + 4)))).toEqual(['FACP', 'APIC']);
    const fadt = entries[0]!;
    expect(sum(fadt, dv.getUint32(fadt + 4, true))).toBe(0);
    const dsdt = dv.getUint32(fadt + 40, true);
    expect(String.fromCharCode(...mem.subarray(dsdt, dsdt + 4))).toBe('DSDT');
    expect(sum(dsdt, dv.getUint32(dsdt + 4, true))).toBe(0);
    const facs = dv.getUint32(fadt + 36, true);
    expect(String.fromCharCode(...mem.subarray(facs, facs + 4))).toBe('FACS');
  });

  it.runIf(existsSync(ISOLINUX))('runs Debian\'s ISOLINUX from an xorriso ISO: it reads its config from the CD and prompts', () => {
    const root = join(tmp.dir, 'isoroot');
    mkdirSync(join(root, 'isolinux'), { recursive: true });
    writeFileSync(join(root, 'isolinux', 'isolinux.bin'), readFileSync(ISOLINUX));
    writeFileSync(join(root, 'isolinux', 'ldlinux.c32'), readFileSync(LDLINUX));
    writeFileSync(join(root, 'isolinux', 'isolinux.cfg'), 'SAY HELLO FROM ISOLINUX CONFIG\nPROMPT 1\nTIMEOUT 0\nLABEL x\n  KERNEL /nothing\n');
    const iso = join(tmp.dir, 'isolinux.iso');
    execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-o', iso, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table', root], { stdio: 'ignore' });
    const pc = firmwarePc({ cdrom: RawBackend.open(iso, { readOnly: true }) });
    let screen: string[] = [];
    let n = 0;
    pc.run(() => {
      if (++n % 100 !== 0) return false;
      screen = pc.screenText();
      return screen.some((l) => l.startsWith('boot:'));
    }, 8000);
    screen = pc.screenText();
    expect(screen.some((l) => l.startsWith('ISOLINUX 6.'))).toBe(true);
    expect(screen).toContain('HELLO FROM ISOLINUX CONFIG');
    expect(screen.some((l) => l.startsWith('boot:'))).toBe(true);
  });

  it.runIf(haveSyslinuxTools)('runs SYSLINUX from a FAT partition of a VMDK disk (sfdisk, mkfs.fat, mtools, syslinux --install, qemu-img)', () => {
    const raw = join(tmp.dir, 'fat.img');
    writeFileSync(raw, Buffer.alloc(16 << 20));
    execFileSync('sfdisk', ['-q', raw], { input: 'start=2048, type=6, bootable\n' });
    const mbr = readFileSync(SYSLINUX_MBR);
    const disk = readFileSync(raw);
    mbr.copy(disk, 0, 0, 440);
    writeFileSync(raw, disk);
    execFileSync('mkfs.fat', ['-F', '16', '--offset', '2048', raw, String((15 << 20) / 1024)], { stdio: 'ignore' });
    const cfg = join(tmp.dir, 'syslinux.cfg');
    writeFileSync(cfg, 'SAY HELLO FROM SYSLINUX ON FAT\nPROMPT 1\nTIMEOUT 0\nLABEL x\n  KERNEL /nothing\n');
    execFileSync('mcopy', ['-i', `${raw}@@1M`, cfg, '::syslinux.cfg']);
    execFileSync('syslinux', ['--install', '--offset', String(2048 * 512), raw]);
    const vmdk = join(tmp.dir, 'fat.vmdk');
    execFileSync('qemu-img', ['convert', '-O', 'vmdk', raw, vmdk]);
    const pc = firmwarePc({ disk: openImage(vmdk, { readOnly: true }), bootOrder: [] });
    let screen: string[] = [];
    let n = 0;
    pc.run(() => {
      if (++n % 100 !== 0) return false;
      screen = pc.screenText();
      return screen.some((l) => l.startsWith('boot:'));
    }, 8000);
    screen = pc.screenText();
    expect(pc.debug()).toContain('ata0-0: VMDESK HARDDISK ATA-6 Hard-Disk (16 MiBytes)');
    expect(screen.some((l) => /^SYSLINUX 6\.\d+ EDD/.test(l))).toBe(true);
    expect(screen).toContain('HELLO FROM SYSLINUX ON FAT');
  });
});
