// A running Linux machine to a VM: receive its tree from the agent, reconfigure it for our
// hardware, build the disk (MBR, syslinux boot partition, ext4 root by UUID) and write it as
// the VM's VMDK — all in the staging folder, so a failed clone leaves nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConverterError, checkCancelled } from '../errors';
import type { ConvertOptions, ConvertResult } from '../convert';
import { inStaging, vmNameOf } from '../convert';
import { diskFileName } from '../disk-conversion';
import { writeVmdkFrom } from '../disk/write-disk';
import { ProgressTracker } from '../progress';
import { chooseHardware, writeVmx } from '../vm-folder';
import { buildDisk, newRootUuid } from './disk-builder';
import { receiveTree, type ReceiveOptions } from './receiver';
import { reconfigureTree } from './reconfigure';

export interface HotCloneOptions extends ConvertOptions {
  readonly token: string;
  /** Disk size at least this (default: what the tree needs plus headroom). */
  readonly minDiskBytes?: number;
  readonly onConnection?: ReceiveOptions['onConnection'];
  /** Extra kernel parameters for the new boot loader's APPEND line (one line). */
  readonly kernelArgs?: string;
}

export function isAgentSource(source: string): boolean {
  return source.startsWith('agent://');
}

export function parseAgentSource(source: string): { host: string; port: number } {
  const m = /^agent:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(source);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new ConverterError(`convert: "${source}" is not agent://HOST:PORT`, 'usage');
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

export async function hotCloneToVm(source: string, o: HotCloneOptions): Promise<ConvertResult> {
  const { host, port } = parseAgentSource(source);
  const name = vmNameOf(o.to);
  chooseHardware({}, { memoryMB: o.memoryMB, cpus: o.cpus }, []);
  const kernelArgs = o.kernelArgs ?? '';
  if (/[\r\n]/.test(kernelArgs)) throw new ConverterError('convert: --kernel-args must be one line', 'usage');
  const notes: string[] = [];
  return inStaging(o.to, async (staging) => {
    const tree = staging.scratch('tree');
    fs.mkdirSync(tree);
    // Weights: receiving ~ 60%, building ~ 10%, writing the disk ~ 30%.
    const tracker = new ProgressTracker(100, o.progress);
    const recv = tracker.step(`receive from ${host}:${port}`, 60);
    const got = await receiveTree({ host, port, token: o.token, into: tree, progress: recv, signal: o.signal, onConnection: o.onConnection });
    if (got.reconnects) notes.push(`transfer: resumed after ${got.reconnects} dropped connection(s)`);
    checkCancelled(o.signal, source);
    const build = tracker.step('build disk (sfdisk, mke2fs, syslinux)', 10);
    const uuid = newRootUuid();
    const boot = reconfigureTree(tree, uuid, notes, kernelArgs);
    const disk = buildDisk(tree, got.entries, boot, uuid, (n) => staging.scratch(n), notes, o.minDiskBytes, kernelArgs);
    build(1, 1);
    const file = diskFileName(name, 0);
    try {
      await writeVmdkFrom(disk.source, staging.file(file), { type: o.diskType ?? 'thin', sync: o.sync ?? false }, tracker.step('write disk', 30), o.signal);
    } finally {
      disk.source.dispose();
    }
    notes.push(`disk: root file system UUID ${uuid}`);
    const hardware = chooseHardware({ guestOS: 'other26xlinux' }, { memoryMB: o.memoryMB, cpus: o.cpus }, notes);
    writeVmx(staging.file(`${name}.vmx`), name, hardware, [file]);
    tracker.finish();
    const folder = path.resolve(o.to);
    return { name, folder, vmxFile: path.join(folder, `${name}.vmx`), sourceKind: 'hot-clone', disks: [file], hardware, notes };
  });
}
