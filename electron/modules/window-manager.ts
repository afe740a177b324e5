// The main window: sandboxed, context-isolated, loading the built renderer.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, type BrowserWindowConstructorOptions, type WebPreferences } from 'electron';

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
      webPreferences: this.webPreferences(),
    });
    this.main.once('ready-to-show', () => this.main?.show());
    void this.main.loadURL(this.appUrl);
    return this.main;
  }

  /** Every window of the app: sandboxed, context-isolated, only the preload's bridge. */
  webPreferences(): WebPreferences {
    return {
      preload: path.join(this.bundleDir, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    };
  }

  /** A VM console window (opened by the renderer with window.open on the console route). */
  consoleWindowOptions(): BrowserWindowConstructorOptions {
    return { width: 860, height: 560, title: 'vmdesk console', autoHideMenuBar: true, webPreferences: this.webPreferences() };
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
