// Running the Debian tools a hot clone builds disks with, each failure one line naming the
// tool and the package that provides it: sfdisk (fdisk), mkfs.vfat (dosfstools), syslinux +
// mcopy (syslinux, syslinux-common, mtools), mke2fs + debugfs (e2fsprogs).
import { spawnSync } from 'node:child_process';
import { ConverterError } from '../errors';

const PACKAGE: Record<string, string> = {
  sfdisk: 'fdisk',
  'mkfs.vfat': 'dosfstools',
  syslinux: 'syslinux',
  mcopy: 'mtools',
  mke2fs: 'e2fsprogs',
  debugfs: 'e2fsprogs',
};

export function runTool(tool: string, args: readonly string[], input?: string): string {
  const r = spawnSync(tool, args, { encoding: 'utf8', input, maxBuffer: 64 << 20, env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  if (r.error) throw new ConverterError(`converter: ${tool} is not installed (Debian package ${PACKAGE[tool] ?? tool})`, 'converter.dependency');
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout).trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
    throw new ConverterError(`converter: ${tool} ${args.slice(0, 3).join(' ')}…: ${why}`, 'converter.tool');
  }
  return r.stdout;
}

/** The syslinux files Debian installs (syslinux-common). */
export const SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin';
