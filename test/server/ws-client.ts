// A real WebSocket client for tests: calls by id, collects events.
import WebSocket from 'ws';
import type { ApiEventMessage, ApiResult, WireMessage } from '../../core/api';

export class TestWsClient {
  readonly events: ApiEventMessage[] = [];
  private readonly pending = new Map<number, (r: ApiResult<unknown>) => void>();
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as WireMessage;
      if ('event' in m) this.events.push(m);
      else this.pending.get(m.id)?.(m.result);
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<TestWsClient> {
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new TestWsClient(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  call(method: string, params: unknown = {}): Promise<ApiResult<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  sendRaw(text: string): Promise<ApiResult<unknown>> {
    return new Promise((resolve) => {
      this.pending.set(-1, resolve);
      this.socket.send(text);
    });
  }

  async waitForEvent(name: ApiEventMessage['event'], timeoutMs = 20_000): Promise<ApiEventMessage> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const e = this.events.find((x) => x.event === name);
      if (e) return e;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${name} event within ${timeoutMs} ms`);
  }

  close(): void {
    this.socket.close();
  }
}
