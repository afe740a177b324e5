// Locks every window to the app: no navigation away, no webviews, no permissions, and no
// new windows except the app's own console windows (#/vm/<id>/console or /screen), which get the
// same sandboxed, context-isolated web preferences as the main window.
import type { App, BrowserWindowConstructorOptions, WebContents } from 'electron';

export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    const base = new URL(appUrl);
    return u.protocol === base.protocol && u.host === base.host && u.pathname.startsWith(base.pathname.replace(/[^/]*$/, ''));
  } catch {
    return false;
  }
}

/** The console route of the app, or false. */
export function isConsoleUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    return isAppUrl(url, appUrl) && u.pathname === new URL(appUrl).pathname && /^#\/vm\/[A-Za-z0-9._-]+\/(console|screen)$/.test(u.hash);
  } catch {
    return false;
  }
}

export function guardNavigation(app: App, appUrl: () => string, consoleWindowOptions: () => BrowserWindowConstructorOptions): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, appUrl())) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url, appUrl())) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) =>
      isConsoleUrl(url, appUrl()) ? { action: 'allow', overrideBrowserWindowOptions: consoleWindowOptions() } : { action: 'deny' },
    );
    contents.session.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  });
}
