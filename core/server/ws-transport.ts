// The API over WebSocket (web mode, `--server` clients): requests {id, method, params}
// answered with {id, result}; every host event pushed as {event, data}. Connections from
// a page of another origin are refused (a hostile web page must not drive the host).
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventTopic, type ApiEventMessage, type WireRequest, type WireResponse } from '../api';
import { type Disposable, type Event, createLogger, toDisposable } from '../common';
import { type AuthGate, SESSION_COOKIE, readCookie } from './auth';
import { type CallContext, newCallContext } from './call-context';
import { dispatch } from './dispatch';
import type { ApiHandlers } from './handlers';

const log = createLogger('ws');
export const API_PATH = '/api';
const MAX_MESSAGE = 1 << 20;

export interface WsTransportOptions {
  readonly server: Server;
  readonly handlers: ApiHandlers;
  readonly events: Event<ApiEventMessage>;
  /** When given, the upgrade needs a live session cookie. */
  readonly auth?: AuthGate;
  /** Paths another upgrade handler on the same server answers (the VMs' consoles). */
  readonly otherRoute?: (pathname: string) => boolean;
}

function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // not a browser page (CLI, scripts)
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function attachWsTransport({ server, handlers, events, auth, otherRoute }: WsTransportOptions): Disposable {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });

  const onUpgrade = (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (otherRoute?.(url.pathname)) return;
    if (url.pathname !== API_PATH || !sameOrigin(req)) {
      log.warn(`refused WebSocket from origin ${req.headers.origin ?? '(none)'} to ${url.pathname}`);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const user = auth?.userOf(req);
    if (auth && !user) {
      log.warn(`refused WebSocket without a session from ${req.socket.remoteAddress ?? '?'}`);
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    const context = newCallContext({ user, loginRequired: Boolean(auth) });
    const token = auth ? readCookie(req, SESSION_COOKIE) : undefined;
    wss.handleUpgrade(req, socket, head, (ws) => {
      serveConnection(ws, context);
      // Logging out (or expiry) closes the session's connections too.
      if (auth && token) {
        const ended = auth.sessions.onEnd((t) => t === token && ws.close(4001, 'session ended'));
        ws.on('close', () => ended.dispose());
      }
    });
  };

  const serveConnection = (ws: WebSocket, context: CallContext): void => {
    const sub = events((message) => {
      const topic = eventTopic(message);
      if (topic && !context.topics.has(topic)) return;
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    });
    ws.on('close', () => sub.dispose());
    ws.on('error', () => sub.dispose());
    ws.on('message', async (raw) => {
      let request: Partial<WireRequest>;
      try {
        request = JSON.parse(raw.toString());
      } catch {
        ws.send(JSON.stringify({ id: -1, result: { ok: false, error: { code: 'bad-request', message: 'api: message is not JSON' } } }));
        return;
      }
      const id = typeof request.id === 'number' ? request.id : -1;
      const result = await dispatch(handlers, request.method, request.params, context);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result } satisfies WireResponse));
    });
  };

  server.on('upgrade', onUpgrade);
  return toDisposable(() => {
    server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
}
