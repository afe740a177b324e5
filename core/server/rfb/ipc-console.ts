// The VMs' graphical consoles for Electron's windows: RFB carried over IPC, not a socket.
// A window asks for a console session of a VM (`open`), gets a random id bound to that
// window, and starts it; from then on its noVNC's bytes come in with `send` and the
// server's go out as pushes to that window only, paced by the window's acks (bytes taken
// but not acked count as the transport's backlog). A session used by another window, a
// frame outside the app, a VM without a screen, or a malformed call is refused with one
// line; a window that goes away or a VM that powers off ends its sessions. Core never
// imports electron: main hands in ipcMain and the sender check.
import { randomBytes } from 'node:crypto';
import { CONSOLE_IPC, type ApiResult } from '../../api';
import { type Disposable, DisposableStore, createLogger, toDisposable } from '../../common';
import { hubFor } from './display-hub';
import { RfbConnection } from './rfb-connection';
import type { ConsoleDisplays } from './ws-bridge';

const log = createLogger('rfb');
/** Sessions one window may hold at once (each console window needs one). */
export const MAX_SESSIONS_PER_WINDOW = 16;
/** Bytes from noVNC in one call (its send queue flushes far smaller chunks). */
const MAX_SEND = 1 << 20;
/** A session opened but not started within this time is dropped. */
const START_WITHIN_MS = 30_000;

/** The part of Electron's WebContents the consoles use. */
export interface ConsoleWindow {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
  /** Optional: a reload or a crash of the page (Electron's 'did-navigate', 'render-process-gone'). */
  on?(event: 'did-navigate' | 'render-process-gone', listener: () => void): unknown;
}

export interface ConsoleInvokeEvent {
  readonly sender: ConsoleWindow;
  readonly senderFrame: { readonly url: string } | null;
}

