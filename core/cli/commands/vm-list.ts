// `vmdesk vm list [--json]`: the host's VMs, as a table or as JSON (VmInfo[]).
import { UsageError } from '../../common';
import { defineCommand } from '../command';
import { CONNECT_OPTIONS, unwrap, withHost } from './vm-common';

export const vmListCommand = defineCommand({
  name: ['vm', 'list'],
  summary: 'list the virtual machines of a host',
  usage: '[--json] [--server URL]',
  options: { json: { kind: 'boolean', description: 'print VmInfo objects as JSON' }, ...CONNECT_OPTIONS },
  async run({ options, positionals }, io) {
    if (positionals.length > 0) throw new UsageError(`vm list: unexpected argument "${positionals[0]}"`);
    const vms = await withHost(options, io, async (client) => unwrap(await client.call('vm.list', {})));
    if (options.json) {
      io.stdout.write(JSON.stringify(vms, null, 2) + '\n');
      return 0;
    }
    if (vms.length === 0) {
      io.stdout.write('no virtual machines\n');
      return 0;
    }
    const rows = vms.map((v) => [v.id, v.name, v.powerState, v.hardware ? `${v.hardware.memoryMB} MB` : '-', v.hardware ? String(v.hardware.cpus) : '-', v.problem ? `${v.vmxPath} (${v.problem})` : v.vmxPath]);
    const head = ['ID', 'NAME', 'STATE', 'MEMORY', 'CPUS', 'VMX'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [head, ...rows]) io.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ') + '\n');
    return 0;
  },
});
