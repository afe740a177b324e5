// core/vmkernel (L4): one host — its VM registry, scheduler, datastores, tasks and stats.
export { HostAgent, type HostAgentOptions } from './host-agent';
export { parseDatastoreArg, type DatastoreConfig } from './datastores';
export { TaskManager, type TaskControl } from './tasks';
export { EventLog, type EventInput } from './event-log';
export { openHostDatabase, readRememberedDatastores, HostDatabaseError } from './db/host-database';
export { VmRegistry, VmError } from './vms/vm-registry';
export { WorkerVmRuntime, workerExitReason, type WorkerVmRuntimeOptions } from './runtime/worker-vm-runtime';
export { machineSpecOf } from './runtime/machine-spec-of';
export * from './scheduler';
export { locateFile, datastorePath, browseDatastore, DatastoreError } from './datastore-files';
export { RawDiskProvisioner, type DiskProvisioner, type DiskRequest } from './disks/disk-provisioner';
export { VmdkDiskProvisioner } from './disks/vmdk-disk-provisioner';
export {
  NoVmRuntime,
  VmRuntimeUnavailableError,
  type VmRuntime,
  type RunningVm,
  type VmLaunchSpec,
  type VmRuntimeCallbacks,
  type VmRuntimeCounters,
  type VmExitReason,
} from './runtime/vm-runtime';
