// `vmdesk disk grow`: enlarge a base disk (like vmkfstools -X).
import { UsageError } from '../../common';
import { defineCommand } from '../command';

export const diskGrow = defineCommand({
  name: ['disk', 'grow'],
  summary: 'enlarge a VMDK disk',
  usage: '--size SIZE FILE.vmdk',
  options: {
    size: { kind: 'string', short: 's', value: 'SIZE', description: 'new virtual size, e.g. 20G' },
  },
  async run({ options, positionals }, io) {
    const { formatSize, growVmdk, parseSize, withDiskLocks } = await import('../../storage');
    if (positionals.length !== 1) throw new UsageError('disk grow: give exactly one FILE.vmdk');
    if (!options.size) throw new UsageError('disk grow: --size is required');
    const bytes = parseSize(options.size, 'disk grow: --size');
    await withDiskLocks([positionals[0]!], () => growVmdk(positionals[0]!, bytes));
    io.stdout.write(`${positionals[0]}: grown to ${formatSize(bytes)}\n`);
    return 0;
  },
});
