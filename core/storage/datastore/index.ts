// core/storage/datastore: datastores (VMware's per-VM folder layout) and leased file locks.
export { Datastore, type DatastoreEntry, type FileRole, type VmLayout } from './datastore';
export { LeaseLock, DEFAULT_LEASE_MS, defaultLeaseMs, heldByDeadLocalProcess, inspectLock, lockDirOf, type LeaseLockOptions, type LockRecord, type LockState } from './lease-lock';
export { openDiskLocked, withDiskLocks, type LockedBackend } from './locked-disk';
