// Files on the host's datastores: VMware datastore paths ("[datastore1] web01/web01.vmx"),
// resolving them to host paths without ever leaving the datastore, and the datastore
// browser's listing.
import fs from 'node:fs';
import path from 'node:path';
import type { DatastoreFile, DatastoreFileKind, DatastoreListing } from '../api';
import { UsageError, VmdeskError, errorMessage } from '../common';
import type { DatastoreConfig } from './datastores';

export class DatastoreError extends VmdeskError {
  constructor(code: 'not-found' | 'bad-request' | 'conflict' | 'unavailable', message: string) {
    super(code, message);
  }
}

export function findDatastore(datastores: readonly DatastoreConfig[], name: string): DatastoreConfig {
  const ds = datastores.find((d) => d.name === name);
  if (!ds) {
    const known = datastores.map((d) => d.name).join(', ') || 'none';
    throw new DatastoreError('not-found', `datastore: this host has no datastore "${name}" (it has: ${known})`);
  }
  return ds;
}

/** Host path of `rel` inside `ds`; refuses anything that escapes it. */
export function resolveInDatastore(ds: DatastoreConfig, rel: string): string {
  const root = path.resolve(ds.path);
  const p = path.resolve(root, rel);
  if (p !== root && !p.startsWith(root + path.sep)) throw new UsageError(`datastore ${ds.name}: "${rel}" is outside the datastore`);
  return p;
}

export function datastorePath(ds: string, rel: string): string {
  return `[${ds}] ${rel.split(path.sep).join('/')}`;
}

/** "[ds] a/b.vmx" or a host path inside one of the datastores → datastore and relative path. */
export function locateFile(datastores: readonly DatastoreConfig[], where: string): { ds: DatastoreConfig; rel: string } {
  const m = /^\[([^\]]+)\]\s*(.*)$/.exec(where.trim());
  if (m) {
    const ds = findDatastore(datastores, m[1]!);
    const rel = path.relative(path.resolve(ds.path), resolveInDatastore(ds, m[2]!));
    return { ds, rel };
  }
  if (!path.isAbsolute(where)) throw new UsageError(`datastore: "${where}" is neither a datastore path ("[ds] dir/file") nor an absolute path`);
  const abs = path.resolve(where);
  for (const ds of datastores) {
    const root = path.resolve(ds.path);
    if (abs.startsWith(root + path.sep)) return { ds, rel: path.relative(root, abs) };
  }
  throw new DatastoreError('bad-request', `datastore: ${abs} is not on any datastore of this host (${datastores.map((d) => `${d.name}=${d.path}`).join(', ') || 'none'})`);
}

/** Host path of a file a .vmx names: "[ds] dir/file" on one of the datastores, else absolute or relative to `base`. */
export function hostPathOf(datastores: readonly DatastoreConfig[], where: string, base: string): string {
  if (/^\[[^\]]+\]/.test(where.trim())) {
    const { ds, rel } = locateFile(datastores, where);
    return path.join(path.resolve(ds.path), rel);
  }
  return path.resolve(base, where);
}

function kindOf(name: string, isDir: boolean): DatastoreFileKind {
  if (isDir) return 'folder';
  const n = name.toLowerCase();
  if (n.endsWith('.vmx')) return 'vmx';
  if (n.endsWith('.vmdk') || n.endsWith('.raw')) return 'disk';
  if (n.endsWith('.nvram')) return 'nvram';
  if (n.endsWith('.log')) return 'log';
  if (n.endsWith('.iso')) return 'iso';
  if (n.endsWith('.lck')) return 'lock';
  return 'file';
}

export function browseDatastore(ds: DatastoreConfig, rel = ''): DatastoreListing {
  const dir = resolveInDatastore(ds, rel);
  const relDir = path.relative(path.resolve(ds.path), dir);
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatastoreError('not-found', `datastore ${ds.name}: no folder "${relDir}"`);
    if (code === 'ENOTDIR') throw new DatastoreError('bad-request', `datastore ${ds.name}: "${relDir}" is a file, not a folder`);
    throw new DatastoreError('unavailable', `datastore ${ds.name}: cannot list "${relDir}": ${errorMessage(err)}`);
  }
  const entries: DatastoreFile[] = [];
  for (const d of names) {
    if (d.name.startsWith('.')) continue;
    const full = path.join(dir, d.name);
    const st = fs.statSync(full, { throwIfNoEntry: false });
    if (!st) continue;
    entries.push({
      name: d.name,
      path: [relDir, d.name].filter(Boolean).join('/'),
      kind: kindOf(d.name, st.isDirectory()),
      sizeBytes: st.isDirectory() ? 0 : st.size,
      modified: st.mtimeMs,
    });
  }
  entries.sort((a, b) => (a.kind === 'folder') !== (b.kind === 'folder') ? (a.kind === 'folder' ? -1 : 1) : a.name.localeCompare(b.name));
  return { datastore: ds.name, path: relDir.split(path.sep).join('/'), entries };
}
