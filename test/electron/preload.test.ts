// The preload exposes exactly one function per API method plus onEvent and the graphical
// consoles' functions, and never ipcRenderer itself. electron is mocked: its binary cannot run here (STACK.md pitfall 2).
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, CONSOLE_BRIDGE_FUNCTIONS, bridgeName, type ConsoleBridge, type ConsolePush } from '../../core/api';

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
  it('exposes one function per method, the event stream and the consoles, nothing else', async () => {
    await import('../../electron/preload');
    const bridge = exposed.vmdesk as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual([...API_METHODS.map(bridgeName), 'onEvent', ...CONSOLE_BRIDGE_FUNCTIONS].sort());
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

  it('carries console calls to their channels and hands on console pushes', async () => {
    await import('../../electron/preload');
    const bridge = exposed.vmdesk as unknown as ConsoleBridge;
    expect(await bridge.consoleOpen('vm-1')).toEqual({ ok: true, data: { channel: 'vmdesk-console:open', params: { vmId: 'vm-1' } } });
    expect(await bridge.consoleSend('s1', new Uint8Array([1, 2]))).toEqual({ ok: true, data: { channel: 'vmdesk-console:send', params: { session: 's1', data: new Uint8Array([1, 2]) } } });
    expect(await bridge.consoleAck('s1', 12)).toEqual({ ok: true, data: { channel: 'vmdesk-console:ack', params: { session: 's1', bytes: 12 } } });
    const seen: ConsolePush[] = [];
    const off = bridge.onConsole((p) => seen.push(p));
    listeners.get('vmdesk-console:data')!({}, 's1', new Uint8Array([82, 70, 66]));
    listeners.get('vmdesk-console:closed')!({}, 's1', 'the VM powered off');
    off();
    expect(listeners.has('vmdesk-console:data') || listeners.has('vmdesk-console:closed')).toBe(false);
    expect(seen).toEqual([{ kind: 'data', session: 's1', data: new Uint8Array([82, 70, 66]) }, { kind: 'closed', session: 's1', reason: 'the VM powered off' }]);
  });
});
