// Connects a VM's COM1 to where `vmdesk run --serial` says: this terminal (raw when it is
// one, Ctrl-A X quits as in QEMU), a TCP port on loopback, or a file (output only).
import fs from 'node:fs';
import net from 'node:net';
import { type Disposable, DisposableStore, UsageError, toDisposable } from '../common';
import type { CommandIo } from './command';

export type SerialTarget = { kind: 'stdio' } | { kind: 'tcp'; port: number } | { kind: 'file'; path: string };

export function parseSerialTarget(text: string, command: string): SerialTarget {
  if (text === 'stdio') return { kind: 'stdio' };
  const tcp = /^tcp:(\d{1,5})$/.exec(text);
  if (tcp && Number(tcp[1]) <= 65535) return { kind: 'tcp', port: Number(tcp[1]) };
  if (text.startsWith('file:') && text.length > 5) return { kind: 'file', path: text.slice(5) };
  throw new UsageError(`${command}: --serial "${text}" is not stdio, tcp:PORT or file:PATH`);
}

export interface SerialEnds {
  /** Bytes the guest sent. */
  output(bytes: Uint8Array): void;
}

const CTRL_A = 0x01;

/** Wire the target up. `input` receives bytes for the guest; `quit` is the user's Ctrl-A X. */
export async function openSerialConsole(
  target: SerialTarget,
  io: CommandIo,
  input: (bytes: Uint8Array) => void,
  quit: () => void,
): Promise<SerialEnds & Disposable> {
  const store = new DisposableStore();
  if (target.kind === 'file') {
    const fd = fs.openSync(target.path, 'a');
    store.add(toDisposable(() => fs.closeSync(fd)));
    return { output: (b) => void fs.writeSync(fd, b), dispose: () => store.dispose() };
  }
  if (target.kind === 'tcp') {
    let client: net.Socket | undefined;
    const server = net.createServer((socket) => {
      if (client) {
        socket.end('vmdesk: the serial console already has a client\r\n');
        return;
      }
      client = socket;
      socket.on('data', (d) => input(new Uint8Array(d)));
      socket.on('close', () => (client = undefined));
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new UsageError(`run: cannot listen on 127.0.0.1:${target.port} for the serial console: ${err.message}`)));
      server.listen(target.port, '127.0.0.1', () => resolve());
    });
    io.stderr.write(`vmdesk: serial console on tcp 127.0.0.1:${(server.address() as net.AddressInfo).port}\n`);
    store.add(toDisposable(() => {
      client?.destroy();
      server.close();
    }));
    return { output: (b) => void client?.write(b), dispose: () => store.dispose() };
  }
  const stdin = io.stdin as NodeJS.ReadStream;
  if (stdin.isTTY) {
    stdin.setRawMode(true);
    store.add(toDisposable(() => stdin.setRawMode(false)));
    io.stderr.write('vmdesk: serial console on this terminal; Ctrl-A X quits\r\n');
  }
  let escape = false;
  const onData = (d: Buffer): void => {
    if (!stdin.isTTY) return input(new Uint8Array(d));
    for (const byte of d) {
      if (escape) {
        escape = false;
        if (byte === 0x78 || byte === 0x58) return quit();
        input(new Uint8Array(byte === CTRL_A ? [CTRL_A] : [CTRL_A, byte]));
      } else if (byte === CTRL_A) escape = true;
      else input(new Uint8Array([byte]));
    }
  };
  stdin.on('data', onData);
  stdin.resume();
  store.add(toDisposable(() => {
    stdin.off('data', onData);
    stdin.pause();
  }));
  return { output: (b) => void io.stdout.write(b), dispose: () => store.dispose() };
}
