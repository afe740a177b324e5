// The API over Electron IPC. One channel per method (`vmdesk:host.info`); main answers
// only frames of the app's own renderer (VS Code's validated IPC). Core never imports
// electron: main hands in its ipcMain and the sender check.
import { API_METHODS, type ApiResult, ipcChannel } from '../api';
import { DisposableStore, type Disposable, toDisposable } from '../common';
import { newCallContext } from './call-context';
import { dispatch } from './dispatch';
import type { ApiHandlers } from './handlers';

export interface IpcInvokeEvent {
  readonly senderFrame: { readonly url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEvent, params: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export function attachIpcTransport(ipc: IpcMainLike, handlers: ApiHandlers, isTrustedSender: (url: string) => boolean): Disposable {
  const store = new DisposableStore();
  // Electron's windows are the app's own: no login, and every event goes to every window.
  const context = newCallContext();
  for (const method of API_METHODS) {
    const channel = ipcChannel(method);
    ipc.handle(channel, async (event, params): Promise<ApiResult<unknown>> => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedSender(url)) {
        return { ok: false, error: { code: 'forbidden', message: `api: ${method} refused for a frame outside the app (${url || 'unknown'})` } };
      }
      return dispatch(handlers, method, params, context);
    });
    store.add(toDisposable(() => ipc.removeHandler(channel)));
  }
  return store;
}
