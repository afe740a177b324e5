// `vmdesk serve`'s network face: the web UI over HTTP and the API over WebSocket on
// one port. Loopback by default (login and TLS for other addresses come with the host issue).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiEventMessage } from '../api';
import { DisposableStore, type Event, VmdeskError } from '../common';
import type { ApiHandlers } from './handlers';
import { serveStatic } from './static-files';
import { attachWsTransport } from './ws-transport';

export interface WebServerOptions {
  readonly host: string;
  readonly port: number;
  readonly rendererDir: string;
  readonly handlers: ApiHandlers;
  readonly events: Event<ApiEventMessage>;
}

export interface RunningWebServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const store = new DisposableStore();
  const server = http.createServer((req, res) => serveStatic(options.rendererDir, req, res));
  store.add(attachWsTransport({ server, handlers: options.handlers, events: options.events }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new VmdeskError('unavailable', `serve: cannot listen on ${options.host}:${options.port}: ${why}`));
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        store.dispose();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
