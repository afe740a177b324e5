// A datastore: a directory (local or NFS) with one folder per VM in VMware's layout
// (NAME.vmx, NAME.vmdk + extents, NAME.nvram, NAME.vmsd, vmware.log, NAME-*.vswp).
// Browse, capacity, upload/download, delete — delete is refused while a lease lock is held.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { UsageError } from '../../common';
import { LockedError, StorageError } from '../errors';
import { LeaseLock, type LeaseLockOptions, defaultLeaseMs, inspectLock, lockDirOf } from './lease-lock';

export type FileRole = 'vmx' | 'descriptor' | 'extent' | 'nvram' | 'vmsd' | 'log' | 'swap' | 'lock' | 'other';

export interface DatastoreEntry {
  name: string;
  /** Path relative to the datastore root, with "/" separators. */
  path: string;
  kind: 'folder' | 'file';
  role?: FileRole;
  size: number;
  modified: string;
  /** A lease lock on this file (or, for a folder, on anything in it) is held. */
  locked: boolean;
}

export interface VmLayout {
  folder: string;
  vmx: string;
  vmdk: string;
  nvram: string;
  vmsd: string;
  log: string;
}

function roleOf(name: string): FileRole {
  if (name.endsWith('.lck')) return 'lock';
  if (name.endsWith('.vmx')) return 'vmx';
  if (name.endsWith('.nvram')) return 'nvram';
  if (name.endsWith('.vmsd')) return 'vmsd';
  if (name.endsWith('.vswp')) return 'swap';
  if (/^vmware(-\d+)?\.log$/.test(name)) return 'log';
  if (/-(flat|delta|s\d{3}|f\d{3})\.vmdk$/.test(name)) return 'extent';
  if (name.endsWith('.vmdk')) return 'descriptor';
  return 'other';
}

export class Datastore {
  constructor(
    readonly name: string,
    readonly root: string,
    private readonly lockOptions: LeaseLockOptions = {},
  ) {}

  /** Opens (creating the directory if asked) a datastore rooted at `root`. */
  static open(name: string, root: string, o: LeaseLockOptions & { create?: boolean } = {}): Datastore {
    if (o.create) fs.mkdirSync(root, { recursive: true });
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new StorageError(`datastore ${name}: ${root} is not a directory`, 'storage.datastore');
    return new Datastore(name, path.resolve(root), o);
  }

