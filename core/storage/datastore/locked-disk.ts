// Opening a disk under its lease lock, as a host does when it powers on a VM: the lock is
// held for as long as the backend is open, every write first checks that the lock is still
// ours (a host that missed its heartbeats must stop writing), and dispose releases it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Lba } from '../../common';
import type { BlockBackend } from '../block-backend';
import { openImage } from '../image';
import type { VmdkOpenOptions } from '../vmdk/vmdk-disk';
import { LeaseLock, type LeaseLockOptions, defaultLeaseMs, lockDirOf } from './lease-lock';

export interface LockedBackend extends BlockBackend {
  readonly lock: LeaseLock;
  readonly disk: BlockBackend;
}

export async function openDiskLocked(file: string, o: VmdkOpenOptions & LeaseLockOptions = {}): Promise<LockedBackend> {
  const lock = await LeaseLock.acquire(file, o);
  let disk: BlockBackend;
  try {
    disk = openImage(file, o);
  } catch (err) {
    lock.release();
    throw err;
  }
  return {
    lock,
    disk,
    sectorCount: disk.sectorCount,
    sizeBytes: disk.sizeBytes,
    readOnly: disk.readOnly,
    readSectors: (lba: Lba, n: number, buf: Uint8Array, off?: number) => disk.readSectors(lba, n, buf, off),
    writeSectors: (lba: Lba, n: number, buf: Uint8Array, off?: number) => {
      lock.heartbeat();
      disk.writeSectors(lba, n, buf, off);
    },
    discard: (lba: Lba, n: number) => {
      lock.heartbeat();
      disk.discard(lba, n);
    },
    flush: () => disk.flush(),
    allocationRun: (lba: Lba, max: number) => disk.allocationRun(lba, max),
    dispose: () => {
      try {
        disk.dispose();
      } finally {
        lock.dispose();
      }
    },
  };
}

/**
 * Runs `fn` while holding the lease locks of `files` (taken in sorted order, so two tools
 * locking the same set cannot deadlock). A stale lock of a dead host is broken after its
 * lease; a live holder makes this fail after a little more than one lease. Synchronous work
 * blocks the renewal timer, so `fn` gets a `heartbeat` to call between chunks.
 */
export async function withDiskLocks<T>(files: string[], fn: (heartbeat: () => void) => T | Promise<T>, o: LeaseLockOptions = {}): Promise<T> {
  const leaseMs = o.leaseMs ?? defaultLeaseMs();
  const locks: LeaseLock[] = [];
  try {
    for (const f of [...new Set(files.map((f) => path.resolve(f)))].sort()) locks.push(await LeaseLock.acquire(f, { timeoutMs: Math.round(leaseMs * 1.25), ...o }));
    return await fn(() => {
      for (const l of locks) l.heartbeat();
    });
  } finally {
    for (const l of locks.reverse()) {
      l.dispose();
      // The file is gone (consolidated, reverted with delete): so is the reason for its lock.
      if (!fs.existsSync(l.target)) fs.rmSync(lockDirOf(l.target), { recursive: true, force: true });
    }
  }
}
