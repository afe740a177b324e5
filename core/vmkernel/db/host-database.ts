// The host's SQLite database (better-sqlite3): the VM inventory, tasks and events, kept
// across restarts. A file that is not a database, or cannot be opened, gives one clear
// error naming the file and what to do; nothing here may crash the host.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { VmdeskError, errorMessage } from '../../common';

export type Db = Database.Database;

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS vms (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  datastore TEXT NOT NULL,
  vmx TEXT NOT NULL,
  name TEXT NOT NULL,
  registered_at INTEGER NOT NULL,
  UNIQUE (datastore, vmx)
);
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  target TEXT NOT NULL,
  target_id TEXT,
  state TEXT NOT NULL,
  progress INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  error TEXT,
  result TEXT
);
CREATE INDEX IF NOT EXISTS tasks_seq ON tasks (seq);
CREATE TABLE IF NOT EXISTS datastores (
  name TEXT PRIMARY KEY,
  path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  level TEXT NOT NULL,
  type TEXT NOT NULL,
  message TEXT NOT NULL,
  target TEXT,
  target_id TEXT
);
`;

export class HostDatabaseError extends VmdeskError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, { cause });
  }
}

/** Opens (creating if missing) the database at `file`, or an in-memory one for ":memory:". */
export function openHostDatabase(file: string): Db {
  const where = file === ':memory:' ? 'in-memory database' : file;
  let db: Db | undefined;
  try {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new HostDatabaseError(`host: database ${where} is of a newer vmdesk (schema ${version}, this build knows ${SCHEMA_VERSION}); upgrade vmdesk`);
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(String(check));
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof HostDatabaseError) throw err;
    const code = (err as { code?: string }).code;
    const why = code === 'SQLITE_NOTADB' ? 'the file is not an SQLite database' : code === 'SQLITE_CORRUPT' ? 'the database is corrupt' : errorMessage(err);
    throw new HostDatabaseError(`host: cannot open the inventory database ${where}: ${why}; move it aside to start with an empty inventory`, err);
  }
}

/** The datastores the host last ran with (so `vmdesk vm …` finds what `vmdesk serve` had). */
export function readRememberedDatastores(db: Db): { name: string; path: string }[] {
  return db.prepare('SELECT name, path FROM datastores ORDER BY name').all() as { name: string; path: string }[];
}

export function rememberDatastores(db: Db, datastores: readonly { name: string; path: string }[]): void {
  db.transaction(() => {
    db.prepare('DELETE FROM datastores').run();
    const insert = db.prepare('INSERT INTO datastores (name, path) VALUES (?, ?)');
    for (const ds of datastores) insert.run(ds.name, ds.path);
  })();
}
