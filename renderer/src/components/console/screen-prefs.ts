// Per-VM console preferences kept in the browser's localStorage: the scaling mode of the
// graphical console ("fit" to the window, or "1:1" pixels), so it sticks per VM.
export type ScreenScaling = 'fit' | '1:1';

const key = (vmId: string): string => `vmdesk.screen.scaling.${vmId}`;

export function loadScaling(vmId: string, storage: Storage | undefined = globalThis.localStorage): ScreenScaling {
  try {
    return storage?.getItem(key(vmId)) === '1:1' ? '1:1' : 'fit';
  } catch {
    return 'fit'; // storage refused (private mode, quota): the default
  }
}

export function saveScaling(vmId: string, scaling: ScreenScaling, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(key(vmId), scaling);
  } catch {
    // not kept; the console still works
  }
}

/** The WebSocket of a VM's RFB console on the host that served this page, or undefined
 *  when the page did not come from a host (no HTTP server to reach). */
export function vncSocketUrl(location: Pick<Location, 'protocol' | 'host'>, vmId: string): string | undefined {
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return undefined;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/vm/${encodeURIComponent(vmId)}/vnc`;
}

/** A screenshot's file name: "web01-2026-12-01T20-50-03.png". */
export function screenshotName(vmName: string, when: Date): string {
  const safe = vmName.replace(/[^A-Za-z0-9._-]+/g, '_') || 'vm';
  return `${safe}-${when.toISOString().slice(0, 19).replace(/:/g, '-')}.png`;
}
