// `vmdesk vm rename NAME NEW` and `vmdesk vm reconfigure NAME --memory MB …` (Edit Settings).
import type { BootDevice, VmReconfigureSpec } from '../../api';
import { UsageError } from '../../common';
import { defineCommand } from '../command';
import { CONNECT_OPTIONS, findVm, unwrap, withHost } from './vm-common';

export const vmRenameCommand = defineCommand({
  name: ['vm', 'rename'],
  summary: 'rename a virtual machine (its display name; folder and files keep theirs)',
  usage: 'NAME NEW-NAME',
  options: CONNECT_OPTIONS,
  async run({ options, positionals }, io) {
    if (positionals.length !== 2) throw new UsageError('vm rename: give NAME and NEW-NAME');
    const [name, next] = positionals as [string, string];
    await withHost(options, io, async (client) => {
      const vm = await findVm(client, name);
      const renamed = unwrap(await client.call('vm.rename', { id: vm.id, name: next }));
      io.stdout.write(`vm ${vm.name}: renamed to ${renamed.name}\n`);
    });
    return 0;
  },
});

export const vmReconfigureCommand = defineCommand({
  name: ['vm', 'reconfigure'],
  summary: "change a powered-off virtual machine's settings",
  usage: 'NAME [--memory MB] [--cpus N] [--cdrom ISO|none] [--kernel F [--initrd F] [--append S]] [--boot disk|cdrom|kernel] [--shares N]',
  options: {
    ...CONNECT_OPTIONS,
    memory: { kind: 'number', value: 'MB', description: 'guest memory in MiB' },
    cpus: { kind: 'number', value: 'N', description: 'virtual CPUs' },
    cdrom: { kind: 'string', value: 'ISO', description: 'CD-ROM image, or "none" to remove the drive' },
    kernel: { kind: 'string', value: 'F', description: 'boot this Linux kernel directly' },
    initrd: { kind: 'string', value: 'F', description: 'initial ramdisk for --kernel' },
    append: { kind: 'string', value: 'S', description: 'kernel command line for --kernel' },
    boot: { kind: 'string', value: 'DEV', description: 'boot from disk, cdrom or kernel' },
    shares: { kind: 'number', value: 'N', description: 'CPU shares (1000 per vCPU is normal)' },
  },
  async run({ options, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('vm reconfigure: give one NAME');
    if ((options.initrd || options.append !== undefined) && !options.kernel) throw new UsageError('vm reconfigure: --initrd and --append go with --kernel');
    await withHost(options, io, async (client) => {
      const vm = await findVm(client, positionals[0]!);
      const spec: VmReconfigureSpec = {
        id: vm.id,
        ...(options.memory !== undefined ? { memoryMB: options.memory } : {}),
        ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
        ...(options.shares !== undefined ? { cpuShares: options.shares } : {}),
        ...(options.cdrom !== undefined ? { cdrom: options.cdrom === 'none' ? null : options.cdrom } : {}),
        ...(options.kernel ? { kernel: { kernel: options.kernel, ...(options.initrd ? { initrd: options.initrd } : {}), ...(options.append !== undefined ? { append: options.append } : {}) } } : {}),
        ...(options.boot ? { boot: options.boot as BootDevice } : {}),
      };
      if (Object.keys(spec).length === 1) throw new UsageError('vm reconfigure: nothing to change (see `vmdesk vm reconfigure --help`)');
      const after = unwrap(await client.call('vm.reconfigure', spec));
      const h = after.hardware;
      io.stdout.write(`vm ${after.name}: reconfigured${h ? ` (${h.memoryMB} MB, ${h.cpus} vCPU, boot from ${h.boot})` : ''}\n`);
    });
    return 0;
  },
});
