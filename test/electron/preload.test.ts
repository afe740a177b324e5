// The preload exposes exactly one function per API method plus onEvent, and never
// ipcRenderer itself. electron is mocked: its binary cannot run here (STACK.md pitfall 2).
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, bridgeName } from '../../core/api';

const exposed: Record<string, unknown> = {};
const invoke = vi.fn(async (channel: string, params: unknown) => ({ ok: true, data: { channel, params } }));
const listeners = new Map<string, (...a: unknown[]) => void>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
  ipcRenderer: {
    invoke,
    on: (channel: string, fn: (...a: unknown[]) => void) => void listeners.set(channel, fn),
    off: (channel: string) => void listeners.delete(channel),
  },
}));

describe('preload bridge', () => {
  it('exposes one function per method and the event stream, nothing else', async () => {
    await import('../../electron/preload');
    const bridge = exposed.vmdesk as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual([...API_METHODS.map(bridgeName), 'onEvent'].sort());
    expect(await (bridge.hostInfo as (p: unknown) => Promise<unknown>)({})).toEqual({ ok: true, data: { channel: 'vmdesk:host.info', params: {} } });
  });

  it('delivers events and unsubscribes', async () => {
    await import('../../electron/preload');
    const bridge = exposed.vmdesk as { onEvent: (l: (m: unknown) => void) => () => void };
    const seen: unknown[] = [];
    const off = bridge.onEvent((m) => seen.push(m));
    listeners.get('vmdesk:event')!({}, { event: 'host.stats', data: { cpuPercent: 5 } });
    off();
    expect(listeners.has('vmdesk:event')).toBe(false);
    expect(seen).toEqual([{ event: 'host.stats', data: { cpuPercent: 5 } }]);
  });
});
