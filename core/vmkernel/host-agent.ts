// One vmdesk host (the vmkernel's management face): its facts, datastores, networks,
// VMs, tasks and stats. The API server and the CLI talk to this, never to its parts.
import os from 'node:os';
import type { ApiEventMessage, HostInfo, HostStats, InventoryTree, TaskInfo } from '../api';
import { DisposableStore, Emitter, type Disposable } from '../common';
import { type DatastoreConfig, summarizeDatastore } from './datastores';
import { StatsSampler } from './stats/stats-sampler';
import { TaskManager } from './tasks';

export interface HostAgentOptions {
  readonly version: string;
  readonly datastores: readonly DatastoreConfig[];
  /** Milliseconds between host stats samples. */
  readonly statsIntervalMs?: number;
  /** Overrides the OS host name (tests, several hosts on one machine). */
  readonly name?: string;
}

export class HostAgent implements Disposable {
  private readonly store = new DisposableStore();
  private readonly started = Date.now();
  private readonly sampler: StatsSampler;
  readonly tasks: TaskManager;
  private readonly onEventEmitter = this.store.add(new Emitter<ApiEventMessage>());
  readonly onEvent = this.onEventEmitter.event;
  readonly name: string;

  constructor(private readonly options: HostAgentOptions) {
    this.name = options.name ?? os.hostname();
    this.tasks = new TaskManager();
    this.store.add({ dispose: () => this.tasks.dispose() });
    this.store.add(this.tasks.onTask((data) => this.onEventEmitter.fire({ event: 'task.updated', data })));
    this.sampler = this.store.add(new StatsSampler({ intervalMs: options.statsIntervalMs ?? 2000 }));
    this.store.add(this.sampler.onSample((data) => this.onEventEmitter.fire({ event: 'host.stats', data })));
  }

  info(): HostInfo {
    const cpus = os.cpus();
    return {
      name: this.name,
      cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
      cpuCores: cpus.length,
      memoryBytes: os.totalmem(),
      vmdeskVersion: this.options.version,
      uptimeSeconds: Math.floor((Date.now() - this.started) / 1000),
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
    };
  }

  stats(): HostStats | null {
    return this.sampler.latest;
  }

  tree(): InventoryTree {
    return {
      datacenter: { id: 'datacenter-1', name: 'Datacenter' },
      hosts: [
        {
          id: `host-${this.name}`,
          name: this.name,
          vms: [],
          datastores: this.options.datastores.map(summarizeDatastore),
          networks: [{ id: 'network-vm', name: 'VM Network' }],
        },
      ],
    };
  }

  recentTasks(): readonly TaskInfo[] {
    return this.tasks.recent();
  }

  /** Scan the datastores once as a task, so Recent Tasks shows what start-up did. */
  async scanDatastores(): Promise<void> {
    await this.tasks.run('Refresh datastores', this.name, (task) => {
      this.options.datastores.forEach((ds, i) => {
        summarizeDatastore(ds);
        task.progress(((i + 1) / this.options.datastores.length) * 100);
      });
    });
    this.onEventEmitter.fire({ event: 'inventory.changed', data: this.tree() });
  }

  dispose(): void {
    this.store.dispose();
  }
}
