// The main window: sandboxed, context-isolated, loading the built renderer.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow } from 'electron';

export class WindowManager {
  private main: BrowserWindow | undefined;

  constructor(private readonly bundleDir: string) {}

  /** The renderer's index.html; the navigation guard and the IPC sender check trust only it. */
  get appUrl(): string {
    return pathToFileURL(path.join(this.bundleDir, '..', 'dist', 'renderer', 'index.html')).href;
  }

  openMain(): BrowserWindow {
    if (this.main && !this.main.isDestroyed()) {
      this.focus();
      return this.main;
    }
    this.main = new BrowserWindow({
      width: 1280,
      height: 800,
      title: 'vmdesk',
      show: false,
      webPreferences: {
        preload: path.join(this.bundleDir, 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
      },
    });
    this.main.once('ready-to-show', () => this.main?.show());
    void this.main.loadURL(this.appUrl);
    return this.main;
  }

  focus(): void {
    if (!this.main || this.main.isDestroyed()) return;
    if (this.main.isMinimized()) this.main.restore();
    this.main.focus();
  }

  broadcast(channel: string, message: unknown): void {
    for (const w of BrowserWindow.getAllWindows()) if (!w.isDestroyed()) w.webContents.send(channel, message);
  }
}
