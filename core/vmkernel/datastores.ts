// The datastores a host was given (`--datastore NAME=PATH`), with capacity and free space.
// A datastore whose directory is missing is still listed, marked inaccessible with the
// reason, as vCenter shows an inaccessible datastore instead of hiding it.
import fs from 'node:fs';
import path from 'node:path';
import type { DatastoreSummary } from '../api';
import { UsageError, errorMessage } from '../common';

export interface DatastoreConfig {
  readonly name: string;
  readonly path: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$/;

/** Parse `NAME=PATH` as given on the command line. */
export function parseDatastoreArg(arg: string, cwd = process.cwd()): DatastoreConfig {
  const eq = arg.indexOf('=');
  if (eq <= 0 || eq === arg.length - 1) throw new UsageError(`datastore: "${arg}" is not NAME=PATH`);
  const name = arg.slice(0, eq);
  if (!NAME.test(name)) throw new UsageError(`datastore: name "${name}" may hold letters, digits, space, dot, dash and underscore (1-80)`);
  return { name, path: path.resolve(cwd, arg.slice(eq + 1)) };
}

export function summarizeDatastore(ds: DatastoreConfig): DatastoreSummary {
  const base = { id: `datastore-${ds.name}`, name: ds.name, path: ds.path };
  try {
    if (!fs.statSync(ds.path).isDirectory()) throw new Error('not a directory');
    fs.accessSync(ds.path, fs.constants.R_OK | fs.constants.W_OK);
    const st = fs.statfsSync(ds.path);
    return { ...base, capacityBytes: st.blocks * st.bsize, freeBytes: st.bavail * st.bsize, accessible: true };
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the directory does not exist' : errorMessage(err);
    return { ...base, capacityBytes: 0, freeBytes: 0, accessible: false, problem: `datastore ${ds.name}: ${ds.path}: ${reason}` };
  }
}
