// The graphical console's small rules: its route beside the serial console's, the scaling
// choice kept per VM, the WebSocket it reaches, and the screenshot's file name.
import { describe, expect, it } from 'vitest';
import { loadScaling, saveScaling, screenshotName, vncSocketUrl } from '../../renderer/src/components/console/screen-prefs';
import { parseRoute } from '../../renderer/src/route';

describe('graphical console', () => {
  it('has its own route beside the serial console', () => {
    expect(parseRoute('#/vm/vm-3/screen')).toEqual({ name: 'screen', vmId: 'vm-3' });
    expect(parseRoute('#/vm/vm-3/console')).toEqual({ name: 'console', vmId: 'vm-3' });
    expect(parseRoute('#/vm/vm-3/elsewhere')).toEqual({ name: 'main' });
  });

  it('remembers fit or 1:1 per VM, fit by default', () => {
    localStorage.clear();
    expect(loadScaling('vm-1')).toBe('fit');
    saveScaling('vm-1', '1:1');
    expect(loadScaling('vm-1')).toBe('1:1');
    expect(loadScaling('vm-2')).toBe('fit');
    saveScaling('vm-1', 'fit');
    expect(loadScaling('vm-1')).toBe('fit');
  });

  it('reaches the host that served the page, over TLS when the page is', () => {
    expect(vncSocketUrl({ protocol: 'http:', host: '127.0.0.1:8480' }, 'vm-1')).toBe('ws://127.0.0.1:8480/vm/vm-1/vnc');
    expect(vncSocketUrl({ protocol: 'https:', host: 'esx01:8480' }, 'vm-7')).toBe('wss://esx01:8480/vm/vm-7/vnc');
    expect(vncSocketUrl({ protocol: 'file:', host: '' }, 'vm-1')).toBeUndefined();
  });

  it('names screenshots after the VM and the time', () => {
    expect(screenshotName('web 01/prod', new Date('2026-12-01T20:50:03.123Z'))).toBe('web_01_prod-2026-12-01T20-50-03.png');
  });
});
