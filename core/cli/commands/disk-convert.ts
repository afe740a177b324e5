// `vmdesk disk convert`: any image we read (format detected) to VMDK or raw.
import { UsageError } from '../../common';
import { defineCommand } from '../command';
import { createProgress } from '../progress';

export const diskConvert = defineCommand({
  name: ['disk', 'convert'],
  summary: 'convert a disk image to VMDK or raw',
  usage: '[-O vmdk|raw] [--subformat S] [-t thin|thick|eagerzeroedthick] SRC DST',
  options: {
    output: { kind: 'string', short: 'O', value: 'FORMAT', description: 'vmdk (default) or raw' },
    subformat: { kind: 'string', value: 'S', description: 'monolithicSparse (default), monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat, vmfs, streamOptimized' },
    type: { kind: 'string', short: 't', value: 'TYPE', description: 'provisioning of the new disk (default thin)' },
    force: { kind: 'boolean', short: 'f', description: 'overwrite DST if it exists' },
  },
  async run({ options, positionals }, io) {
    const { convertImage, provisioningOf, subformatOf } = await import('../../storage');
    if (positionals.length !== 2) throw new UsageError('disk convert: give SRC and DST');
    const format = options.output ?? 'vmdk';
    if (format !== 'vmdk' && format !== 'raw') throw new UsageError(`disk convert: -O ${format}: only vmdk and raw can be written`);
    if (format === 'raw' && options.subformat) throw new UsageError('disk convert: --subformat applies to -O vmdk only');
    const [src, dst] = positionals as [string, string];
    const progress = createProgress(io, 'convert');
    await convertImage(src, dst, {
      format,
      subformat: options.subformat ? subformatOf(options.subformat) : undefined,
      provisioning: options.type ? provisioningOf(options.type) : undefined,
      overwrite: options.force,
      progress: (done, total) => progress.update(done, total),
    });
    progress.finish(`${src} -> ${dst} done`);
    return 0;
  },
});