  /** Absolute path of `rel`, refusing anything that escapes the datastore. */
  resolve(rel: string): string {
    const p = path.resolve(this.root, rel.replace(/^\[[^\]]*\]\s*/, ''));
    if (p !== this.root && !p.startsWith(this.root + path.sep)) throw new UsageError(`datastore ${this.name}: "${rel}" is outside the datastore`);
    return p;
  }

  vmLayout(vm: string): VmLayout {
    if (!/^[^/\\\0]+$/.test(vm) || vm === '.' || vm === '..') throw new UsageError(`datastore ${this.name}: "${vm}" is not a VM name`);
    const folder = this.resolve(vm);
    return {
      folder,
      vmx: path.join(folder, `${vm}.vmx`),
      vmdk: path.join(folder, `${vm}.vmdk`),
      nvram: path.join(folder, `${vm}.nvram`),
      vmsd: path.join(folder, `${vm}.vmsd`),
      log: path.join(folder, 'vmware.log'),
    };
  }

  createVmFolder(vm: string): VmLayout {
    const l = this.vmLayout(vm);
    fs.mkdirSync(l.folder, { recursive: false });
    return l;
  }

  /** VM folders: directories holding a NAME.vmx. */
  vms(): string[] {
    return fs
      .readdirSync(this.root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(this.root, d.name, `${d.name}.vmx`)))
      .map((d) => d.name)
      .sort();
  }

  browse(rel = ''): DatastoreEntry[] {
    const dir = this.resolve(rel);
    const out: DatastoreEntry[] = [];
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, d.name);
      const st = fs.statSync(abs);
      const relPath = path.relative(this.root, abs).split(path.sep).join('/');
      const isLockDir = d.isDirectory() && d.name.endsWith('.lck');
      out.push({
        name: d.name,
        path: relPath,
        kind: d.isDirectory() && !isLockDir ? 'folder' : 'file',
        ...(d.isDirectory() && !isLockDir ? {} : { role: roleOf(d.name) }),
        size: st.isDirectory() ? 0 : st.size,
        modified: st.mtime.toISOString(),
        locked: isLockDir ? inspectLock(abs.slice(0, -4)).state === 'held' : this.lockedPaths(abs).length > 0,
      });
    }
    return out.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
  }

  capacity(): { capacityBytes: number; freeBytes: number } {
    const s = fs.statfsSync(this.root);
    return { capacityBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
  }

  /** Takes the lease lock of a file in the datastore (a disk, a .vmx). */
  lock(rel: string, o: LeaseLockOptions = {}): Promise<LeaseLock> {
    return LeaseLock.acquire(this.resolve(rel), { ...this.lockOptions, ...o });
  }

  /** Files under `abs` (itself, or everything in a folder) whose lock is held. */
  private lockedPaths(abs: string): string[] {
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return [];
    if (abs.endsWith('.lck') && st.isDirectory()) return inspectLock(abs.slice(0, -4)).state === 'held' ? [abs.slice(0, -4)] : [];
    if (st.isDirectory()) return fs.readdirSync(abs).flatMap((n) => this.lockedPaths(path.join(abs, n)));
    return fs.existsSync(lockDirOf(abs)) && inspectLock(abs).state === 'held' ? [abs] : [];
  }

  /**
   * Deletes like `delete`, but first takes every held lock under `rel` through the lease
   * protocol: a lock whose host died is broken once its lease has run out; a live holder
   * makes this fail after about one lease. The locks are held while the files go.
   */
  async deleteBreakingStaleLocks(rel: string): Promise<void> {
    const abs = this.resolve(rel);
    const held = [...new Set(this.lockedPaths(abs))];
    const leaseMs = this.lockOptions.leaseMs ?? defaultLeaseMs();
    const locks: LeaseLock[] = [];
    try {
      for (const f of held.sort()) locks.push(await LeaseLock.acquire(f, { ...this.lockOptions, timeoutMs: Math.round(leaseMs * 1.25) }));
      const ours = new Set(locks.map((l) => l.target));
      const others = this.lockedPaths(abs).filter((p) => !ours.has(p));
      if (others.length > 0) throw new LockedError(`datastore ${this.name}: cannot delete ${rel}: ${path.relative(this.root, others[0]!)} was locked meanwhile`);
      // Delete while holding the locks, so nobody can open the files half-way through.
      for (const l of locks) l.assertHeld();
      fs.rmSync(abs, { recursive: true, force: true });
    } finally {
      for (const l of locks) l.dispose();
    }
    fs.rmSync(lockDirOf(abs), { recursive: true, force: true });
  }

  delete(rel: string): void {
    const abs = this.resolve(rel);
    if (abs === this.root) throw new UsageError(`datastore ${this.name}: refusing to delete the datastore root`);
    if (!fs.existsSync(abs)) throw new StorageError(`datastore ${this.name}: ${rel} does not exist`, 'storage.notfound');
    const locked = [...new Set(this.lockedPaths(abs))];
    if (locked.length > 0) {
      const first = locked[0]!;
      const r = inspectLock(first).record;
      throw new LockedError(
        `datastore ${this.name}: cannot delete ${rel}: ${path.relative(this.root, first)} is locked${r ? ` by host ${r.host} (pid ${r.pid})` : ''}; a dead host's lease runs out ${Math.round((r?.leaseMs ?? 16000) / 1000)} s after its last heartbeat`,
      );
    }
    fs.rmSync(abs, { recursive: true, force: true });
    if (fs.existsSync(lockDirOf(abs))) fs.rmSync(lockDirOf(abs), { recursive: true, force: true });
  }

  /** Copies a local file into the datastore (via a temporary name, renamed when complete). */
  async upload(localPath: string, rel: string, progress?: (done: number, total: number) => void): Promise<void> {
    const dst = this.resolve(rel);
    const total = fs.statSync(localPath).size;
    const tmp = `${dst}.upload-${process.pid}`;
    await pipeline(fs.createReadStream(localPath), counter(total, progress), fs.createWriteStream(tmp));
    fs.renameSync(tmp, dst);
  }

  async download(rel: string, localPath: string, progress?: (done: number, total: number) => void): Promise<void> {
    const src = this.resolve(rel);
    const total = fs.statSync(src).size;
    const tmp = `${localPath}.download-${process.pid}`;
    await pipeline(fs.createReadStream(src), counter(total, progress), fs.createWriteStream(tmp));
    fs.renameSync(tmp, localPath);
  }
}

function counter(total: number, progress?: (done: number, total: number) => void): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      progress?.(done, total);
      cb(null, chunk);
    },
  });
}
