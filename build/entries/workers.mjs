// Worker entries the bundles must contain: bundle name → source. core code starts them
// with startWorker({ source, bundle }) and the bundle name must match a key here.
export const workerEntries = {
  'stats-sampler': 'core/vmkernel/stats/sampler-worker.ts',
  vm: 'core/vmm/worker/vm-worker.ts',
};
