// How `vmdesk vm …` reaches a host: the embedded one (the vmdesk home's database and
// datastores) or a running one with --server URL, over the same API. Over HTTPS it logs in
// (--user, password from VMDESK_PASSWORD or asked) and pins the host's certificate by the
// SHA-256 fingerprint `vmdesk serve` printed (--fingerprint), since it is self-signed.
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import type { ApiClient, ApiEventMessage, ApiMethod, ApiParams, ApiResult, ApiResultOf, WireMessage } from '../api';
import { UsageError, VmdeskError, errorMessage } from '../common';
import { dispatch, newCallContext } from '../server';
import type { CommandIo } from './command';
import { startEmbeddedHost } from './embedded-host';
import { promptHidden } from './password-prompt';

export interface ApiConnection {
  readonly client: ApiClient;
  /** "embedded host" or the server URL, for messages. */
  readonly where: string;
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly server?: string;
  readonly user?: string;
  readonly fingerprint?: string;
}

export { CONNECT_OPTIONS } from './connect-options';

export async function connectApi(options: ConnectOptions, io: CommandIo): Promise<ApiConnection> {
  if (!options.server) {
    const { host, handlers } = startEmbeddedHost('remembered', { quiet: true, runtime: 'one-shot' });
    const context = newCallContext();
    const client: ApiClient = {
      call: (method, params) => dispatch(handlers, method, params, context) as never,
      onEvent: (listener) => {
        const d = host.onEvent(listener);
        return () => d.dispose();
      },
    };
    return { client, where: 'the embedded host', close: async () => host.dispose() };
  }
  let url: URL;
  try {
    url = new URL(options.server);
  } catch {
    throw new UsageError(`vm: --server "${options.server}" is not a URL (for example http://127.0.0.1:8480)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`vm: --server must be http:// or https://, not ${url.protocol}`);
  const headers: Record<string, string> = {};
  let pin: string | undefined;
  if (url.protocol === 'https:') {
    pin = (options.fingerprint ?? process.env.VMDESK_FINGERPRINT)?.toUpperCase();
    if (!pin || !/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(pin)) {
      throw new UsageError('vm: an https host needs --fingerprint AA:BB:… (the SHA-256 fingerprint `vmdesk serve` printed at start)');
    }
    const user = options.user ?? process.env.VMDESK_USER;
    if (!user) throw new UsageError('vm: an https host needs --user NAME');
    const password = process.env.VMDESK_PASSWORD ?? (await promptHidden(io, `Password for ${user} at ${url.host}: `));
    if (!password) throw new UsageError('vm: no password (set VMDESK_PASSWORD or run on a terminal)');
    headers.Cookie = await login(url, user, password, pin);
  }
  const wsUrl = new URL('api', url.href.endsWith('/') ? url.href : url.href + '/');
  wsUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = await RemoteApiClient.open(wsUrl.href, headers, pin);
  return { client, where: url.origin, close: async () => client.close() };
}

function checkPin(socket: TLSSocket, pin: string): void {
  const got = socket.getPeerCertificate()?.fingerprint256;
  if (got !== pin) {
    socket.destroy();
    throw new VmdeskError('forbidden', `vm: the host's certificate has fingerprint ${got ?? 'none'}, not ${pin}; refusing to talk to it`);
  }
}

function login(url: URL, user: string, password: string, pin: string): Promise<string> {
  const body = new URLSearchParams({ user, password }).toString();
  return new Promise((resolve, reject) => {
    const req = https.request(new URL('login', url.href.endsWith('/') ? url.href : url.href + '/'), {
      method: 'POST',
      rejectUnauthorized: false,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
    });
    req.on('socket', (socket) => {
      socket.once('secureConnect', () => {
        try {
          checkPin(socket as TLSSocket, pin);
          req.end(body);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('response', (res) => {
      res.resume();
      const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
      if (res.statusCode === 303 && cookie) resolve(cookie);
      else reject(new VmdeskError('forbidden', res.statusCode === 429 ? `vm: ${url.host} refuses logins for a minute after failed ones` : `vm: ${url.host} refused the login of ${user}`));
    });
    req.on('error', (err) => reject(new VmdeskError('unavailable', `vm: cannot reach ${url.host}: ${errorMessage(err)}`)));
  });
}

/** The API over a WebSocket to a running host (Node side; the renderer has its own). */
class RemoteApiClient implements ApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, (r: ApiResult<unknown>) => void>();
  private readonly listeners = new Set<(m: ApiEventMessage) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      let m: WireMessage;
      try {
        m = JSON.parse(raw.toString()) as WireMessage;
      } catch {
        return;
      }
      if ('event' in m) for (const l of this.listeners) l(m);
      else {
        this.pending.get(m.id)?.(m.result);
        this.pending.delete(m.id);
      }
    });
    socket.on('close', () => {
      for (const done of this.pending.values()) done({ ok: false, error: { code: 'unavailable', message: 'api: the connection to the host closed' } });
      this.pending.clear();
    });
  }

  static open(url: string, headers: Record<string, string>, pin?: string): Promise<RemoteApiClient> {
    const socket = new WebSocket(url, { headers, rejectUnauthorized: false, handshakeTimeout: 15_000 });
    return new Promise((resolve, reject) => {
      if (pin) {
        socket.once('upgrade', (res) => {
          try {
            checkPin(res.socket as TLSSocket, pin);
          } catch (err) {
            reject(err);
          }
        });
      }
      socket.once('open', () => resolve(new RemoteApiClient(socket)));
      socket.once('unexpected-response', (_req, res) =>
        reject(new VmdeskError(res.statusCode === 401 ? 'forbidden' : 'unavailable', `vm: ${url} answered HTTP ${res.statusCode}${res.statusCode === 401 ? ' (log in with --user)' : ''}`)),
      );
      socket.once('error', (err) => reject(new VmdeskError('unavailable', `vm: cannot reach ${url}: ${errorMessage(err)}`)));
    });
  }

  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<ApiResultOf<M>>> {
    if (this.socket.readyState !== WebSocket.OPEN) return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'api: not connected to the host' } });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (r: ApiResult<unknown>) => void);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  onEvent(listener: (m: ApiEventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.socket.close();
  }
}

/** The data of a result, or a VmdeskError with the host's message. */
export function unwrap<T>(result: ApiResult<T>): T {
  if (result.ok) return result.data;
  if (result.error.code === 'bad-request') throw new UsageError(result.error.message);
  throw new VmdeskError(result.error.code, result.error.message);
}
