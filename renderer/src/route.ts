// The renderer's two routes: the main frame, and a VM's console window (#/vm/<id>/console),
// which opens in its own window (Electron) or tab (web mode).
import { onBeforeUnmount, ref } from 'vue';

export type Route = { name: 'main' } | { name: 'console'; vmId: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/vm\/([^/]+)\/console$/.exec(hash);
  return m ? { name: 'console', vmId: decodeURIComponent(m[1]!) } : { name: 'main' };
}

export function useRoute() {
  const route = ref<Route>(parseRoute(window.location.hash));
  const onHash = (): void => void (route.value = parseRoute(window.location.hash));
  window.addEventListener('hashchange', onHash);
  onBeforeUnmount(() => window.removeEventListener('hashchange', onHash));
  return route;
}
