// The one API client of the renderer, chosen at start-up (IPC in Electron, WebSocket in a
// browser) and handed to the stores; views never see it (STYLE.md habit 13).
import type { ApiClient } from '../../../core/api';

let current: ApiClient | undefined;

export function provideApiClient(client: ApiClient): void {
  current = client;
}

export function apiClient(): ApiClient {
  if (!current) throw new Error('renderer: no API client was provided before the stores were used');
  return current;
}
