// `vmdesk convert SOURCE --to DIR` (a VM folder here) or `--server URL --datastore DS --name
// NAME` (onto a host's datastore, then registered there). SOURCE: a disk image, a block device,
// a qcow2/VDI/VHD/VHDX image, a VMware .vmx folder, an .ovf/.ova, or agent://HOST:PORT (a
// running Linux machine's `vmdesk converter-agent`, with --token).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApiClient } from '../../api';
import { UsageError, VmdeskError } from '../../common';
import type { ConvertResult, DiskType } from '../../converter';
import { defineCommand } from '../command';
import { cancellable, conversionReporter } from './convert-progress';
import { CONNECT_OPTIONS } from '../connect-options';

function diskTypeOf(v: string | undefined): DiskType {
  if (v === undefined || v === 'thin' || v === 'thick') return v ?? 'thin';
  throw new UsageError(`convert: --disk-type ${v}: thin or thick`);
}

/** The host path of datastore `name`, when this machine can write into it. */
export async function localDatastorePath(client: ApiClient, name: string): Promise<string | undefined> {
  const { unwrap } = await import('./vm-common');
  const tree = unwrap(await client.call('inventory.tree', {}));
  const ds = tree.hosts.flatMap((h) => h.datastores).find((d) => d.name === name);
  if (!ds) throw new VmdeskError('not-found', `convert: the host has no datastore "${name}" (it has: ${tree.hosts.flatMap((h) => h.datastores.map((d) => d.name)).join(', ') || 'none'})`);
  try {
    fs.accessSync(ds.path, fs.constants.W_OK);
    return ds.path;
  } catch {
    return undefined;
  }
}

export const convertCommand = defineCommand({
  name: ['convert'],
  summary: 'convert a physical disk, foreign image, VMware VM, OVF/OVA or running Linux machine into a VM',
  usage: 'SOURCE (--to DIR | --server URL --datastore DS --name NAME) [--memory MB] [--cpus N] [--disk-type thin|thick] [--sync] [--token T] [--kernel-args S]',
  options: {
    to: { kind: 'string', value: 'DIR', description: 'the new VM folder (NAME.vmx and disks; NAME = its basename); must not exist' },
    memory: { kind: 'number', value: 'MB', description: 'guest memory (default: the source\'s, else 256)' },
    cpus: { kind: 'number', value: 'N', description: 'virtual CPUs (default: the source\'s, within vmdesk\'s limit)' },
    'disk-type': { kind: 'string', value: 'T', description: 'thin (default: monolithicSparse) or thick (monolithicFlat, space reserved)' },
    token: { kind: 'string', value: 'T', description: 'the shared secret of an agent:// source (or VMDESK_AGENT_TOKEN)' },
    sync: { kind: 'boolean', description: 'write the disks through to the device (fdatasync) before the VM folder appears' },
    'kernel-args': { kind: 'string', value: 'S', description: 'agent:// only: extra kernel parameters for the new boot loader (e.g. "quiet")' },
    datastore: { kind: 'string', value: 'DS', description: 'with --server: the datastore to convert onto' },
    name: { kind: 'string', value: 'NAME', description: 'with --server: the new VM\'s name' },
    ...CONNECT_OPTIONS,
  },
  details:
    'The disk keeps the source\'s size and content (qemu-img compare says identical); all-zero blocks are not stored. ' +
    'Foreign formats are read with qemu-img (Debian: qemu-utils). A hot clone (agent://) builds a new disk with ' +
    'sfdisk, mke2fs -d and syslinux (Debian: fdisk, e2fsprogs, syslinux, mtools, dosfstools). Nothing is left behind when a conversion fails or is cancelled (Ctrl-C).',
  async run({ options, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('convert: give one SOURCE');
    const source = positionals[0]!;
    const diskType = diskTypeOf(options['disk-type']);
    const common = { memoryMB: options.memory, cpus: options.cpus, diskType };
    const local = { ...common, sync: options.sync === true };
    const token = options.token ?? process.env.VMDESK_AGENT_TOKEN;
    // The converter (storage, OVF, hot clone) loads once there is something to convert.
    const { convertToVm, hotCloneToVm, isAgentSource } = await import('../../converter');
    if (options['kernel-args'] !== undefined && !isAgentSource(source)) throw new UsageError('convert: --kernel-args applies to agent:// sources (a disk conversion keeps the source\'s boot loader as it is)');
    const run = async (to: string): Promise<ConvertResult> => {
      const rep = conversionReporter(io, 'convert');
      try {
        return await cancellable((signal) => {
          const o = { ...local, to, progress: rep.listener, signal };
          if (isAgentSource(source)) {
            if (!token) throw new UsageError('convert: an agent:// source needs --token T (the one the agent was started with)');
            return hotCloneToVm(source, { ...o, token, ...(options['kernel-args'] !== undefined ? { kernelArgs: options['kernel-args'] } : {}) });
          }
          return convertToVm(path.resolve(source), o);
        });
      } finally {
        rep.done();
      }
    };
    const print = (r: ConvertResult): void => {
      for (const n of r.notes) io.stderr.write(`convert: note: ${n}\n`);
      io.stdout.write(`convert: ${source} -> ${r.vmxFile} (${r.disks.length} disk(s), ${r.hardware.memoryMB} MB, ${r.hardware.cpus} CPU)\n`);
    };
    if (options.server || options.datastore || options.name) {
      if (options.to) throw new UsageError('convert: give either --to DIR or --server/--datastore/--name, not both');
      if (!options.datastore || !options.name) throw new UsageError('convert: converting onto a host needs --datastore DS and --name NAME');
      const { datastore, name } = options;
      // The API client (and, without --server, the embedded host) loads only for this path.
      const { unwrap, withHost } = await import('./vm-common');
      return withHost(options, io, async (client) => {
        const dsPath = await localDatastorePath(client, datastore);
        if (!dsPath) {
          if (isAgentSource(source)) throw new UsageError(`convert: datastore ${datastore} is not writable from here; run the hot clone on the host`);
          // The host converts a source it can read itself, as a task.
          const vm = unwrap(await client.call('converter.convert', { source: path.resolve(source), datastore, name, ...common }));
          io.stdout.write(`convert: ${source} -> ${vm.vmxPath} registered as ${vm.id}\n`);
          return 0;
        }
        const r = await run(path.join(dsPath, name));
        print(r);
        try {
          const vm = unwrap(await client.call('vm.register', { path: `[${datastore}] ${name}/${path.basename(r.vmxFile)}` }));
          io.stdout.write(`convert: registered as ${vm.id} (${vm.vmxPath})\n`);
        } catch (err) {
          fs.rmSync(r.folder, { recursive: true, force: true });
          throw err;
        }
        return 0;
      });
    }
    if (!options.to) throw new UsageError('convert: give --to DIR (the new VM folder) or --server URL --datastore DS --name NAME');
    print(await run(options.to));
    return 0;
  },
});
