// core/vmkernel (L4): one host — its VM registry, scheduler, datastores, tasks and stats.
export { HostAgent, type HostAgentOptions } from './host-agent';
export { parseDatastoreArg, type DatastoreConfig } from './datastores';
export { TaskManager, type TaskControl } from './tasks';
