// Test helpers of the converter: a small bootable-shaped raw disk made with the real tools
// (sfdisk + mke2fs -d), reading files back out of an ext2/4 partition with debugfs, and
// checking that a failed conversion left nothing next to its target.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export { qemuCompare, qemuImg, qemuInfo, tempDir } from '../storage/helpers';

/** A raw disk with a DOS partition table and one ext2 partition at 1 MiB holding a few files. */
export function makeRawDisk(dir: string, sizeMiB = 48): { disk: string; tree: string; partitionOffset: number } {
  const tree = path.join(dir, 'fs-tree');
  fs.mkdirSync(path.join(tree, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'etc', 'hostname'), 'source-machine\n');
  fs.writeFileSync(path.join(tree, 'etc', 'motd'), 'converted by vmdesk\n');
  const big = Buffer.alloc(3 << 20);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  fs.writeFileSync(path.join(tree, 'bin', 'payload'), big);
  const disk = path.join(dir, 'source.raw');
  fs.closeSync(fs.openSync(disk, 'w'));
  fs.truncateSync(disk, sizeMiB << 20);
  execFileSync('sfdisk', ['--quiet', disk], { input: 'label: dos\nstart=2048, type=83, bootable\n' });
  execFileSync('mke2fs', ['-q', '-F', '-t', 'ext2', '-d', tree, '-E', `offset=${1 << 20}`, disk, `${(sizeMiB - 1) * 1024}k`]);
  return { disk, tree, partitionOffset: 1 << 20 };
}

export function debugfs(image: string, offset: number, command: string): string {
  const r = spawnSync('debugfs', ['-R', command, `${image}?offset=${offset}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`debugfs ${command}: ${r.stderr}`);
  return r.stdout;
}

/** Names in a folder of the file system, as `debugfs -R "ls -p"` lists them. */
export function listDir(image: string, offset: number, dir: string): string[] {
  return debugfs(image, offset, `ls -p ${dir}`)
    .split('\n')
    .filter((l) => l.startsWith('/'))
    .map((l) => l.split('/')[5]!)
    .filter((n) => n !== '.' && n !== '..' && n !== 'lost+found');
}

export function dumpFile(image: string, offset: number, file: string, out: string): Buffer {
  debugfs(image, offset, `dump ${file} ${out}`);
  return fs.readFileSync(out);
}

/** Everything in `parent` whose name mentions `name` (the VM folder or a staging folder). */
export function leftovers(parent: string, name: string): string[] {
  return fs.readdirSync(parent).filter((n) => n.includes(name));
}

/** Converts a VMDK to raw with qemu-img (the oracle), to read it with debugfs/mtools. */
export function toRaw(vmdk: string, raw: string): void {
  execFileSync('qemu-img', ['convert', '-O', 'raw', vmdk, raw]);
}
