// Worker bootstrap (STACK.md pitfall 1): Node 20 cannot start a .ts worker entry, so
// register tsx's loader here and import the TypeScript entry named in workerData.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';

register();
await import(pathToFileURL(workerData.entry).href);
