// `vmdesk export VM --ova F`: a VM (its .vmx or folder, or its name on a host) as an OVA with
// streamOptimized disks and a SHA256 manifest.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, VmdeskError } from '../../common';
import { exportOva } from '../../converter';
import { defineCommand } from '../command';
import { cancellable, conversionReporter } from './convert-progress';
import { CONNECT_OPTIONS } from '../connect-options';

function vmxIn(p: string): string | undefined {
  if (p.toLowerCase().endsWith('.vmx') && fs.existsSync(p)) return p;
  if (fs.existsSync(p) && fs.statSync(p).isDirectory()) {
    const v = fs.readdirSync(p).filter((f) => f.toLowerCase().endsWith('.vmx'));
    if (v.length === 1) return path.join(p, v[0]!);
  }
  return undefined;
}

export const exportCommand = defineCommand({
  name: ['export'],
  summary: 'export a VM as an OVA (OVF envelope, streamOptimized disks, SHA256 manifest)',
  usage: 'VM --ova F [--server URL]',
  options: { ova: { kind: 'string', value: 'F', description: 'the .ova file to write (must not exist)' }, ...CONNECT_OPTIONS },
  details: 'VM is a .vmx file, a VM folder, or the name of a VM registered on the host (it should be powered off).',
  async run({ options, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('export: give one VM');
    if (!options.ova) throw new UsageError('export: --ova F is required');
    const ova = options.ova;
    if (!ova.toLowerCase().endsWith('.ova')) throw new UsageError(`export: ${ova}: the file name should end in .ova`);
    const what = positionals[0]!;
    let vmx = options.server ? undefined : vmxIn(path.resolve(what));
    if (!vmx) {
      const { findVm, unwrap, withHost } = await import('./vm-common');
      vmx = await withHost(options, io, async (client) => {
        const vm = await findVm(client, what);
        const m = /^\[([^\]]+)\]\s*(.*)$/.exec(vm.vmxPath);
        const tree = unwrap(await client.call('inventory.tree', {}));
        const ds = tree.hosts.flatMap((h) => h.datastores).find((d) => d.name === m?.[1]);
        const p = ds && m ? path.join(ds.path, m[2]!) : undefined;
        if (!p || !fs.existsSync(p)) throw new VmdeskError('unavailable', `export: ${vm.vmxPath} is not reachable from this machine`);
        if (vm.powerState !== 'poweredOff') throw new VmdeskError('conflict', `export: vm ${vm.name} is ${vm.powerState}; power it off first`);
        return p;
      });
    }
    const rep = conversionReporter(io, 'export');
    try {
      const r = await cancellable((signal) => exportOva(vmx!, ova, { progress: rep.listener, signal }));
      io.stdout.write(`export: ${vmx} -> ${r.ova} (${r.disks} disk(s))\n`);
    } finally {
      rep.done();
    }
    return 0;
  },
});
