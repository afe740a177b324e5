// `vmdesk serve`'s network face: the web UI over HTTP(S) and the API over WebSocket on
// one port. With `auth` every request but the login page needs a session cookie, and with
// `tls` it is HTTPS (the CLI gives both whenever the address is not loopback).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ApiEventMessage } from '../api';
import { DisposableStore, type Event, VmdeskError } from '../common';
import type { AuthGate } from './auth';
import type { ApiHandlers } from './handlers';
import { type ConsoleDisplays, attachVncBridge, isVncPath } from './rfb';
import { serveStatic } from './static-files';
import { attachWsTransport } from './ws-transport';

export interface WebServerOptions {
  readonly host: string;
  readonly port: number;
  readonly rendererDir: string;
  readonly handlers: ApiHandlers;
  readonly events: Event<ApiEventMessage>;
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly auth?: AuthGate;
  /** The running VMs' screens, served to noVNC at /vm/<id>/vnc. */
  readonly displays?: ConsoleDisplays;
}

export interface RunningWebServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startWebServer(options: WebServerOptions): Promise<RunningWebServer> {
  const store = new DisposableStore();
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (options.tls) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    if (options.auth?.handle(req, res)) return;
    serveStatic(options.rendererDir, req, res);
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest) : http.createServer(onRequest);
  const displays = options.displays;
  store.add(attachWsTransport({ server, handlers: options.handlers, events: options.events, auth: options.auth, ...(displays ? { otherRoute: isVncPath } : {}) }));
  if (displays) store.add(attachVncBridge({ server, displays, ...(options.auth ? { auth: options.auth } : {}) }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : err.message;
      reject(new VmdeskError('unavailable', `serve: cannot listen on ${options.host}:${options.port}: ${why}`));
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        store.dispose();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
