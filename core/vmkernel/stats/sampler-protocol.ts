// Messages between the host and its stats sampler worker.
import type { HostStats } from '../../api';

export interface SamplerConfig {
  /** Milliseconds between samples. */
  readonly intervalMs: number;
}

/** host → sampler */
export type SamplerRequest = { readonly type: 'stop' };

/** sampler → host */
export type SamplerMessage = { readonly type: 'sample'; readonly stats: HostStats };
