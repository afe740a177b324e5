// The one API client of the renderer, chosen at start-up (IPC in Electron, WebSocket in a
// browser) and handed to the stores; views never see it (STYLE.md habit 13).
import type { ApiClient, ConsoleBridge } from '../../../core/api';

let current: ApiClient | undefined;
let consoles: ConsoleBridge | undefined;

export function provideApiClient(client: ApiClient): void {
  current = client;
}

export function apiClient(): ApiClient {
  if (!current) throw new Error('renderer: no API client was provided before the stores were used');
  return current;
}

/** The preload's console functions (Electron), which carry the graphical consoles' RFB. */
export function provideConsoleBridge(bridge: ConsoleBridge | undefined): void {
  consoles = bridge;
}

/** In Electron, the console functions; in a browser, undefined (consoles use the host's WebSocket). */
export function consoleBridge(): ConsoleBridge | undefined {
  return consoles;
}
