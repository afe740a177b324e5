// core/server/rfb: the VMs' graphical consoles over RFB 3.8 (RFC 6143) — the protocol,
// Raw/ZRLE/DesktopSize, VNC Authentication's DES, TCP and WebSocket transports.
export { RfbConnection, HIGH_WATER, type RfbTransport, type RfbSecurity } from './rfb-connection';
export { DisplayHub, hubFor } from './display-hub';
export { startRfbTcpServer, isLoopbackAddress, type RfbTcpServerOptions, type RunningRfbServer } from './tcp-server';
export { attachVncBridge, isVncPath, VNC_PATH, type ConsoleDisplays, type VncBridgeOptions } from './ws-bridge';
export { desEncryptBlock, vncAuthResponse, vncKey } from './des';
export { PixelTranslator, SERVER_PIXEL_FORMAT, type PixelFormat } from './pixel-format';
export { ENCODING } from './encodings';
export { attachConsoleIpc, MAX_SESSIONS_PER_WINDOW, type ConsoleIpcMain, type ConsoleInvokeEvent, type ConsoleWindow } from './ipc-console';
