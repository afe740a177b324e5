// The one API contract. Each method: params → result. Electron IPC and WebSocket carry
// exactly these calls; the preload exposes one function per method.
import type { HostInfo, HostStats } from './host';
import type { InventoryTree } from './inventory';
import type { TaskInfo } from './events';
import type { ApiEventMessage } from './events';
import type { ApiResult } from './result';

export interface ApiMethods {
  'host.info': { params: Record<string, never>; result: HostInfo };
  'host.stats': { params: Record<string, never>; result: HostStats | null };
  'inventory.tree': { params: Record<string, never>; result: InventoryTree };
  'tasks.recent': { params: Record<string, never>; result: readonly TaskInfo[] };
}

export type ApiMethod = keyof ApiMethods;
export type ApiParams<M extends ApiMethod> = ApiMethods[M]['params'];
export type ApiResultOf<M extends ApiMethod> = ApiMethods[M]['result'];

/** Every method name, for transports that must check a name before dispatching. */
export const API_METHODS = ['host.info', 'host.stats', 'inventory.tree', 'tasks.recent'] as const satisfies readonly ApiMethod[];

/** What a client (renderer, CLI against --server) sees: the calls plus the event stream. */
export interface ApiClient {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<ApiResultOf<M>>>;
  /** Receive every event; returns an unsubscribe function. */
  onEvent(listener: (message: ApiEventMessage) => void): () => void;
}

/** WebSocket wire format. */
export interface WireRequest {
  readonly id: number;
  readonly method: string;
  readonly params?: unknown;
}
export interface WireResponse {
  readonly id: number;
  readonly result: ApiResult<unknown>;
}
export type WireMessage = WireResponse | ApiEventMessage;

/** Name of the function the preload exposes for a method: "host.info" → "hostInfo". */
export function bridgeName(method: ApiMethod): string {
  return method.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());
}

/** The IPC channel that carries a method in Electron. */
export const ipcChannel = (method: ApiMethod): string => `vmdesk:${method}`;
export const IPC_EVENT_CHANNEL = 'vmdesk:event';
