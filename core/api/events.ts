// Tasks, events and the event stream: what the host pushes to connected clients.
import type { HostStats } from './host';
import type { InventoryTree } from './inventory';
import type { ConsoleChunk, VmStats } from './vm';

export type TaskState = 'queued' | 'running' | 'success' | 'error';

export interface TaskInfo {
  readonly id: string;
  /** What the task does, e.g. "Power On virtual machine". */
  readonly name: string;
  /** Name of the inventory object it acts on. */
  readonly target: string;
  /** Id of that object ("vm-3", "host-esx01"), when it has one. */
  readonly targetId?: string;
  readonly state: TaskState;
  /** 0..100 while running. */
  readonly progress: number;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly error?: string;
  /** A short description of the result, e.g. the new VM's id. */
  readonly result?: string;
}

export type EventLevel = 'info' | 'warning' | 'error';

/** Something that happened to an object (vCenter's events: VmCreatedEvent…). */
export interface HostEvent {
  readonly id: number;
  readonly time: number;
  readonly level: EventLevel;
  /** Machine-readable kind, e.g. "VmPoweredOnEvent". */
  readonly type: string;
  readonly message: string;
  readonly target?: string;
  readonly targetId?: string;
}

/** @deprecated the foundation's name; HostEvent carries the same and more. */
export type LogEvent = HostEvent;

/** Event name → payload. */
export interface ApiEvents {
  'host.stats': HostStats;
  'inventory.changed': InventoryTree;
  'task.updated': TaskInfo;
  'event.logged': HostEvent;
  /** Only to clients subscribed to the topic `stats:<vmId>`. */
  'vm.stats': { readonly id: string; readonly stats: VmStats };
  /** Only to clients subscribed to the topic `console:<vmId>`. */
  'vm.console': ConsoleChunk;
}

export type ApiEventName = keyof ApiEvents;

export type ApiEventMessage = { [K in ApiEventName]: { readonly event: K; readonly data: ApiEvents[K] } }[ApiEventName];

/** Topics a client subscribes to: per-VM stats and console output. */
export type Topic = `stats:${string}` | `console:${string}`;

export function isTopic(value: unknown): value is Topic {
  return typeof value === 'string' && /^(stats|console):[A-Za-z0-9._-]{1,80}$/.test(value);
}

/** The topic an event belongs to; undefined: every client gets it. */
export function eventTopic(message: ApiEventMessage): Topic | undefined {
  if (message.event === 'vm.stats') return `stats:${message.data.id}`;
  if (message.event === 'vm.console') return `console:${message.data.id}`;
  return undefined;
}
