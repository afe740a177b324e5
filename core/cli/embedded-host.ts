// The host that `vmdesk serve`, `vmdesk desktop` and `vmdesk vm …` (without --server)
// embed: a HostAgent over the given datastores (or the user's local datastore1 when none is
// given), its database in the vmdesk home, and its API handlers.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError, vmdeskHome } from '../common';
import { createHandlers, type ApiHandlers } from '../server';
import { HostAgent, openHostDatabase, parseDatastoreArg, readRememberedDatastores, type DatastoreConfig, type VmRuntime } from '../vmkernel';
import { VMDESK_VERSION } from './version';

export interface EmbeddedHost {
  readonly host: HostAgent;
  readonly handlers: ApiHandlers;
}

export interface EmbeddedHostOptions {
  /** Skip the start-up datastore scan (one-shot CLI commands). */
  readonly quiet?: boolean;
  /** The VM runner; none in this build (see core/vmkernel/runtime). */
  readonly runtime?: VmRuntime;
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
  const host = new HostAgent({ version: VMDESK_VERSION, datastores, databaseFile: hostDatabaseFile(), ...(options.runtime ? { runtime: options.runtime } : {}) });
  if (!options.quiet) void host.scanDatastores();
  return { host, handlers: createHandlers(host) };
}
