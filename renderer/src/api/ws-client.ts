// ApiClient over the host's WebSocket (web mode). Reconnects with back-off when the
// connection drops; calls made while disconnected fail at once with `unavailable`.
import type { ApiClient, ApiEventMessage, ApiMethod, ApiParams, ApiResult, ApiResultOf, WireMessage } from '../../../core/api';

type Pending = (result: ApiResult<unknown>) => void;

export class WsApiClient implements ApiClient {
  private socket: WebSocket | undefined;
  private opened: Promise<boolean> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(m: ApiEventMessage) => void>();
  private retryMs = 500;
  private closed = false;
  private opens = 0;
  /** Topics this client subscribed to: a new connection has none, so they are sent again. */
  private readonly topics = new Set<string>();

  constructor(private readonly url: string) {
    this.connect();
  }

  static forPage(location: Location): WsApiClient {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return new WsApiClient(`${scheme}//${location.host}/api`);
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.opened = new Promise((resolve) => {
      socket.addEventListener('open', () => {
        this.retryMs = 500;
        if (this.opens++ > 0 && this.topics.size > 0) socket.send(JSON.stringify({ id: this.nextId++, method: 'events.subscribe', params: { topics: [...this.topics] } }));
        resolve(true);
      });
      socket.addEventListener('close', () => {
        resolve(false);
        this.failPending('the connection to the host closed');
        if (!this.closed) setTimeout(() => this.connect(), (this.retryMs = Math.min(this.retryMs * 2, 10_000)));
      });
    });
    socket.addEventListener('message', (ev) => {
      let message: WireMessage;
      try {
        message = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if ('event' in message) {
        for (const l of this.listeners) l(message);
      } else {
        const done = this.pending.get(message.id);
        this.pending.delete(message.id);
        done?.(message.result);
      }
    });
  }

  private failPending(why: string): void {
    for (const done of this.pending.values()) done({ ok: false, error: { code: 'unavailable', message: `api: ${why}` } });
    this.pending.clear();
  }

  async call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<ApiResultOf<M>>> {
    const open = await this.opened;
    const socket = this.socket;
    if (!open || !socket || socket.readyState !== WebSocket.OPEN) {
      return { ok: false, error: { code: 'unavailable', message: 'api: not connected to the host' } };
    }
    if (method === 'events.subscribe' || method === 'events.unsubscribe') {
      for (const t of (params as { topics: readonly string[] }).topics) {
        if (method === 'events.subscribe') this.topics.add(t);
        else this.topics.delete(t);
      }
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as Pending);
      socket.send(JSON.stringify({ id, method, params }));
    });
  }

  onEvent(listener: (message: ApiEventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
  }
}
