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

/** Node options that load code before the entry (`--import tsx`, `-r hook`, loaders). */
const PRELOAD_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/**
 * The parent's Node options minus its preloads: a bundled worker is self-contained, and a
 * worker inherits `process.execArgv` by default, so a host started with `node --import tsx`
 * would load tsx again in every worker (~8 MiB each, test/bench/host-idle-memory.ts).
 */
export function bundledWorkerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const eq = arg.indexOf('=');
    if (PRELOAD_FLAGS.has(eq > 0 ? arg.slice(0, eq) : arg)) {
      if (eq < 0) i++; // the flag's value is the next argument
      continue;
    }
    out.push(arg);
  }
  return out;
}

let bundledExecArgvOk = true;

export function isBundled(): boolean {
  return typeof globalThis.__vmdeskBundleDir === 'string';
}

export function startWorker(entry: WorkerEntry, data: unknown, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  if (isBundled()) {
    const file = path.join(globalThis.__vmdeskBundleDir!, 'workers', `${entry.bundle}.cjs`);
    const opts = { ...options, workerData: { payload: data } };
    if (options.execArgv) return new Worker(file, opts);
    if (!bundledExecArgvOk) return new Worker(file, { ...opts, execArgv: [] });
    try {
      return new Worker(file, { ...opts, execArgv: bundledWorkerExecArgv() });
    } catch (err) {
      // V8 flags (--expose-gc, --max-old-space-size…) are refused in a worker's execArgv;
      // they are process-wide and apply to the worker anyway, so start it with none.
      if ((err as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
      bundledExecArgvOk = false;
      return new Worker(file, { ...opts, execArgv: [] });
    }
  }
  return new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), { ...options, workerData: { entry: entry.source.href, payload: data } });
}

/** Inside a worker: the data the parent passed to `startWorker`. */
export function workerPayload<T>(workerData: unknown): T {
  return (workerData as { payload: T }).payload;
}
