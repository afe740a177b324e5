// `vmdesk vm console NAME`: the VM's serial console on stdin/stdout. Prints what the guest
// wrote since power-on, then follows it live; what is typed goes to the guest. Ctrl-]
// detaches; the command also ends when the VM powers off.
import { base64ToBytes, bytesToBase64, type ApiEventMessage } from '../../api';
import { defineCommand } from '../command';
import { CONNECT_OPTIONS, findVm, onePositional, unwrap, withHost } from './vm-common';

const DETACH = 0x1d; // Ctrl-]

export const vmConsoleCommand = defineCommand({
  name: ['vm', 'console'],
  summary: "attach to a virtual machine's serial console (Ctrl-] detaches)",
  usage: 'NAME',
  options: CONNECT_OPTIONS,
  async run({ options, positionals }, io) {
    const name = onePositional(positionals, 'vm console');
    return withHost(options, io, async (client) => {
      const vm = await findVm(client, name);
      const topic = `console:${vm.id}` as const;
      let next = 0;
      const write = (offset: number, data: string): void => {
        const bytes = base64ToBytes(data) ?? new Uint8Array();
        const skip = Math.max(0, next - offset);
        if (skip < bytes.length) io.stdout.write(bytes.subarray(skip));
        next = Math.max(next, offset + bytes.length);
      };
      let finish: (code: number) => void = () => {};
      const finished = new Promise<number>((resolve) => (finish = resolve));
      const off = client.onEvent((m: ApiEventMessage) => {
        if (m.event === 'vm.console' && m.data.id === vm.id) write(m.data.offset, m.data.data);
        if (m.event === 'inventory.changed') {
          const now = m.data.hosts.flatMap((h) => h.vms).find((v) => v.id === vm.id);
          if (!now || now.powerState === 'poweredOff') {
            io.stderr.write(`\r\nvm console: ${vm.name} is powered off\r\n`);
            finish(0);
          }
        }
      });
      unwrap(await client.call('events.subscribe', { topics: [topic] }));
      const history = unwrap(await client.call('vm.console', { id: vm.id }));
      write(history.offset, history.data);
      if (history.powerState !== 'poweredOn') {
        off();
        io.stderr.write(`vm console: ${vm.name} is powered off${history.end > 0 ? ' (above: its output since the last power-on)' : ''}\n`);
        return 0;
      }
      io.stderr.write(`vm console: attached to ${vm.name}; Ctrl-] detaches\r\n`);
      const stdin = io.stdin as NodeJS.ReadStream;
      const raw = Boolean(stdin.isTTY && stdin.setRawMode);
      if (raw) stdin.setRawMode(true);
      const onData = (d: Buffer): void => {
        const at = d.indexOf(DETACH);
        const send = at >= 0 ? d.subarray(0, at) : d;
        if (send.length > 0) void client.call('vm.consoleInput', { id: vm.id, data: bytesToBase64(send) });
        if (at >= 0) {
          io.stderr.write('\r\nvm console: detached\r\n');
          finish(0);
        }
      };
      stdin.on('data', onData);
      stdin.once('end', () => finish(0));
      stdin.resume();
      const code = await finished;
      stdin.off('data', onData);
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      off();
      return code;
    });
  },
});
