// The datastore lock a powered-on VM holds: core/storage's leased lock on its .vmx (the lock
// directory NAME.vmx.lck sits in the VM's folder, so the datastore shows the folder in use),
// recording this host's id and renewed by heartbeat. Another host sharing the datastore is
// refused with the holder's name; a dead host's lock is broken once its lease has run out.
import path from 'node:path';
import { errorMessage } from '../../common';
import { LeaseLock, LockedError, defaultLeaseMs, inspectLock } from '../../storage';
import { VmError } from '../vms/vm-error';
import type { VmLaunchSpec } from './vm-runtime';

export interface VmLockOptions {
  readonly hostId: string;
  readonly leaseMs?: number;
}

export async function lockVm(spec: VmLaunchSpec, o: VmLockOptions): Promise<LeaseLock> {
  const leaseMs = o.leaseMs ?? defaultLeaseMs();
  const rel = path.relative(spec.datastore.path, spec.vmxFile).split(path.sep).join('/');
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const refuse = (): never => {
    const holder = inspectLock(spec.vmxFile).record;
    const who = holder ? `host ${holder.host} (pid ${holder.pid}, since ${holder.acquiredAt || holder.time})` : 'another host';
    throw new VmError(
      'conflict',
      `vm ${spec.name}: [${spec.datastore.name}] ${rel} is locked by ${who}, which has it powered on; power it off there first (a host that died loses the lock ${Math.round(leaseMs / 1000)} s after its last heartbeat)`,
    );
  };
  // A live holder renews every quarter lease: seeing its heartbeat move is enough to refuse
  // at once. A silent one may be dead; acquire() breaks it after a full lease of silence.
  const first = inspectLock(spec.vmxFile);
  if (first.state === 'held' && first.record) {
    const until = performance.now() + leaseMs * 0.6;
    while (performance.now() < until) {
      await sleep(Math.max(10, Math.min(100, leaseMs / 20)));
      const now = inspectLock(spec.vmxFile);
      if (now.state !== 'held') break;
      if (now.generation !== first.generation || now.record?.heartbeat !== first.record.heartbeat) refuse();
    }
  }
  try {
    // Wait a little over one lease: long enough to see a dead host's heartbeat stand still.
    return await LeaseLock.acquire(spec.vmxFile, { hostId: o.hostId, leaseMs, timeoutMs: Math.round(leaseMs * 1.25) });
  } catch (err) {
    if (!(err instanceof LockedError)) throw new VmError('unavailable', `vm ${spec.name}: cannot take the lock of [${spec.datastore.name}] ${rel}: ${errorMessage(err)}`);
    return refuse();
  }
}
