// `vmdesk vm power-on|power-off|reset|shutdown|unregister|delete NAME`: one call on one VM.
import type { ApiMethod } from '../../api';
import { defineCommand, type Command } from '../command';
import { CONNECT_OPTIONS, findVm, onePositional, unwrap, withHost } from './vm-common';

type VmAction = Extract<ApiMethod, 'vm.powerOn' | 'vm.powerOff' | 'vm.reset' | 'vm.shutdown' | 'vm.unregister' | 'vm.delete'>;

function vmActionCommand(word: string, method: VmAction, summary: string, done: string): Command {
  return defineCommand({
    name: ['vm', word],
    summary,
    usage: 'NAME',
    options: CONNECT_OPTIONS,
    async run({ options, positionals }, io) {
      const name = onePositional(positionals, `vm ${word}`);
      await withHost(options, io, async (client) => {
        const vm = await findVm(client, name);
        unwrap(await client.call(method, { id: vm.id }));
        io.stdout.write(`vm ${vm.name}: ${done}\n`);
      });
      return 0;
    },
  }) as unknown as Command;
}

export const vmPowerCommands: readonly Command[] = [
  vmActionCommand('power-on', 'vm.powerOn', 'power a virtual machine on', 'powered on'),
  vmActionCommand('power-off', 'vm.powerOff', 'power a virtual machine off (hard)', 'powered off'),
  vmActionCommand('reset', 'vm.reset', 'reset a virtual machine (hard)', 'reset'),
  vmActionCommand('shutdown', 'vm.shutdown', "ask the guest to shut down (ACPI power button)", 'guest shutdown requested'),
  vmActionCommand('unregister', 'vm.unregister', 'remove a virtual machine from the inventory, keeping its files', 'unregistered (its files stay)'),
  vmActionCommand('delete', 'vm.delete', 'delete a virtual machine and its files', 'deleted with its files'),
];
