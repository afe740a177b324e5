// `vmdesk vm create NAME --datastore DS --memory MB …` and `vmdesk vm register PATH.vmx`.
import type { VmCreateSpec, VmInfo } from '../../api';
import { UsageError } from '../../common';
import type { CommandIo } from '../command';
import { defineCommand } from '../command';
import { CONNECT_OPTIONS, onePositional, unwrap, withHost } from './vm-common';

function printVm(io: CommandIo, verb: string, vm: VmInfo): void {
  io.stdout.write(`vm ${vm.name}: ${verb} as ${vm.id} at ${vm.vmxPath}\n`);
}

export const vmCreateCommand = defineCommand({
  name: ['vm', 'create'],
  summary: 'create a virtual machine (folder and .vmx on a datastore)',
  usage: 'NAME --datastore DS --memory MB [--cpus N] [--disk-size G] [--kernel F --initrd F --append S] [--cdrom ISO]',
  options: {
    ...CONNECT_OPTIONS,
    datastore: { kind: 'string', value: 'DS', description: 'datastore to put the VM on' },
    memory: { kind: 'number', value: 'MB', description: 'guest memory in MiB' },
    cpus: { kind: 'number', value: 'N', description: 'virtual CPUs (default 1)' },
    'disk-size': { kind: 'number', value: 'G', description: 'a new virtual disk of G GiB (default: no disk)' },
    provisioning: { kind: 'string', value: 'P', description: 'thin (default), thick or eagerzeroedthick' },
    'guest-os': { kind: 'string', value: 'ID', description: 'VMware guest OS identifier (default other26xlinux)' },
    cdrom: { kind: 'string', value: 'ISO', description: 'CD-ROM image' },
    kernel: { kind: 'string', value: 'F', description: 'boot this Linux kernel directly' },
    initrd: { kind: 'string', value: 'F', description: 'initial ramdisk for --kernel' },
    append: { kind: 'string', value: 'S', description: 'kernel command line for --kernel' },
  },
  details: 'Without --server the VM is made on the embedded host (the vmdesk home). Its disk is a VMDK (NAME.vmdk). Without --kernel it boots its CD-ROM (with --cdrom) or its disk through SeaBIOS.',
  async run({ options, positionals }, io) {
    const name = onePositional(positionals, 'vm create');
    if (options.memory === undefined) throw new UsageError('vm create: --memory MB is required');
    const datastoreName = options.datastore;
    if (!datastoreName) throw new UsageError('vm create: --datastore DS is required');
    if ((options.initrd || options.append !== undefined) && !options.kernel) throw new UsageError('vm create: --initrd and --append go with --kernel');
    const spec: VmCreateSpec = {
      name,
      datastore: datastoreName,
      memoryMB: options.memory,
      ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
      ...(options['guest-os'] ? { guestOS: options['guest-os'] } : {}),
      ...(options['disk-size'] !== undefined ? { disk: { sizeGB: options['disk-size'], ...(options.provisioning ? { provisioning: options.provisioning as 'thin' } : {}) } } : {}),
      ...(options.cdrom ? { cdrom: options.cdrom } : {}),
      ...(options.kernel ? { kernel: { kernel: options.kernel, ...(options.initrd ? { initrd: options.initrd } : {}), ...(options.append !== undefined ? { append: options.append } : {}) } } : {}),
    };
    const vm = await withHost(options, io, async (client) => unwrap(await client.call('vm.create', spec)));
    printVm(io, 'created', vm);
    return 0;
  },
});

export const vmRegisterCommand = defineCommand({
  name: ['vm', 'register'],
  summary: 'add an existing .vmx on a datastore to the inventory',
  usage: 'PATH.vmx | "[DS] dir/NAME.vmx"',
  options: CONNECT_OPTIONS,
  async run({ options, positionals }, io) {
    const where = onePositional(positionals, 'vm register', 'PATH.vmx');
    const vm = await withHost(options, io, async (client) => unwrap(await client.call('vm.register', { path: where })));
    printVm(io, 'registered', vm);
    return 0;
  },
});
