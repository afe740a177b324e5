// The API's implementation: one handler per contract method, over a HostAgent.
import type { ApiMethod, ApiParams, ApiResultOf } from '../api';
import type { HostAgent } from '../vmkernel';

export type ApiHandlers = { [M in ApiMethod]: (params: ApiParams<M>) => Promise<ApiResultOf<M>> | ApiResultOf<M> };

export function createHandlers(host: HostAgent): ApiHandlers {
  return {
    'host.info': () => host.info(),
    'host.stats': () => host.stats(),
    'inventory.tree': () => host.tree(),
    'tasks.recent': () => host.recentTasks(),
  };
}