/** The part of Electron's ipcMain the consoles use. */
export interface ConsoleIpcMain {
  handle(channel: string, listener: (event: ConsoleInvokeEvent, params: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

interface Session {
  readonly id: string;
  readonly vmId: string;
  readonly window: ConsoleWindow;
  connection: RfbConnection | undefined;
  sent: number;
  acked: number;
  expiry: NodeJS.Timeout | undefined;
}

type Call = (session: Session, params: Record<string, unknown>) => ApiResult<null>;

const ok: ApiResult<null> = { ok: true, data: null };
/** Ended sessions whose reason is kept for late calls. */
const ENDED_KEPT = 64;
const refuse = (code: 'bad-request' | 'forbidden' | 'not-found', message: string): ApiResult<never> => ({ ok: false, error: { code, message } });

export function attachConsoleIpc(ipc: ConsoleIpcMain, displays: ConsoleDisplays, isTrustedSender: (url: string) => boolean): Disposable {
  const store = new DisposableStore();
  const sessions = new Map<string, Session>();
  /**
   * Why recent sessions ended, by id: a call the window made before the end reached it (its
   * reply can overtake the `closed` push) is answered with the same reason, not a refusal.
   */
  const ended = new Map<string, { windowId: number; reason: string }>();
  // Windows are told apart by their WebContents id, not by the wrapper object Electron hands in.
  const watched = new Set<number>();

  const end = (session: Session, reason: string): void => {
    if (!sessions.delete(session.id)) return;
    ended.set(session.id, { windowId: session.window.id, reason });
    if (ended.size > ENDED_KEPT) ended.delete(ended.keys().next().value!);
    clearTimeout(session.expiry);
    session.connection?.end();
    if (!session.window.isDestroyed()) session.window.send(CONSOLE_IPC.closed, session.id, reason);
  };

  const checked = (channel: string, event: ConsoleInvokeEvent, params: unknown): ApiResult<Record<string, unknown>> => {
    const url = event.senderFrame?.url ?? '';
    if (!isTrustedSender(url)) return refuse('forbidden', `console: ${channel} refused for a frame outside the app (${url || 'unknown'})`);
    if (typeof params !== 'object' || params === null) return refuse('bad-request', `console: ${channel} needs an object of parameters`);
    return { ok: true, data: params as Record<string, unknown> };
  };

  const open = (event: ConsoleInvokeEvent, params: unknown): ApiResult<{ session: string }> => {
    const p = checked(CONSOLE_IPC.open, event, params);
    if (!p.ok) return p;
    const vmId = p.data.vmId;
    if (typeof vmId !== 'string' || vmId === '') return refuse('bad-request', 'console: open needs vmId, a VM id');
    if (!displays.displayOf(vmId)) return refuse('not-found', `console: ${vmId} has no screen (is it powered on?)`);
    const window = event.sender;
    const mine = [...sessions.values()].filter((s) => s.window.id === window.id).length;
    if (mine >= MAX_SESSIONS_PER_WINDOW) return refuse('forbidden', `console: this window already has ${mine} consoles open; close one first`);
    if (!watched.has(window.id)) {
      watched.add(window.id);
      const endAll = (reason: string) => (): void => {
        for (const s of [...sessions.values()]) if (s.window.id === window.id) end(s, reason);
      };
      window.once('destroyed', () => {
        watched.delete(window.id);
        endAll('the window closed')();
      });
      // A reloaded or crashed page forgets its sessions: they end with it.
      window.on?.('did-navigate', endAll('the page was reloaded'));
      window.on?.('render-process-gone', endAll('the page crashed'));
    }
    const session: Session = { id: randomBytes(18).toString('base64url'), vmId, window, connection: undefined, sent: 0, acked: 0, expiry: undefined };
    session.expiry = setTimeout(() => end(session, 'not started in time'), START_WITHIN_MS);
    session.expiry.unref();
    sessions.set(session.id, session);
    return { ok: true, data: { session: session.id } };
  };

  const start: Call = (session) => {
    if (session.connection) return refuse('bad-request', 'console: the session is already started');
    const display = displays.displayOf(session.vmId);
    if (!display) {
      end(session, 'the VM has no screen');
      return refuse('not-found', `console: ${session.vmId} has no screen (is it powered on?)`);
    }
    clearTimeout(session.expiry);
    session.expiry = undefined;
    const connection = new RfbConnection(
      display,
      {
        send: (data) => {
          if (session.window.isDestroyed() || !sessions.has(session.id)) return;
          session.sent += data.length;
          // A copy the IPC can clone whole (the Buffer may be a view into a pooled slab).
          session.window.send(CONSOLE_IPC.data, session.id, new Uint8Array(data));
        },
        get buffered() {
          return session.sent - session.acked;
        },
        close: () => end(session, 'the console closed the connection'),
      },
      // The window is the app's own (checked above): no login to ask, but a VM's console
      // password is still asked for (VNC Authentication).
      { ...(display.password ? { password: display.password } : {}), allowNone: true },
      `${session.vmId} ipc window ${session.window.id}`,
    );
    session.connection = connection;
    hubFor(display).add(connection);
    const leaveHub = connection.onClose;
    connection.onClose = () => {
      leaveHub?.();
      end(session, 'the console closed the connection');
    };
    return ok;
  };

  const send: Call = (session, params) => {
    const data = params.data;
    if (!(data instanceof Uint8Array)) return refuse('bad-request', 'console: send needs data, a Uint8Array');
    if (data.length > MAX_SEND) return refuse('bad-request', `console: send of ${data.length} bytes is over the ${MAX_SEND}-byte limit`);
    if (!session.connection) return refuse('bad-request', 'console: the session is not started');
    session.connection.receive(Buffer.from(data.buffer, data.byteOffset, data.length));
    return ok;
  };

  const ack: Call = (session, params) => {
    const bytes = params.bytes;
    if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0 || session.acked + bytes > session.sent) {
      return refuse('bad-request', 'console: ack needs bytes, a count of pushed bytes not yet acked');
    }
    session.acked += bytes;
    return ok;
  };

  const close: Call = (session) => {
    end(session, 'closed by the window');
    return ok;
  };

  // The calls on a session: only the window it was opened for may use it.
  const onSession = (channel: string, call: Call) => async (event: ConsoleInvokeEvent, params: unknown): Promise<ApiResult<null>> => {
    const p = checked(channel, event, params);
    if (!p.ok) return p;
    const id = p.data.session;
    const session = typeof id === 'string' ? sessions.get(id) : undefined;
    const gone = typeof id === 'string' && !session ? ended.get(id) : undefined;
    if (gone && gone.windowId === event.sender.id) return refuse('not-found', gone.reason);
    if (!session || session.window.id !== event.sender.id) {
      if (session) log.warn(`console session of window ${session.window.id} presented by window ${event.sender.id}`);
      return refuse('forbidden', `console: ${channel} refused: no such console session for this window`);
    }
    return call(session, p.data);
  };

  const routes: [string, (event: ConsoleInvokeEvent, params: unknown) => Promise<unknown>][] = [
    [CONSOLE_IPC.open, async (event, params) => open(event, params)],
    [CONSOLE_IPC.start, onSession(CONSOLE_IPC.start, start)],
    [CONSOLE_IPC.send, onSession(CONSOLE_IPC.send, send)],
    [CONSOLE_IPC.ack, onSession(CONSOLE_IPC.ack, ack)],
    [CONSOLE_IPC.close, onSession(CONSOLE_IPC.close, close)],
  ];
  for (const [channel, listener] of routes) {
    ipc.handle(channel, listener);
    store.add(toDisposable(() => ipc.removeHandler(channel)));
  }
  const gone = displays.onDisplayGone?.((vmId) => {
    for (const s of [...sessions.values()]) if (s.vmId === vmId) end(s, 'the VM powered off');
  });
  if (gone) store.add(gone);
  store.add(toDisposable(() => {
    for (const s of [...sessions.values()]) end(s, 'the host is stopping');
  }));
  return store;
}
