// The IPC transport with an ipcMain stand-in: Electron cannot run here (STACK.md pitfall 2),
// so this object plays ipcMain's handle/removeHandler; everything behind it is real.
import { describe, expect, it } from 'vitest';
import { API_METHODS, ipcChannel } from '../../core/api';
import { attachIpcTransport, createHandlers, type IpcInvokeEvent } from '../../core/server';
import { HostAgent } from '../../core/vmkernel';

type Listener = (event: IpcInvokeEvent, params: unknown) => Promise<unknown>;

function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  return {
    handlers,
    handle: (channel: string, listener: Listener) => void handlers.set(channel, listener),
    removeHandler: (channel: string) => void handlers.delete(channel),
  };
}

describe('IPC transport', () => {
  const appUrl = 'file:///opt/vmdesk/dist/renderer/index.html';

  it('registers one channel per method and answers the app’s frame', async () => {
    const host = new HostAgent({ version: '1.2.3', datastores: [], statsIntervalMs: 60_000 });
    const ipc = fakeIpcMain();
    const sub = attachIpcTransport(ipc, createHandlers(host), (url) => url === appUrl);
    expect([...ipc.handlers.keys()].sort()).toEqual(API_METHODS.map(ipcChannel).sort());
    const r = await ipc.handlers.get('vmdesk:host.info')!({ senderFrame: { url: appUrl } }, {});
    expect(r).toMatchObject({ ok: true, data: { vmdeskVersion: '1.2.3' } });
    sub.dispose();
    expect(ipc.handlers.size).toBe(0);
    host.dispose();
  });

  it('refuses a frame that is not the app', async () => {
    const host = new HostAgent({ version: '1.2.3', datastores: [], statsIntervalMs: 60_000 });
    const ipc = fakeIpcMain();
    attachIpcTransport(ipc, createHandlers(host), (url) => url === appUrl);
    const r = await ipc.handlers.get('vmdesk:inventory.tree')!({ senderFrame: { url: 'https://evil.example/' } }, {});
    expect(r).toEqual({ ok: false, error: { code: 'forbidden', message: 'api: inventory.tree refused for a frame outside the app (https://evil.example/)' } });
    host.dispose();
  });
});
