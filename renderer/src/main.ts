// Renderer entry: picks the API transport (the Electron preload bridge when present, the
// host's WebSocket otherwise), and in Electron the graphical consoles' IPC; then mounts the app.
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import type { ConsoleBridge } from '../../core/api';
import { IpcApiClient, type VmdeskBridge } from './api/ipc-client';
import { provideApiClient, provideConsoleBridge } from './api/provider';
import { WsApiClient } from './api/ws-client';

const bridge = (window as unknown as { vmdesk?: VmdeskBridge }).vmdesk;
provideApiClient(bridge ? new IpcApiClient(bridge) : WsApiClient.forPage(window.location));
if (typeof bridge?.consoleOpen === 'function') provideConsoleBridge(bridge as unknown as ConsoleBridge);

createApp(App).use(createPinia()).mount('#app');
