// The one API contract. Each method: params → result. Electron IPC and WebSocket carry
// exactly these calls; the preload exposes one function per method.
import type { DatastoreListing } from './datastore';
import type { HostEvent, TaskInfo, Topic } from './events';
import type { ApiEventMessage } from './events';
import type { HostInfo, HostStats } from './host';
import type { InventoryTree } from './inventory';
import type { ApiResult } from './result';
import type { ConsoleHistory, VmConvertSpec, VmCreateSpec, VmInfo, VmReconfigureSpec, VmStats } from './vm';

type None = Record<string, never>;
type ById = { readonly id: string };
export interface ListQuery {
  /** Newest first; default 100, at most 1000. */
  readonly limit?: number;
  /** Only those about this object. */
  readonly targetId?: string;
}

export interface SessionInfo {
  /** The logged-in account, absent where no login is needed (loopback, Electron). */
  readonly user?: string;
  readonly loginRequired: boolean;
}

export interface ApiMethods {
  'host.info': { params: None; result: HostInfo };
  'host.stats': { params: None; result: HostStats | null };
  'inventory.tree': { params: None; result: InventoryTree };
  'session.info': { params: None; result: SessionInfo };

  'vm.list': { params: None; result: readonly VmInfo[] };
  'vm.get': { params: ById; result: VmInfo };
  'vm.create': { params: VmCreateSpec; result: VmInfo };
  /** `path`: a datastore path "[ds] dir/x.vmx" or a host path inside a datastore. */
  'vm.register': { params: { readonly path: string }; result: VmInfo };
  'vm.unregister': { params: ById; result: null };
  'vm.reconfigure': { params: VmReconfigureSpec; result: VmInfo };
  'vm.rename': { params: { readonly id: string; readonly name: string }; result: VmInfo };
  'vm.delete': { params: ById; result: null };
  'vm.powerOn': { params: ById; result: VmInfo };
  'vm.powerOff': { params: ById; result: VmInfo };
  'vm.reset': { params: ById; result: VmInfo };
  /** Guest shutdown: presses the ACPI power button; the VM powers off when the guest is done. */
  'vm.shutdown': { params: ById; result: VmInfo };
  /** Serial output kept since power-on (the last 256 KiB), from `since` if given. */
  'vm.console': { params: { readonly id: string; readonly since?: number }; result: ConsoleHistory };
  /** Bytes for the guest's serial port, base64. */
  'vm.consoleInput': { params: { readonly id: string; readonly data: string }; result: null };
  /** Recent samples, oldest first (what the Summary charts start with). */
  'vm.stats': { params: ById; result: readonly VmStats[] };

  /** Converts a source the host can read (disk image, qcow2/VDI/VHD(X), .vmx folder, .ovf/.ova) onto a datastore and registers the VM; runs as a task. */
  'converter.convert': { params: VmConvertSpec; result: VmInfo };

  'datastore.browse': { params: { readonly datastore: string; readonly path?: string }; result: DatastoreListing };
  'tasks.list': { params: ListQuery; result: readonly TaskInfo[] };
  'events.list': { params: ListQuery; result: readonly HostEvent[] };
  /** Start receiving `vm.stats` / `vm.console` events of these topics on this connection. */
  'events.subscribe': { params: { readonly topics: readonly Topic[] }; result: readonly Topic[] };
  'events.unsubscribe': { params: { readonly topics: readonly Topic[] }; result: readonly Topic[] };
}

export type ApiMethod = keyof ApiMethods;
export type ApiParams<M extends ApiMethod> = ApiMethods[M]['params'];
export type ApiResultOf<M extends ApiMethod> = ApiMethods[M]['result'];

/** Every method name, for transports that must check a name before dispatching. */
export const API_METHODS = [
  'host.info',
  'host.stats',
  'inventory.tree',
  'session.info',
  'vm.list',
  'vm.get',
  'vm.create',
  'vm.register',
  'vm.unregister',
  'vm.reconfigure',
  'vm.rename',
  'vm.delete',
  'vm.powerOn',
  'vm.powerOff',
  'vm.reset',
  'vm.shutdown',
  'vm.console',
  'vm.consoleInput',
  'vm.stats',
  'converter.convert',
  'datastore.browse',
  'tasks.list',
  'events.list',
  'events.subscribe',
  'events.unsubscribe',
] as const satisfies readonly ApiMethod[];

// Every method is listed once: a missing one fails to typecheck here.
type Missing = Exclude<ApiMethod, (typeof API_METHODS)[number]>;
const allListed: Missing extends never ? true : Missing = true;
void allListed;

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
