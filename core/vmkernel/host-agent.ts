// One vmdesk host (the vmkernel's management face): its facts, datastores, networks,
// VMs, tasks, events and stats. The API server and the CLI talk to this, never to its parts.
import os from 'node:os';
import { bytesToBase64, type ApiEventMessage, type DatastoreListing, type HostInfo, type HostStats, type InventoryTree, type TaskInfo } from '../api';
import { DisposableStore, Emitter, type Disposable } from '../common';
import { openHostDatabase, readRememberedDatastores, rememberDatastores, type Db } from './db/host-database';
import { browseDatastore, findDatastore } from './datastore-files';
import { type DatastoreConfig, summarizeDatastore } from './datastores';
import type { DiskProvisioner } from './disks/disk-provisioner';
import { VmdkDiskProvisioner } from './disks/vmdk-disk-provisioner';
import { EventLog } from './event-log';
import { NoVmRuntime, type VmRuntime } from './runtime/vm-runtime';
import { StatsSampler } from './stats/stats-sampler';
import { TaskManager } from './tasks';
import { VmRegistry } from './vms/vm-registry';

export interface HostAgentOptions {
  readonly version: string;
  /** The datastores; "remembered": those of the last run with this database (none: []). */
  readonly datastores: readonly DatastoreConfig[] | 'remembered';
  /** Milliseconds between host stats samples. */
  readonly statsIntervalMs?: number;
  /** Overrides the OS host name (tests, several hosts on one machine). */
  readonly name?: string;
  /** The SQLite file of the inventory, tasks and events; default in memory (nothing kept). */
  readonly databaseFile?: string;
  /** Runs VMs; default: none in this build (power-on fails with a clear error). */
  readonly runtime?: VmRuntime;
  /** Makes new virtual disks; default monolithicSparse VMDKs (NAME.vmdk). */
  readonly disks?: DiskProvisioner;
}

export class HostAgent implements Disposable {
  private readonly store = new DisposableStore();
  private readonly started = Date.now();
  private readonly sampler: StatsSampler;
  private readonly db: Db;
  readonly tasks: TaskManager;
  readonly events: EventLog;
  readonly vms: VmRegistry;
  private readonly onEventEmitter = this.store.add(new Emitter<ApiEventMessage>());
  readonly onEvent = this.onEventEmitter.event;
  readonly name: string;
  readonly datastores: readonly DatastoreConfig[];

  constructor(private readonly options: HostAgentOptions) {
    this.name = options.name ?? os.hostname();
    this.db = openHostDatabase(options.databaseFile ?? ':memory:');
    this.store.add({ dispose: () => this.db.close() });
    if (options.datastores === 'remembered') this.datastores = readRememberedDatastores(this.db);
    else {
      this.datastores = options.datastores;
      rememberDatastores(this.db, options.datastores);
    }
    this.tasks = new TaskManager(this.db);
    this.store.add({ dispose: () => this.tasks.dispose() });
    this.events = new EventLog(this.db);
    this.store.add({ dispose: () => this.events.dispose() });
    this.vms = new VmRegistry({
      db: this.db,
      datastores: this.datastores,
      runtime: options.runtime ?? new NoVmRuntime(),
      disks: options.disks ?? new VmdkDiskProvisioner(),
      tasks: this.tasks,
      events: this.events,
      version: options.version,
      hostName: this.name,
    });
    this.store.add({ dispose: () => this.vms.dispose() });
    const fire = (m: ApiEventMessage): void => this.onEventEmitter.fire(m);
    this.store.add(this.tasks.onTask((data) => fire({ event: 'task.updated', data })));
    this.store.add(this.events.onEvent((data) => fire({ event: 'event.logged', data })));
    this.store.add(this.vms.onChange(() => fire({ event: 'inventory.changed', data: this.tree() })));
    this.store.add(this.vms.onStats(({ id, stats }) => fire({ event: 'vm.stats', data: { id, stats } })));
    this.store.add(this.vms.onConsole(({ id, offset, bytes }) => fire({ event: 'vm.console', data: { id, offset, data: bytesToBase64(bytes) } })));
    this.sampler = this.store.add(new StatsSampler({ intervalMs: options.statsIntervalMs ?? 2000 }));
    this.store.add(
      this.sampler.onSample((data) => {
        fire({ event: 'host.stats', data });
        this.vms.sample();
      }),
    );
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
          vms: this.vms.summaries(),
          datastores: this.datastores.map(summarizeDatastore),
          networks: [{ id: 'network-vm', name: 'VM Network' }],
        },
      ],
    };
  }

  recentTasks(): readonly TaskInfo[] {
    return this.tasks.recent();
  }

  browse(datastore: string, rel?: string): DatastoreListing {
    return browseDatastore(findDatastore(this.datastores, datastore), rel ?? '');
  }

  /** Scan the datastores once as a task, so Recent Tasks shows what start-up did. */
  async scanDatastores(): Promise<void> {
    await this.tasks.run('Refresh datastores', this.name, (task) => {
      this.datastores.forEach((ds, i) => {
        const s = summarizeDatastore(ds);
        if (!s.accessible) this.events.log({ level: 'warning', type: 'DatastoreInaccessibleEvent', message: s.problem ?? `datastore ${ds.name} is inaccessible`, target: ds.name, targetId: s.id });
        task.progress(((i + 1) / this.datastores.length) * 100);
      });
    }, { targetId: `host-${this.name}` });
    if (this.store.isDisposed) return;
    this.onEventEmitter.fire({ event: 'inventory.changed', data: this.tree() });
  }

  dispose(): void {
    this.store.dispose();
  }
}
