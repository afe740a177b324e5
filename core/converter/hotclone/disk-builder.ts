// Building the hot clone's new disk from the received tree:
//   MBR (syslinux's mbr.bin boot code + a DOS partition table made by sfdisk)
//   partition 1: FAT16 "BOOT", active — syslinux (ldlinux.sys) + syslinux.cfg + kernel + initrd
//   partition 2: ext4 "root" — mke2fs -d TREE, then owners, modes, times and device nodes
//                applied with debugfs (so no root rights are needed to clone a root tree)
// Partitions start on 1 MiB boundaries, as fdisk places them.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { ConverterError } from '../errors';
import { ConcatSource } from './concat-source';
import type { EntryMeta } from './protocol';
import { type BootFiles, bootConfig } from './reconfigure';
import { SYSLINUX_MBR, runTool } from './tools';

const MiB = 1 << 20;
const TYPE_BITS: Record<EntryMeta['type'], number> = { dir: 0o040000, file: 0o100000, symlink: 0o120000, char: 0o020000, block: 0o060000, fifo: 0o010000, socket: 0o140000 };

export interface DiskLayout {
  readonly bootStart: number;
  readonly bootSectors: number;
  readonly rootStart: number;
  readonly rootSectors: number;
  readonly totalSectors: number;
}

export function planLayout(treeBytes: number, bootBytes: number, minDiskBytes = 0): DiskLayout {
  const boot = Math.max(32 * MiB, Math.ceil((bootBytes * 1.1 + 4 * MiB) / MiB) * MiB);
  let root = Math.max(64 * MiB, Math.ceil((treeBytes * 1.3 + 32 * MiB) / MiB) * MiB);
  if (MiB + boot + root < minDiskBytes) root = Math.ceil((minDiskBytes - MiB - boot) / MiB) * MiB;
  return { bootStart: 2048, bootSectors: boot / 512, rootStart: 2048 + boot / 512, rootSectors: root / 512, totalSectors: (MiB + boot + root) / 512 };
}

/** debugfs quoting: paths go in double quotes; a path with a quote or newline cannot be named. */
function q(p: string): string | undefined {
  return /["\n\\]/.test(p) ? undefined : `"/${p}"`;
}

export function metadataScript(entries: readonly EntryMeta[], notes: string[]): string {
  const lines: string[] = [];
  let skipped = 0;
  for (const e of entries) {
    const p = q(e.path);
    if (!p) {
      skipped++;
      continue;
    }
    if (e.type === 'char' || e.type === 'block' || e.type === 'fifo') {
      const slash = e.path.lastIndexOf('/');
      lines.push(`cd "/${slash < 0 ? '' : e.path.slice(0, slash)}"`);
      const name = e.path.slice(slash + 1);
      lines.push(e.type === 'fifo' ? `mknod "${name}" p` : `mknod "${name}" ${e.type === 'char' ? 'c' : 'b'} ${e.major ?? 0} ${e.minor ?? 0}`);
      lines.push('cd /');
    } else if (e.type === 'socket') continue; // sockets are recreated by whoever listens
    lines.push(`sif ${p} mode 0${(TYPE_BITS[e.type] | e.mode).toString(8)}`, `sif ${p} uid ${e.uid}`, `sif ${p} gid ${e.gid}`, `sif ${p} mtime ${e.mtime}`);
  }
  if (skipped) notes.push(`metadata: ${skipped} entr${skipped === 1 ? 'y has' : 'ies have'} a quote or newline in the name; kept with default owner and mode`);
  return lines.join('\n') + '\n';
}

export interface BuiltDisk {
  readonly source: ConcatSource;
  readonly rootUuid: string;
  readonly layout: DiskLayout;
}

export function newRootUuid(): string {
  return randomUUID();
}

export function buildDisk(tree: string, entries: readonly EntryMeta[], boot: BootFiles, rootUuid: string, scratch: (n: string) => string, notes: string[], minDiskBytes = 0, extraArgs = ''): BuiltDisk {
  if (!fs.existsSync(SYSLINUX_MBR)) throw new ConverterError(`converter: ${SYSLINUX_MBR} is missing (Debian package syslinux-common)`, 'converter.dependency');
  const treeBytes = entries.reduce((a, e) => a + e.size + 4096, 0);
  const bootBytes = (boot.kernel ? fs.statSync(boot.kernel).size : 0) + (boot.initrd ? fs.statSync(boot.initrd).size : 0);
  const layout = planLayout(treeBytes, bootBytes, minDiskBytes);

  // Partition table: sfdisk on a sparse file the size of the disk; only sector 0 is kept.
  const table = scratch('table.img');
  fs.closeSync(fs.openSync(table, 'w'));
  fs.truncateSync(table, layout.totalSectors * 512);
  runTool('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', table], `label: dos\nstart=${layout.bootStart}, size=${layout.bootSectors}, type=6, bootable\nstart=${layout.rootStart}, size=${layout.rootSectors}, type=83\n`);
  const mbr = Buffer.alloc(512);
  const fd = fs.openSync(table, 'r');
  fs.readSync(fd, mbr, 0, 512, 0);
  fs.closeSync(fd);
  fs.rmSync(table);
  // Boot code (the first 440 bytes; the disk signature and table stay sfdisk's).
  fs.readFileSync(SYSLINUX_MBR).copy(mbr, 0, 0, 440);

  // The boot partition.
  const bootImg = scratch('boot.img');
  fs.closeSync(fs.openSync(bootImg, 'w'));
  fs.truncateSync(bootImg, layout.bootSectors * 512);
  runTool('mkfs.vfat', ['-F', '16', '-n', 'BOOT', '-h', String(layout.bootStart), bootImg]);
  runTool('syslinux', ['--install', bootImg]);
  const cfg = scratch('syslinux.cfg');
  fs.writeFileSync(cfg, bootConfig(rootUuid, Boolean(boot.initrd), extraArgs));
  runTool('mcopy', ['-i', bootImg, cfg, '::/syslinux.cfg']);
  if (boot.kernel) runTool('mcopy', ['-i', bootImg, boot.kernel, '::/vmlinuz']);
  if (boot.initrd) runTool('mcopy', ['-i', bootImg, boot.initrd, '::/initrd.img']);

  // The root file system, then the metadata the local copy could not hold.
  const rootImg = scratch('root.img');
  runTool('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'root', '-U', rootUuid, '-d', tree, '-E', 'root_owner=0:0', rootImg, `${layout.rootSectors / 2}k`]);
  const script = scratch('metadata.debugfs');
  fs.writeFileSync(script, metadataScript(entries, notes));
  runTool('debugfs', ['-w', '-f', script, rootImg]);

  return {
    rootUuid,
    layout,
    source: new ConcatSource(layout.totalSectors, [
      { lba: 0, bytes: mbr },
      { lba: layout.bootStart, file: bootImg },
      { lba: layout.rootStart, file: rootImg },
    ]),
  };
}
