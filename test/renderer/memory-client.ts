// An ApiClient that answers from fixed data, for component tests: the contract is the
// real one; the host behind it is a fixture, and events are pushed by the test. Calls are
// recorded; an answer may be a function of the params.
import type { ApiClient, ApiEventMessage, ApiMethod, ApiMethods, ApiResult } from '../../core/api';

type Answer<M extends ApiMethod> = ApiMethods[M]['result'] | ((params: ApiMethods[M]['params']) => ApiResult<ApiMethods[M]['result']>);

export class MemoryApiClient implements ApiClient {
  private readonly listeners = new Set<(m: ApiEventMessage) => void>();
  readonly calls: { method: ApiMethod; params: unknown }[] = [];

  constructor(private readonly answers: { [M in ApiMethod]?: Answer<M> }) {}

  async call<M extends ApiMethod>(method: M, params: ApiMethods[M]['params']): Promise<ApiResult<ApiMethods[M]['result']>> {
    this.calls.push({ method, params });
    const answer: unknown = (this.answers as Record<string, unknown>)[method];
    if (answer === undefined) return { ok: false, error: { code: 'unavailable', message: `test: no answer for ${method}` } };
    if (typeof answer === 'function') return (answer as (p: unknown) => ApiResult<ApiMethods[M]['result']>)(params);
    return { ok: true, data: answer as ApiMethods[M]['result'] };
  }

  onEvent(listener: (m: ApiEventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  push(message: ApiEventMessage): void {
    for (const l of this.listeners) l(message);
  }
}
