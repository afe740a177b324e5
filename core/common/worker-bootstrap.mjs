// Worker bootstrap for source mode: make tsx resolve .ts, then run the real entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
