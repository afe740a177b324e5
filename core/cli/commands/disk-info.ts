// `vmdesk disk info`: format, sizes, create type, snapshot chain and descriptor fields.
import { UsageError } from '../../common';
import { defineCommand } from '../command';

export const diskInfoCommand = defineCommand({
  name: ['disk', 'info'],
  summary: 'show what a disk image is and holds',
  usage: '[--json] FILE',
  options: {
    json: { kind: 'boolean', description: 'print JSON instead of text' },
  },
  async run({ options, positionals }, io) {
    const { diskInfo, formatSize } = await import('../../storage');
    if (positionals.length !== 1) throw new UsageError('disk info: give exactly one FILE');
    const info = diskInfo(positionals[0]!);
    if (options.json) {
      io.stdout.write(JSON.stringify(info, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `image: ${info.file}`,
      `file format: ${info.format}`,
      `virtual size: ${formatSize(info.virtualSize)} (${info.virtualSize} bytes)`,
      `disk size: ${formatSize(info.diskSize)}`,
      `allocated: ${formatSize(info.allocatedBytes)}`,
    ];
    if (info.createType) lines.push(`create type: ${info.createType}`, `provisioning: ${info.provisioning}`, `CID: ${info.cid}`, `parentCID: ${info.parentCid}`);
    if (info.sparse) lines.push(`sparse: version ${info.sparse.version}, grain ${info.sparse.grainSize * 512} bytes${info.sparse.compressed ? ', deflate-compressed' : ''}`);
    if (info.chain) lines.push(`backing chain: ${info.chain.join(' -> ')}`);
    for (const e of info.extents ?? []) lines.push(`extent: ${e.access} ${e.sectors} ${e.type}${e.file ? ` "${e.file}"` : ''}${e.offset ? ` ${e.offset}` : ''}`);
    for (const [k, v] of Object.entries(info.ddb ?? {})) lines.push(`${k} = "${v}"`);
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
});
