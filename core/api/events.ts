// The event stream: what the host pushes to every connected client.
import type { HostStats } from './host';
import type { InventoryTree } from './inventory';

export interface TaskInfo {
  readonly id: string;
  /** What the task does, e.g. "Power On virtual machine". */
  readonly name: string;
  /** The inventory object it acts on. */
  readonly target: string;
  readonly state: 'queued' | 'running' | 'success' | 'error';
  /** 0..100 while running. */
  readonly progress: number;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly error?: string;
}

export interface LogEvent {
  readonly time: number;
  readonly level: 'info' | 'warning' | 'error';
  readonly message: string;
}

/** Event name → payload. Clients subscribe to all of them at once. */
export interface ApiEvents {
  'host.stats': HostStats;
  'inventory.changed': InventoryTree;
  'task.updated': TaskInfo;
  'event.logged': LogEvent;
}

export type ApiEventName = keyof ApiEvents;

export type ApiEventMessage = { [K in ApiEventName]: { readonly event: K; readonly data: ApiEvents[K] } }[ApiEventName];
