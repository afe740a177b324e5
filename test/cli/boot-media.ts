// Boot media for the SeaBIOS tests, built from Debian packages as a user would: a SYSLINUX
// hard disk (MBR, one FAT16 partition, `syslinux --install`) converted to VMDK, an ISOLINUX
// ISO (xorriso), an empty data VMDK, and the guest initramfs with the kernel modules an IDE
// disk with ext2 needs appended as a second cpio archive (Linux unpacks concatenated
// archives: Documentation/driver-api/early-userspace/buffer-format.rst).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type CpioEntry, writeCpioNewc } from '../../core/vmm/initramfs';
import { REPO } from '../support/vmdesk-process';
import { guestImages } from '../vmm/guest-images';

const bin = path.join(REPO, 'bin', 'vmdesk.mjs');
const SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin';
const ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin';
const LDLINUX = '/usr/lib/syslinux/modules/bios/ldlinux.c32';

/** COM1 is the console; the crypto self-tests are slow under our interpreter. */
export const BOOT_APPEND = 'console=ttyS0 cryptomgr.notests';

/**
 * The modules (in load order, dependencies first) for PIIX IDE disks as SCSI disks and
 * ext2 through the ext4 driver (the Debian 686 kernel builds all of them as modules).
 */
export const IDE_EXT2_MODULES = [
  'drivers/scsi/scsi_common',
  'drivers/scsi/scsi_mod',
  'drivers/ata/libata',
  'drivers/ata/ata_piix',
  'lib/crc64',
  'crypto/crc64_rocksoft_generic',
  'lib/crc64-rocksoft',
  'crypto/crct10dif_common',
  'crypto/crct10dif_generic',
  'lib/crc-t10dif',
  'block/t10-pi',
  'drivers/scsi/sd_mod',
  'lib/crc16',
  'fs/mbcache',
  'fs/jbd2/jbd2',
  'crypto/crc32c_generic',
  'fs/ext4/ext4',
];

/** Where the appended archive puts the modules in the guest. */
export const GUEST_MODULE_DIR = '/lib/vmdesk-modules';

const LOAD_SCRIPT = `${GUEST_MODULE_DIR}/load.sh`;

/** The guest script: load the modules, wait for the disks at the SCSI addresses given, print their names. */
export function loadScript(): string {
  const names = IDE_EXT2_MODULES.map((m) => path.basename(m)).join(' ');
  return `#!/bin/sh
# vmdesk test guest: IDE disks and ext2 (written by test/cli/boot-media.ts).
set -e
for m in ${names}; do insmod ${GUEST_MODULE_DIR}/$m.ko; done
# ata_piix's SCSI scan is asynchronous and names disks in the order they answer.
for a in "$@"; do
  i=0
  while [ ! -b /dev/$(ls /sys/bus/scsi/devices/$a/block 2>/dev/null) ]; do
    i=$((i + 1)); [ $i -lt 300 ] || { echo "no disk at SCSI $a"; exit 1; }; sleep 0.2
  done
  ls /sys/bus/scsi/devices/$a/block
done
`;
}

/**
 * The shell line that loads the modules and prints the block device names (one a line) of
 * the disks at SCSI addresses host:channel:target:lun (host 0 = primary IDE channel, target
 * 0 = master, 1 = slave).
 */
export function loadDisksCommand(...scsiAddresses: string[]): string {
  return `sh ${LOAD_SCRIPT} ${scsiAddresses.join(' ')}`;
}

const loaderConfig = (append: string): string => `SERIAL 0 115200\nDEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL /vmlinuz\n  INITRD /initrd.img\n  APPEND ${append}\n`;

