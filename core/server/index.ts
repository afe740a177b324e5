// core/server (L6): the API server — handlers over the host, the WebSocket and Electron
// IPC transports, authentication, the HTTP side of the web UI.
export { createHandlers, type ApiHandlers } from './handlers';
export { dispatch, toApiError } from './dispatch';
export { newCallContext, type CallContext } from './call-context';
export { startWebServer, type RunningWebServer, type WebServerOptions } from './web-server';
export { attachIpcTransport, type IpcMainLike, type IpcInvokeEvent } from './ipc-transport';
export { API_PATH } from './ws-transport';
export { CONTENT_SECURITY_POLICY } from './static-files';
export { AccountStore, AuthGate, MIN_PASSWORD, loadOrCreateCertificate, type TlsMaterial } from './auth';
export { startRfbTcpServer, attachVncBridge, attachConsoleIpc, hubFor, type ConsoleDisplays, type ConsoleIpcMain, type ConsoleInvokeEvent, type ConsoleWindow, type RunningRfbServer } from './rfb';
