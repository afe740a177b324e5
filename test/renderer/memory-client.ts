// An ApiClient that answers from fixed data, for component tests: the contract is the
// real one; the host behind it is a fixture, and events are pushed by the test.
import type { ApiClient, ApiEventMessage, ApiMethod, ApiMethods, ApiResult } from '../../core/api';

export class MemoryApiClient implements ApiClient {
  private readonly listeners = new Set<(m: ApiEventMessage) => void>();

  constructor(private readonly answers: { [M in ApiMethod]?: ApiMethods[M]['result'] }) {}

  async call<M extends ApiMethod>(method: M): Promise<ApiResult<ApiMethods[M]['result']>> {
    const data = this.answers[method];
    if (data === undefined) return { ok: false, error: { code: 'unavailable', message: `test: no answer for ${method}` } };
    return { ok: true, data: data as ApiMethods[M]['result'] };
  }

  onEvent(listener: (m: ApiEventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  push(message: ApiEventMessage): void {
    for (const l of this.listeners) l(message);
  }
}
