// ApiClient over the Electron preload bridge: one exposed function per method.
import { bridgeName, type ApiClient, type ApiEventMessage, type ApiMethod, type ApiParams, type ApiResult, type ApiResultOf } from '../../../core/api';

/** What electron/preload.ts exposes as `window.vmdesk`. */
export interface VmdeskBridge {
  readonly [fn: string]: unknown;
  onEvent(listener: (message: ApiEventMessage) => void): () => void;
}

export class IpcApiClient implements ApiClient {
  constructor(private readonly bridge: VmdeskBridge) {}

  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<ApiResultOf<M>>> {
    const fn = this.bridge[bridgeName(method)];
    if (typeof fn !== 'function') {
      return Promise.resolve({ ok: false, error: { code: 'internal', message: `renderer: the preload does not expose ${method}` } });
    }
    return (fn as (p: unknown) => Promise<ApiResult<ApiResultOf<M>>>)(params);
  }

  onEvent(listener: (message: ApiEventMessage) => void): () => void {
    return this.bridge.onEvent(listener);
  }
}
