// The preload: exposes one function per API method as `window.vmdesk`, and the event
// stream — never ipcRenderer itself (Electron's context-isolation guide). Bundled as
// CommonJS (STACK.md pitfall 7: sandboxed preloads must be CommonJS).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, CONSOLE_IPC, IPC_EVENT_CHANNEL, bridgeName, ipcChannel, type ApiEventMessage, type ConsoleBridge, type ConsolePush } from '../core/api';

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
  Object.assign(bridge, consoleBridge(ipc));
  return bridge;
}

/** The graphical consoles' RFB bytes (core/api/console-ipc.ts): calls in, pushes out. */
function consoleBridge(ipc: Pick<typeof ipcRenderer, 'invoke' | 'on' | 'off'>): ConsoleBridge {
  return {
    consoleOpen: (vmId) => ipc.invoke(CONSOLE_IPC.open, { vmId }),
    consoleStart: (session) => ipc.invoke(CONSOLE_IPC.start, { session }),
    consoleSend: (session, data) => ipc.invoke(CONSOLE_IPC.send, { session, data }),
    consoleAck: (session, bytes) => ipc.invoke(CONSOLE_IPC.ack, { session, bytes }),
    consoleClose: (session) => ipc.invoke(CONSOLE_IPC.close, { session }),
    onConsole: (listener: (push: ConsolePush) => void) => {
      const onData = (_e: IpcRendererEvent, session: string, data: Uint8Array): void => listener({ kind: 'data', session, data });
      const onClosed = (_e: IpcRendererEvent, session: string, reason: string): void => listener({ kind: 'closed', session, reason });
      ipc.on(CONSOLE_IPC.data, onData);
      ipc.on(CONSOLE_IPC.closed, onClosed);
      return () => {
        ipc.off(CONSOLE_IPC.data, onData);
        ipc.off(CONSOLE_IPC.closed, onClosed);
      };
    },
  };
}

contextBridge.exposeInMainWorld('vmdesk', buildBridge(ipcRenderer));
