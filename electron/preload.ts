// The preload: exposes one function per API method as `window.vmdesk`, and the event
// stream — never ipcRenderer itself (Electron's context-isolation guide). Bundled as
// CommonJS (STACK.md pitfall 7: sandboxed preloads must be CommonJS).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, IPC_EVENT_CHANNEL, bridgeName, ipcChannel, type ApiEventMessage } from '../core/api';

export function buildBridge(ipc: Pick<typeof ipcRenderer, 'invoke' | 'on' | 'off'>): Record<string, unknown> {
  const bridge: Record<string, unknown> = {};
  for (const method of API_METHODS) {
    const channel = ipcChannel(method);
    bridge[bridgeName(method)] = (params: unknown) => ipc.invoke(channel, params ?? {});
  }
  bridge.onEvent = (listener: (message: ApiEventMessage) => void) => {
    const handler = (_event: IpcRendererEvent, message: ApiEventMessage): void => listener(message);
    ipc.on(IPC_EVENT_CHANNEL, handler);
    return () => ipc.off(IPC_EVENT_CHANNEL, handler);
  };
  return bridge;
}

contextBridge.exposeInMainWorld('vmdesk', buildBridge(ipcRenderer));
