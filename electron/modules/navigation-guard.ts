// Locks every window to the app: no navigation away, no new windows, no permissions.
import type { App, WebContents } from 'electron';

export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    const base = new URL(appUrl);
    return u.protocol === base.protocol && u.host === base.host && u.pathname.startsWith(base.pathname.replace(/[^/]*$/, ''));
  } catch {
    return false;
  }
}

export function guardNavigation(app: App, appUrl: () => string): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, appUrl())) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.session.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  });
}
