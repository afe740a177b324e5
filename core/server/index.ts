// core/server (L6): the API server — handlers over the host, the WebSocket and Electron
// IPC transports, the HTTP side of the web UI.
export { createHandlers, type ApiHandlers } from './handlers';
export { dispatch, toApiError } from './dispatch';
export { startWebServer, type RunningWebServer, type WebServerOptions } from './web-server';
export { attachIpcTransport, type IpcMainLike, type IpcInvokeEvent } from './ipc-transport';
export { API_PATH } from './ws-transport';
export { CONTENT_SECURITY_POLICY } from './static-files';
