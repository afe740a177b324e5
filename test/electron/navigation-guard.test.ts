// Which URLs an Electron window may navigate to or open: only the app's own pages, and new
// windows only for a VM's console route.
import { describe, expect, it } from 'vitest';
import { isAppUrl, isConsoleUrl } from '../../electron/modules/navigation-guard';

const app = 'file:///opt/vmdesk/dist/renderer/index.html';

describe('navigation guard', () => {
  it('keeps windows on the app', () => {
    expect(isAppUrl('file:///opt/vmdesk/dist/renderer/index.html#/vm/vm-1/console', app)).toBe(true);
    expect(isAppUrl('https://evil.example/', app)).toBe(false);
    expect(isAppUrl('file:///etc/passwd', app)).toBe(false);
  });

  it('opens new windows only for the console route of the app', () => {
    expect(isConsoleUrl('file:///opt/vmdesk/dist/renderer/index.html#/vm/vm-12/console', app)).toBe(true);
    expect(isConsoleUrl('file:///opt/vmdesk/dist/renderer/index.html#/vm/vm-12/screen', app)).toBe(true);
    expect(isConsoleUrl('file:///opt/vmdesk/dist/renderer/index.html#/vm/vm-12/settings', app)).toBe(false);
    expect(isConsoleUrl('file:///opt/vmdesk/dist/renderer/index.html', app)).toBe(false);
    expect(isConsoleUrl('file:///opt/vmdesk/dist/renderer/index.html#/vm/../../x/console', app)).toBe(false);
    expect(isConsoleUrl('https://evil.example/#/vm/vm-1/console', app)).toBe(false);
  });
});