/** The guest initramfs plus a second archive holding IDE_EXT2_MODULES and their load script under GUEST_MODULE_DIR. */
export function initrdWithModules(file: string): void {
  const { initrd, dir } = guestImages();
  const moduleRoot = path.join(dir, 'kernel-root', 'lib', 'modules');
  const [version] = fs.readdirSync(moduleRoot);
  if (!version) throw new Error(`boot-media: no kernel modules under ${moduleRoot}`);
  const entries: CpioEntry[] = [{ type: 'dir', path: 'lib' }, { type: 'dir', path: GUEST_MODULE_DIR.slice(1) }];
  for (const m of IDE_EXT2_MODULES) {
    const ko = path.join(moduleRoot, version, 'kernel', `${m}.ko`);
    entries.push({ type: 'file', path: `${GUEST_MODULE_DIR.slice(1)}/${path.basename(m)}.ko`, data: fs.readFileSync(ko) });
  }
  entries.push({ type: 'file', path: LOAD_SCRIPT.slice(1), data: new TextEncoder().encode(loadScript()), mode: 0o755 });
  fs.writeFileSync(file, Buffer.concat([fs.readFileSync(initrd), gzipSync(writeCpioNewc(entries))]));
}

/** A 32 MiB SYSLINUX hard disk with the kernel and `initrd`, as a VMDK made by `vmdesk disk convert`. */
export function buildSyslinuxVmdk(dir: string, initrd: string, append = BOOT_APPEND): string {
  const { kernel } = guestImages();
  const raw = path.join(dir, 'boot-disk.img');
  fs.writeFileSync(raw, Buffer.alloc(0));
  fs.truncateSync(raw, 32 << 20);
  // Partition 1 from sector 2048, FAT16, SYSLINUX's MBR code in the first 440 bytes.
  execFileSync('sfdisk', ['-q', raw], { input: 'start=2048, type=6, bootable\n' });
  const fd = fs.openSync(raw, 'r+');
  fs.writeSync(fd, fs.readFileSync(SYSLINUX_MBR).subarray(0, 440), 0, 440, 0);
  fs.closeSync(fd);
  execFileSync('mkfs.fat', ['-F', '16', '--offset', '2048', raw, String((31 << 20) / 1024)], { stdio: 'ignore' });
  const cfg = path.join(dir, 'syslinux.cfg');
  fs.writeFileSync(cfg, loaderConfig(append));
  execFileSync('mcopy', ['-i', `${raw}@@1M`, cfg, '::syslinux.cfg']);
  execFileSync('mcopy', ['-i', `${raw}@@1M`, kernel, '::vmlinuz']);
  execFileSync('mcopy', ['-i', `${raw}@@1M`, initrd, '::initrd.img']);
  execFileSync('syslinux', ['--install', '--offset', String(2048 * 512), raw]);
  const vmdk = path.join(dir, 'boot-disk.vmdk');
  execFileSync(process.execPath, [bin, 'disk', 'convert', raw, vmdk], { stdio: 'ignore' });
  fs.rmSync(raw);
  return vmdk;
}

/** An El Torito (no emulation) ISOLINUX CD with the kernel and `initrd`. */
export function buildIsolinuxIso(dir: string, initrd: string, append = BOOT_APPEND): string {
  const { kernel } = guestImages();
  const root = path.join(dir, 'isoroot');
  fs.mkdirSync(path.join(root, 'isolinux'), { recursive: true });
  fs.copyFileSync(ISOLINUX, path.join(root, 'isolinux', 'isolinux.bin'));
  fs.copyFileSync(LDLINUX, path.join(root, 'isolinux', 'ldlinux.c32'));
  fs.writeFileSync(path.join(root, 'isolinux', 'isolinux.cfg'), loaderConfig(append));
  fs.copyFileSync(kernel, path.join(root, 'vmlinuz'));
  fs.copyFileSync(initrd, path.join(root, 'initrd.img'));
  const iso = path.join(dir, 'boot.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-o', iso, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table', root], { stdio: 'ignore' });
  fs.rmSync(root, { recursive: true });
  return iso;
}

/** An empty monolithic sparse VMDK of `mib` MiB made by `vmdesk disk create`. */
export function buildDataVmdk(dir: string, mib: number): string {
  const vmdk = path.join(dir, 'data.vmdk');
  execFileSync(process.execPath, [bin, 'disk', 'create', '--size', `${mib}M`, vmdk], { stdio: 'ignore' });
  return vmdk;
}
