// Only one vmdesk app per user: a second start focuses the first window and quits.
import type { App } from 'electron';

export function enforceSingleInstance(app: App, focus: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', focus);
  return true;
}
