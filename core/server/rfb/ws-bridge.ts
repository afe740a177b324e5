// RFB over WebSocket binary frames on the host's HTTP(S) server, for noVNC: GET
// /vm/<id>/vnc upgrades to one RFB connection to that VM's screen. Same-origin pages only;
// with the host's login the upgrade needs a live session cookie (and logging out closes the
// console), so security type None is offered there — the login already said who it is —
// unless the VM has a console password, which VNC Authentication then asks for.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { type Disposable, type Event, createLogger, toDisposable } from '../../common';
import type { ConsoleDisplay } from '../../vmm/console';
import { type AuthGate, SESSION_COOKIE, readCookie } from '../auth';
import { hubFor } from './display-hub';
import { RfbConnection } from './rfb-connection';
import { isLoopbackAddress } from './tcp-server';

const log = createLogger('rfb');
export const VNC_PATH = /^\/vm\/([A-Za-z0-9._-]+)\/vnc$/;
const MAX_MESSAGE = 1 << 21;

/** The screens of the host's running VMs, by inventory id. */
export interface ConsoleDisplays {
  displayOf(vmId: string): ConsoleDisplay | undefined;
  /** Fires a VM's id when its screen goes away (it powered off): its consoles are closed. */
  readonly onDisplayGone?: Event<string>;
}

export interface VncBridgeOptions {
  readonly server: Server;
  readonly displays: ConsoleDisplays;
  readonly auth?: AuthGate;
}

function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function isVncPath(pathname: string): boolean {
  return VNC_PATH.test(pathname);
}

export function attachVncBridge({ server, displays, auth }: VncBridgeOptions): Disposable {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE, perMessageDeflate: false });
  const byVm = new Map<string, Set<() => void>>();
  const gone = displays.onDisplayGone?.((vmId) => {
    for (const close of [...(byVm.get(vmId) ?? [])]) close();
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = VNC_PATH.exec(url.pathname);
    if (!m) return; // another route's (the API's transport answers the rest)
    const from = req.socket.remoteAddress ?? '?';
    if (!sameOrigin(req)) {
      log.warn(`refused console WebSocket from origin ${req.headers.origin ?? '(none)'}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    if (auth && !auth.userOf(req)) {
      log.warn(`refused console WebSocket without a session from ${from}`);
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    const vmId = m[1]!;
    const display = displays.displayOf(vmId);
    if (!display) {
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nvnc: ${vmId} has no screen (is it powered on?)\n`);
      return;
    }
    const token = auth ? readCookie(req, SESSION_COOKIE) : undefined;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new RfbConnection(
        display,
        {
          send: (data) => {
            if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
          },
          get buffered() {
            return ws.bufferedAmount;
          },
          close: () => ws.close(1000),
        },
        { ...(display.password ? { password: display.password } : {}), allowNone: Boolean(auth) || isLoopbackAddress(req.socket.remoteAddress) },
        `${vmId} ws ${from}`,
      );
      hubFor(display).add(connection);
      let mine = byVm.get(vmId);
      if (!mine) byVm.set(vmId, (mine = new Set()));
      const closeGone = (): void => {
        connection.end();
        ws.close(1000, 'the VM powered off');
      };
      mine.add(closeGone);
      ws.on('close', () => {
        mine.delete(closeGone);
        if (mine.size === 0 && byVm.get(vmId) === mine) byVm.delete(vmId);
      });
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        connection.receive(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
      });
      ws.on('close', () => connection.end());
      ws.on('error', () => connection.end());
      if (auth && token) {
        const ended = auth.sessions.onEnd((t) => t === token && ws.close(4001, 'session ended'));
        ws.on('close', () => ended.dispose());
      }
    });
  };

  server.on('upgrade', onUpgrade);
  return toDisposable(() => {
    server.off('upgrade', onUpgrade);
    gone?.dispose();
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
}
