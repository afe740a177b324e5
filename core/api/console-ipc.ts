// The graphical console in Electron: RFB bytes carried over IPC between the renderer's
// noVNC and the host in main (no listening socket, so nothing else on the machine can
// reach a VM's screen). The channel names, and what the preload exposes for them.
import type { ApiResult } from './result';

export const CONSOLE_IPC = {
  /** renderer → main (invoke): {vmId} → {session}, a random id bound to the calling window. */
  open: 'vmdesk-console:open',
  /** renderer → main (invoke): {session}; main starts speaking RFB on the session. */
  start: 'vmdesk-console:start',
  /** renderer → main (invoke): {session, data: Uint8Array}, bytes from noVNC. */
  send: 'vmdesk-console:send',
  /** renderer → main (invoke): {session, bytes}, how many pushed bytes noVNC has taken. */
  ack: 'vmdesk-console:ack',
  /** renderer → main (invoke): {session}. */
  close: 'vmdesk-console:close',
  /** main → renderer (push): (session, data: Uint8Array). */
  data: 'vmdesk-console:data',
  /** main → renderer (push): (session, reason). */
  closed: 'vmdesk-console:closed',
} as const;

/** The console functions of the preload's `window.vmdesk`. */
export interface ConsoleBridge {
  consoleOpen(vmId: string): Promise<ApiResult<{ session: string }>>;
  consoleStart(session: string): Promise<ApiResult<null>>;
  consoleSend(session: string, data: Uint8Array): Promise<ApiResult<null>>;
  consoleAck(session: string, bytes: number): Promise<ApiResult<null>>;
  consoleClose(session: string): Promise<ApiResult<null>>;
  /** Every console push of this window; returns an unsubscribe function. */
  onConsole(listener: (push: ConsolePush) => void): () => void;
}

export type ConsolePush =
  | { readonly kind: 'data'; readonly session: string; readonly data: Uint8Array }
  | { readonly kind: 'closed'; readonly session: string; readonly reason: string };

/** The names the preload adds beside the API methods' functions. */
export const CONSOLE_BRIDGE_FUNCTIONS = ['consoleOpen', 'consoleStart', 'consoleSend', 'consoleAck', 'consoleClose', 'onConsole'] as const;
