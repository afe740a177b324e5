// The renderer's routes: the main frame, and a VM's serial console (#/vm/<id>/console) or
// graphical console (#/vm/<id>/screen), which open in their own window (Electron) or tab.
import { onBeforeUnmount, ref } from 'vue';

export type Route = { name: 'main' } | { name: 'console'; vmId: string } | { name: 'screen'; vmId: string };

export function parseRoute(hash: string): Route {
  const m = /^#\/vm\/([^/]+)\/(console|screen)$/.exec(hash);
  if (!m) return { name: 'main' };
  return { name: m[2] === 'screen' ? 'screen' : 'console', vmId: decodeURIComponent(m[1]!) };
}

export function useRoute() {
  const route = ref<Route>(parseRoute(window.location.hash));
  const onHash = (): void => void (route.value = parseRoute(window.location.hash));
  window.addEventListener('hashchange', onHash);
  onBeforeUnmount(() => window.removeEventListener('hashchange', onHash));
  return route;
}
