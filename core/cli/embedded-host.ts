// The host that `vmdesk serve` and `vmdesk desktop` embed: a HostAgent over the given
// datastores (or the user's local datastore1 when none is given) and its API handlers.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError, vmdeskHome } from '../common';
import { createHandlers, type ApiHandlers } from '../server';
import { HostAgent, parseDatastoreArg, type DatastoreConfig } from '../vmkernel';
import { VMDESK_VERSION } from './version';

export interface EmbeddedHost {
  readonly host: HostAgent;
  readonly handlers: ApiHandlers;
}

export function defaultDatastore(): DatastoreConfig {
  const dir = path.join(vmdeskHome(), 'datastore1');
  fs.mkdirSync(dir, { recursive: true });
  return { name: 'datastore1', path: dir };
}

export function startEmbeddedHost(datastoreArgs: readonly string[]): EmbeddedHost {
  const datastores = datastoreArgs.length > 0 ? datastoreArgs.map((a) => parseDatastoreArg(a)) : [defaultDatastore()];
  const names = new Set<string>();
  for (const ds of datastores) {
    if (names.has(ds.name)) throw new UsageError(`datastore: "${ds.name}" is given twice`);
    names.add(ds.name);
  }
  const host = new HostAgent({ version: VMDESK_VERSION, datastores });
  void host.scanDatastores();
  return { host, handlers: createHandlers(host) };
}
