// The host side of the stats sampler: owns the worker, keeps the latest sample, fires
// an event per sample. Disposing stops the worker.
import type { Worker } from 'node:worker_threads';
import type { HostStats } from '../../api';
import { Emitter, type Disposable, createLogger, startWorker } from '../../common';
import type { SamplerConfig, SamplerMessage, SamplerRequest } from './sampler-protocol';

const log = createLogger('stats');

export class StatsSampler implements Disposable {
  private readonly worker: Worker;
  private readonly onSampleEmitter = new Emitter<HostStats>();
  readonly onSample = this.onSampleEmitter.event;
  private last: HostStats | null = null;
  private disposed = false;

  constructor(config: SamplerConfig) {
    this.worker = startWorker({ source: new URL('./sampler-worker.ts', import.meta.url), bundle: 'stats-sampler' }, config);
    this.worker.unref();
    this.worker.on('message', (message: SamplerMessage) => {
      if (message.type !== 'sample') return;
      this.last = message.stats;
      this.onSampleEmitter.fire(message.stats);
    });
    this.worker.on('error', (err) => log.error(`sampler worker failed: ${err.message}`));
  }

  get latest(): HostStats | null {
    return this.last;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.worker.postMessage({ type: 'stop' } satisfies SamplerRequest);
    void this.worker.terminate();
    this.onSampleEmitter.dispose();
  }
}
