// RFB over plain TCP, for any VNC client (`vmdesk run --vnc PORT`). Loopback clients may
// connect without a password when the VM has none; anyone else needs VNC Authentication.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { VmdeskError, createLogger } from '../../common';
import type { ConsoleDisplay } from '../../vmm/console';
import { hubFor } from './display-hub';
import { RfbConnection } from './rfb-connection';

const log = createLogger('rfb');

export interface RfbTcpServerOptions {
  readonly display: ConsoleDisplay;
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
}

export interface RunningRfbServer {
  readonly port: number;
  readonly host: string;
  readonly clients: number;
  close(): Promise<void>;
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

export async function startRfbTcpServer(options: RfbTcpServerOptions): Promise<RunningRfbServer> {
  const hub = hubFor(options.display);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const allowNone = isLoopbackAddress(socket.remoteAddress);
    const connection = new RfbConnection(
      options.display,
      {
        send: (data) => {
          if (!socket.destroyed) socket.write(data);
        },
        get buffered() {
          return socket.writableLength;
        },
        close: () => socket.end(),
      },
      { ...(options.display.password ? { password: options.display.password } : {}), allowNone },
      peer,
    );
    hub.add(connection);
    socket.on('data', (chunk: Buffer) => connection.receive(chunk));
    socket.on('drain', () => connection.pump());
    socket.on('error', (err) => log.debug(`${peer}: ${err.message}`));
    socket.on('close', () => {
      sockets.delete(socket);
      connection.end();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new VmdeskError('unavailable', `vnc: cannot listen on ${host}:${options.port}: ${why}`));
    });
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host,
    get clients() {
      return hub.clientCount;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
