// `vmdesk disk snapshot|consolidate|revert`: delta disks over a parent (snapshot chains).
import { UsageError } from '../../common';
import * as path from 'node:path';
import { defineCommand } from '../command';
import { createProgress } from '../progress';

/** The parent named by a delta's descriptor (to lock it too), if any. */
async function parentOf(file: string): Promise<string[]> {
  const { VmdkDisk } = await import('../../storage');
  const d = VmdkDisk.open(file, { readOnly: true, noParent: true });
  try {
    const hint = d.descriptor.parentFileNameHint;
    return hint && d.descriptor.parentCid !== 0xffffffff ? [path.resolve(path.dirname(file), hint)] : [];
  } finally {
    d.dispose();
  }
}

export const diskSnapshot = defineCommand({
  name: ['disk', 'snapshot'],
  summary: 'freeze a disk under a new delta disk (prints the delta to use from now on)',
  usage: '[--subformat monolithicSparse|vmfsSparse] [--delta FILE] FILE.vmdk',
  options: {
    subformat: { kind: 'string', value: 'S', description: 'delta format (default: vmfsSparse over vmfs disks, else monolithicSparse)' },
    delta: { kind: 'string', value: 'FILE', description: 'name of the delta (default NAME-00000N.vmdk)' },
  },
  async run({ options, positionals }, io) {
    const { createSnapshot, withDiskLocks } = await import('../../storage');
    if (positionals.length !== 1) throw new UsageError('disk snapshot: give exactly one FILE.vmdk');
    const s = options.subformat;
    if (s !== undefined && s !== 'monolithicSparse' && s !== 'vmfsSparse') throw new UsageError(`disk snapshot: --subformat ${s}: deltas are monolithicSparse or vmfsSparse`);
    const disk = positionals[0]!;
    const delta = await withDiskLocks([disk], () => createSnapshot(disk, { subformat: s, delta: options.delta }));
    io.stdout.write(delta + '\n');
    return 0;
  },
});

export const diskConsolidate = defineCommand({
  name: ['disk', 'consolidate'],
  summary: "merge a delta disk into its parent and delete the delta (prints the parent)",
  usage: 'DELTA.vmdk',
  options: {},
  async run({ positionals }, io) {
    const { consolidate, withDiskLocks } = await import('../../storage');
    if (positionals.length !== 1) throw new UsageError('disk consolidate: give exactly one DELTA.vmdk');
    const progress = createProgress(io, 'consolidate');
    const delta = positionals[0]!;
    const parent = await withDiskLocks([delta, ...(await parentOf(delta))], (heartbeat) =>
      consolidate(delta, (d, t) => {
        heartbeat();
        progress.update(d, t);
      }),
    );
    progress.finish();
    io.stdout.write(parent + '\n');
    return 0;
  },
});

export const diskRevert = defineCommand({
  name: ['disk', 'revert'],
  summary: 'throw away the changes in a delta disk (empties it, or deletes it with --delete)',
  usage: '[--delete] DELTA.vmdk',
  options: {
    delete: { kind: 'boolean', description: 'remove the delta; the parent becomes the disk to use' },
  },
  async run({ options, positionals }, io) {
    const { revert, withDiskLocks } = await import('../../storage');
    if (positionals.length !== 1) throw new UsageError('disk revert: give exactly one DELTA.vmdk');
    const delta = positionals[0]!;
    io.stdout.write((await withDiskLocks([delta], () => revert(delta, options.delete))) + '\n');
    return 0;
  },
});
