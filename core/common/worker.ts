// Starting core code in a worker_thread, the same way from TypeScript sources (tests, a
// checkout's `vmdesk`) and from the built bundle (the app). Node 20 cannot start a .ts
// worker entry (STACK.md pitfall 1), so in source mode a tiny .mjs bootstrap registers
// tsx and imports the entry; in bundle mode the entry is a prebuilt .cjs beside the main
// bundle, which announces its folder through `globalThis.__vmdeskBundleDir`.
import { Worker, type WorkerOptions } from 'node:worker_threads';
import path from 'node:path';

export interface WorkerEntry {
  /** The .ts entry, as `new URL('./x-worker.ts', import.meta.url)` from the caller. */
  readonly source: URL;
  /** Name of the bundled entry: build/bundle.mjs emits `workers/<bundle>.cjs`. */
  readonly bundle: string;
}

declare global {
  var __vmdeskBundleDir: string | undefined;
}



export function isBundled(): boolean {
  return typeof globalThis.__vmdeskBundleDir === 'string';
}

export function startWorker(entry: WorkerEntry, data: unknown, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  if (isBundled()) {
    const file = path.join(globalThis.__vmdeskBundleDir!, 'workers', `${entry.bundle}.cjs`);
    return new Worker(file, { ...options, workerData: { payload: data } });
  }
  return new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), { ...options, workerData: { entry: entry.source.href, payload: data } });
}

/** Inside a worker: the data the parent passed to `startWorker`. */
export function workerPayload<T>(workerData: unknown): T {
  return (workerData as { payload: T }).payload;
}
