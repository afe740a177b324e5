// Electron main: a list of small modules enabled in order (vite-electron-builder's
// pattern) around the embedded host. Bundled to dist-electron/main.cjs.
import { app, dialog, ipcMain, session } from 'electron';
import { IPC_EVENT_CHANNEL } from '../core/api';
import { startEmbeddedHost } from '../core/cli';
import { CONTENT_SECURITY_POLICY, attachConsoleIpc, attachIpcTransport } from '../core/server';
import { enforceSingleInstance } from './modules/single-instance';
import { guardNavigation, isAppUrl } from './modules/navigation-guard';
import { WindowManager } from './modules/window-manager';


function datastoreArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    if (a === '--datastore' && argv[i + 1]) out.push(argv[i + 1]!);
  });
  return out;
}

const windows = new WindowManager(globalThis.__vmdeskBundleDir ?? __dirname);

if (enforceSingleInstance(app, () => windows.focus())) {
  guardNavigation(app, () => windows.appUrl, () => windows.consoleWindowOptions());
  void app.whenReady().then(() => {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    });
    let embedded: ReturnType<typeof startEmbeddedHost>;
    try {
      embedded = startEmbeddedHost(datastoreArgs(process.argv));
    } catch (err) {
      // A bad datastore argument or an unreadable inventory database: say so and stop.
      dialog.showErrorBox('vmdesk cannot start its host', err instanceof Error ? err.message : String(err));
      app.quit();
      return;
    }
    const { host, handlers, stop } = embedded;
    const trusted = (url: string): boolean => isAppUrl(url, windows.appUrl);
    const ipc = attachIpcTransport(ipcMain, handlers, trusted);
    // The graphical consoles: RFB over IPC to the window that asked (no socket to guard).
    const consoles = attachConsoleIpc(ipcMain, { displayOf: (id) => host.vms.displayOf(id), onDisplayGone: host.vms.onDisplayGone }, trusted);
    const events = host.onEvent((message) => windows.broadcast(IPC_EVENT_CHANNEL, message));
    windows.openMain();
    app.on('window-all-closed', () => app.quit());
    app.on('will-quit', () => {
      events.dispose();
      ipc.dispose();
      consoles.dispose();
      void stop();
    });
  });
}
