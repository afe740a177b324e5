// The datastore locks a powered-on VM holds: core/storage's leased locks on its .vmx (the lock
// directory NAME.vmx.lck sits in the VM's folder, so the datastore shows the folder in use)
// and on each disk it writes (NAME.vmdk.lck, so a disk shared by two VMs or opened by
// `vmdesk run` is refused too), recording this host's id and renewed by heartbeat. Another
// host sharing the datastore is refused with the holder's name; a dead host's lock is broken
// once its lease has run out, a dead process's of this host at once.
import path from 'node:path';
import { errorMessage } from '../../common';
import { LeaseLock, LockedError, defaultLeaseMs, heldByDeadLocalProcess, inspectLock } from '../../storage';
import { VmError } from '../vms/vm-error';
import type { VmLaunchSpec } from './vm-runtime';

export interface VmLockOptions {
  readonly hostId: string;
  readonly leaseMs?: number;
}

export function lockVm(spec: VmLaunchSpec, o: VmLockOptions): Promise<LeaseLock> {
  return lockVmFile(spec, spec.vmxFile, 'has it powered on', o);
}

/** The lock of one writable disk of the VM (it may lie outside the VM's datastore). */
export function lockVmDisk(spec: VmLaunchSpec, file: string, o: VmLockOptions): Promise<LeaseLock> {
  return lockVmFile(spec, file, 'has the disk open', o);
}

async function lockVmFile(spec: VmLaunchSpec, target: string, holding: string, o: VmLockOptions): Promise<LeaseLock> {
  const leaseMs = o.leaseMs ?? defaultLeaseMs();
  const inDs = path.relative(spec.datastore.path, target);
  const rel = inDs.startsWith('..') || path.isAbsolute(inDs) ? undefined : inDs.split(path.sep).join('/');
  const label = rel !== undefined ? `[${spec.datastore.name}] ${rel}` : target;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const refuse = (): never => {
    const holder = inspectLock(target).record;
    const who = holder ? `host ${holder.host} (pid ${holder.pid}, since ${holder.acquiredAt || holder.time})` : 'another host';
    throw new VmError(
      'conflict',
      `vm ${spec.name}: ${label} is locked by ${who}, which ${holding}; power it off there first (a host that died loses the lock ${Math.round(leaseMs / 1000)} s after its last heartbeat)`,
    );
  };
  // A live holder renews every quarter lease: seeing its heartbeat move is enough to refuse
  // at once. A silent one may be dead; acquire() breaks it after a full lease of silence, or
  // at once when it was a process of this host that no longer exists (killed, crashed).
  const first = inspectLock(target);
  if (first.state === 'held' && first.record && !heldByDeadLocalProcess(first.record, o.hostId)) {
    const until = performance.now() + leaseMs * 0.6;
    while (performance.now() < until) {
      await sleep(Math.max(10, Math.min(100, leaseMs / 20)));
      const now = inspectLock(target);
      if (now.state !== 'held') break;
      if (now.generation !== first.generation || now.record?.heartbeat !== first.record.heartbeat) refuse();
    }
  }
  try {
    // Wait a little over one lease: long enough to see a dead host's heartbeat stand still.
    return await LeaseLock.acquire(target, { hostId: o.hostId, leaseMs, timeoutMs: Math.round(leaseMs * 1.25) });
  } catch (err) {
    if (!(err instanceof LockedError)) throw new VmError('unavailable', `vm ${spec.name}: cannot take the lock of ${label}: ${errorMessage(err)}`);
    return refuse();
  }
}
