// Power states as the vSphere client shows them: a label and an icon per state.
import type { VmPowerState } from '../../core/api';

export const POWER_LABEL: Record<VmPowerState, string> = { poweredOn: 'Powered On', poweredOff: 'Powered Off', suspended: 'Suspended' };
export const POWER_ICON: Record<VmPowerState, string> = { poweredOn: '▶', poweredOff: '■', suspended: '❚❚' };

/** Opens the VM's serial console in its own window (a BrowserWindow in Electron, a tab or window in a browser). */
export function openConsoleWindow(id: string): void {
  window.open(`#/vm/${encodeURIComponent(id)}/console`, `vmdesk-console-${id}`, 'width=860,height=560');
}

/** Opens the VM's graphical console (its screen over RFB) in its own window. */
export function openScreenWindow(id: string): void {
  window.open(`#/vm/${encodeURIComponent(id)}/screen`, `vmdesk-screen-${id}`, 'width=1060,height=860');
}
