// The host that `vmdesk serve`, `vmdesk desktop`, Electron main and `vmdesk vm …` (without
// --server) embed: a HostAgent over the given datastores (or the user's local datastore1
// when none is given), its database in the vmdesk home, its API handlers, and the runtime
// that runs its VMs in worker threads under the host's CPU scheduler.
//   VMDESK_HOST_NAME    the host's name (default: the OS host name); it is the id in datastore locks
//   VMDESK_CPU_CAPACITY what VMs may use of this machine: cores ("1.5"), MHz, GHz or % of a core
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, VmdeskError, vmdeskHome } from '../common';
import { createHandlers, type ApiHandlers } from '../server';
import {
  CpuScheduler,
  HostAgent,
  WorkerVmRuntime,
  openHostDatabase,
  parseDatastoreArg,
  parseHostCpuCapacity,
  readRememberedDatastores,
  type DatastoreConfig,
  type RunningVm,
  type VmLaunchSpec,
  type VmRuntime,
} from '../vmkernel';
import { VMDESK_VERSION } from './version';

export interface EmbeddedHost {
  readonly host: HostAgent;
  readonly handlers: ApiHandlers;
  /** Powers every VM off and closes the host. */
  stop(): Promise<void>;
}

export interface EmbeddedHostOptions {
  /** Skip the start-up datastore scan (one-shot CLI commands). */
  readonly quiet?: boolean;
  /**
   * What runs VMs: 'workers' (default, the real runtime), 'one-shot' (a CLI command that ends
   * at once: power-on is refused with advice), or a VmRuntime of the caller's.
   */
  readonly runtime?: VmRuntime | 'workers' | 'one-shot';
  /** Host CPU capacity for VMs (as VMDESK_CPU_CAPACITY); default all cores. */
  readonly cpuCapacity?: string;
}

/** The runtime of a one-shot `vmdesk vm …` command: its process ends, so it cannot keep a VM running. */
class OneShotRuntime implements VmRuntime {
  powerOn(spec: VmLaunchSpec): Promise<RunningVm> {
    return Promise.reject(
      new VmdeskError('unavailable', `vm ${spec.name}: a one-shot command cannot keep a VM running; start a host with \`vmdesk serve\` (or the desktop app) and pass --server URL`),
    );
  }
}

export function hostName(): string {
  return process.env.VMDESK_HOST_NAME?.trim() || os.hostname();
}

export function defaultDatastore(): DatastoreConfig {
  const dir = path.join(vmdeskHome(), 'datastore1');
  fs.mkdirSync(dir, { recursive: true });
  return { name: 'datastore1', path: dir };
}

export function hostDatabaseFile(): string {
  return path.join(vmdeskHome(), 'host.sqlite');
}

/** The datastores the host in the vmdesk home last ran with, or datastore1. */
function rememberedOrDefault(): DatastoreConfig[] {
  const db = openHostDatabase(hostDatabaseFile());
  try {
    const known = readRememberedDatastores(db);
    return known.length > 0 ? known : [defaultDatastore()];
  } finally {
    db.close();
  }
}

/** `datastoreArgs`: NAME=PATH from the command line, or "remembered" (vm commands). */
export function startEmbeddedHost(datastoreArgs: readonly string[] | 'remembered', options: EmbeddedHostOptions = {}): EmbeddedHost {
  const datastores =
    datastoreArgs === 'remembered' ? rememberedOrDefault() : datastoreArgs.length > 0 ? datastoreArgs.map((a) => parseDatastoreArg(a)) : [defaultDatastore()];
  const names = new Set<string>();
  for (const ds of datastores) {
    if (names.has(ds.name)) throw new UsageError(`datastore: "${ds.name}" is given twice`);
    names.add(ds.name);
  }
  const name = hostName();
  const capacity = options.cpuCapacity ?? process.env.VMDESK_CPU_CAPACITY;
  const choice = options.runtime ?? 'workers';
  let workers: WorkerVmRuntime | undefined;
  let runtime: VmRuntime;
  if (choice === 'workers') {
    const scheduler = new CpuScheduler(capacity ? { capacityMHz: parseHostCpuCapacity(capacity) } : {});
    workers = new WorkerVmRuntime({ hostId: name, scheduler });
    runtime = workers;
  } else runtime = choice === 'one-shot' ? new OneShotRuntime() : choice;
  let host: HostAgent;
  try {
    host = new HostAgent({ version: VMDESK_VERSION, name, datastores, databaseFile: hostDatabaseFile(), runtime });
  } catch (err) {
    workers?.dispose();
    workers?.scheduler.dispose();
    throw err;
  }
  if (!options.quiet) void host.scanDatastores();
  return {
    host,
    handlers: createHandlers(host),
    stop: async () => {
      await host.vms.powerOffAll();
      host.dispose();
      if (workers) {
        workers.dispose();
        workers.scheduler.dispose();
      }
    },
  };
}
