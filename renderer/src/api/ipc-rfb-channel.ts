// A VM console's RFB bytes over the Electron preload's console functions, shaped like the
// raw channel noVNC's RFB accepts instead of a URL (core/websock.js: send, close,
// binaryType, onopen, onmessage, onerror, protocol, readyState; RTCDataChannel's state
// names). It opens a session (a random id main binds to this window), starts it, hands
// every pushed chunk to noVNC and acks it, which is what lets main send the next update.
import type { ConsoleBridge, ConsolePush } from '../../../core/api';

type State = 'connecting' | 'open' | 'closing' | 'closed';

export interface ChannelCloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

export class IpcRfbChannel {
  binaryType = 'arraybuffer';
  readonly protocol = '';
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onclose: ((event: ChannelCloseEvent) => void) | null = null;
  /** Why the channel closed, in words for the console window (set once closed). */
  closeReason = '';
  private state: State = 'connecting';
  private session: string | undefined;
  /** Chunks that came before the start call answered (RFB's version goes out at once). */
  private early: Uint8Array[] = [];
  private unsubscribe: () => void = () => undefined;
  private opener: ((event: Event) => void) | null = null;
  private begun = false;

  constructor(private readonly bridge: ConsoleBridge, private readonly vmId: string) {}

  /** noVNC sets this while it attaches the channel: the session is asked for then, so
   *  its answer (even a refusal) always comes after noVNC is ready for it. */
  get onopen(): ((event: Event) => void) | null {
    return this.opener;
  }
  set onopen(handler: ((event: Event) => void) | null) {
    this.opener = handler;
    if (this.begun) return;
    this.begun = true;
    this.unsubscribe = this.bridge.onConsole((push) => this.onPush(push));
    void this.open(this.vmId);
  }

  get readyState(): State {
    return this.state;
  }

  private async open(vmId: string): Promise<void> {
    const opened = await this.bridge.consoleOpen(vmId);
    if (!opened.ok) return this.finish(opened.error.message, false);
    if (this.state !== 'connecting') {
      void this.bridge.consoleClose(opened.data.session); // closed while opening
      return;
    }
    this.session = opened.data.session;
    const started = await this.bridge.consoleStart(this.session);
    if (!started.ok) return this.finish(started.error.message, false);
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this.onopen?.(new Event('open'));
    const early = this.early;
    this.early = [];
    for (const data of early) this.deliver(data);
  }

  private onPush(push: ConsolePush): void {
    if (push.session !== this.session || this.state === 'closed') return;
    if (push.kind === 'closed') return this.finish(push.reason, true);
    if (this.state === 'connecting') this.early.push(push.data);
    else this.deliver(push.data);
  }

  private deliver(data: Uint8Array): void {
    const copy = data.slice().buffer; // noVNC wants an ArrayBuffer of exactly these bytes
    this.onmessage?.({ data: copy });
    if (this.session) void this.bridge.consoleAck(this.session, data.length);
  }

  send(data: ArrayBuffer | ArrayBufferView): void {
    if (this.state !== 'open' || !this.session) return;
    // noVNC reuses its send buffer: copy before the call crosses to main.
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data.slice(0)) : new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    void this.bridge.consoleSend(this.session, bytes).then((r) => {
      // not-found: the session ended and main says why, as its `closed` push (still on its way) will.
      if (!r.ok) this.finish(r.error.message, r.error.code === 'not-found');
    });
  }

  close(): void {
    if (this.state === 'closed' || this.state === 'closing') return;
    const session = this.session;
    this.state = 'closing';
    if (!session) return this.finish('closed before it opened', true);
    void this.bridge.consoleClose(session).finally(() => this.finish('closed by the window', true));
  }

  private finish(reason: string, clean: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeReason = reason;
    this.early = [];
    this.unsubscribe();
    if (!clean) this.onerror?.(new Event('error'));
    this.onclose?.({ code: clean ? 1000 : 1006, reason, wasClean: clean });
  }
}
