// `vmdesk disk check`: consistency check of a VMDK (exit 1 when it found errors).
import { UsageError } from '../../common';
import { defineCommand } from '../command';

export const diskCheck = defineCommand({
  name: ['disk', 'check'],
  summary: 'check a disk image for errors',
  usage: 'FILE',
  options: {},
  async run({ positionals }, io) {
    const { checkVmdk, detectFormat } = await import('../../storage');
    if (positionals.length !== 1) throw new UsageError('disk check: give exactly one FILE');
    const file = positionals[0]!;
    if (detectFormat(file) === 'raw') {
      io.stdout.write(`${file}: raw image, nothing to check\n`);
      return 0;
    }
    const r = checkVmdk(file);
    for (const e of r.errors) io.stderr.write(`error: ${e}\n`);
    for (const w of r.warnings) io.stdout.write(`warning: ${w}\n`);
    if (r.leakedSectors > 0) io.stdout.write(`${file}: ${r.leakedSectors * 512} bytes leaked at the end of the file (an interrupted write; harmless)\n`);
    if (r.errors.length > 0) {
      io.stderr.write(`${file}: ${r.errors.length} error(s) found\n`);
      return 1;
    }
    io.stdout.write(`${file}: no errors found (${r.allocatedGrains} grains allocated)\n`);
    return 0;
  },
});
