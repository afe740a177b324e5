// `vmdesk disk create`: a new VMDK of any subformat and provisioning (like vmkfstools -c).
// core/storage is loaded when the command runs, so other commands do not pay for it.
import { UsageError } from '../../common';
import type { AdapterType } from '../../storage';
import { defineCommand } from '../command';
import { createProgress } from '../progress';

export const diskCreate = defineCommand({
  name: ['disk', 'create'],
  summary: 'create a VMDK disk',
  usage: '[-t thin|thick|eagerzeroedthick] [--subformat S] --size SIZE FILE.vmdk',
  options: {
    size: { kind: 'string', short: 's', value: 'SIZE', description: 'virtual size, e.g. 10G, 512M (binary units)' },
    type: { kind: 'string', short: 't', value: 'TYPE', description: 'thin (default), thick (lazily zeroed) or eagerzeroedthick' },
    subformat: {
      kind: 'string',
      value: 'S',
      description: 'monolithicSparse (default for thin), monolithicFlat (default for thick), twoGbMaxExtentSparse, twoGbMaxExtentFlat, vmfs, streamOptimized',
    },
    adapter: { kind: 'string', short: 'a', value: 'TYPE', description: 'ddb.adapterType: ide (default), buslogic, lsilogic, legacyESX, pvscsi' },
  },
  async run({ options, positionals }, io) {
    const { ADAPTER_TYPES, createVmdk, formatSize, parseSize, provisioningOf, subformatOf } = await import('../../storage');
    if (positionals.length !== 1) throw new UsageError('disk create: give exactly one FILE.vmdk');
    if (!options.size) throw new UsageError('disk create: --size is required (e.g. --size 10G)');
    const file = positionals[0]!;
    const sizeBytes = parseSize(options.size, 'disk create: --size');
    const provisioning = provisioningOf(options.type ?? 'thin');
    const subformat = options.subformat ? subformatOf(options.subformat) : undefined;
    if (subformat === 'vmfsSparse') throw new UsageError('disk create: vmfsSparse is a delta format; use `vmdesk disk snapshot` on a vmfs disk');
    if (options.adapter && !(ADAPTER_TYPES as readonly string[]).includes(options.adapter)) {
      throw new UsageError(`disk create: unknown adapter type "${options.adapter}" (${ADAPTER_TYPES.join(', ')})`);
    }
    const progress = provisioning === 'eagerzeroedthick' ? createProgress(io, 'zeroing') : undefined;
    const files = createVmdk(file, {
      sizeBytes,
      provisioning,
      subformat,
      adapterType: options.adapter as AdapterType | undefined,
      progress: progress ? (d, t) => progress.update(d, t) : undefined,
    });
    progress?.finish();
    io.stdout.write(`created ${file} (${formatSize(sizeBytes)}, ${subformat ?? (provisioning === 'thin' ? 'monolithicSparse' : 'monolithicFlat')}, ${provisioning})${files.length > 1 ? `: ${files.length} files` : ''}\n`);
    return 0;
  },
});
