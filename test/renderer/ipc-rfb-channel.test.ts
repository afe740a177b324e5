// IpcRfbChannel, the raw channel the console window hands noVNC in Electron, attached to
// noVNC's own Websock (the class RFB uses): it asks for its session only once noVNC attaches
// it, delivers bytes that came before its start call answered after `open`, in order, acks
// each chunk, ignores other sessions, copies what it sends, and closes with the host's reason.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, ConsoleBridge, ConsolePush } from '../../core/api';
import { IpcRfbChannel } from '../../renderer/src/api/ipc-rfb-channel';

/** The part of noVNC's Websock (core/websock.js; the package exports only core/rfb.js) used here. */
interface NoVncWebsock {
  readonly readyState: string;
  rQlen(): number;
  attach(channel: unknown): void;
  on(event: string, handler: (e: never) => void): void;
  rQshiftStr(n: number): string;
  sQpushString(s: string): void;
  sQpushBytes(b: Uint8Array): void;
  flush(): void;
  close(): void;
}
const WEBSOCK: string = '../../node_modules/@novnc/novnc/core/websock.js';
let Websock: new () => NoVncWebsock;
beforeAll(async () => {
  Websock = ((await import(/* @vite-ignore */ WEBSOCK)) as { default: new () => NoVncWebsock }).default;
});

const okNull: ApiResult<null> = { ok: true, data: null };
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** A bridge whose main side is this test: it records calls and pushes when told to. */
function bridge(open: ApiResult<{ session: string }> = { ok: true, data: { session: 's-1' } }) {
  const calls: [string, ...unknown[]][] = [];
  const listeners = new Set<(p: ConsolePush) => void>();
  let onStart: () => void = () => undefined;
  const b: ConsoleBridge = {
    consoleOpen: async (vmId) => (calls.push(['open', vmId]), open),
    consoleStart: async (session) => {
      calls.push(['start', session]);
      onStart(); // main speaks first: its version string is pushed before start answers
      return okNull;
    },
    consoleSend: async (session, data) => (calls.push(['send', session, data]), okNull),
    consoleAck: async (session, bytes) => (calls.push(['ack', session, bytes]), okNull),
    consoleClose: async (session) => (calls.push(['close', session]), okNull),
    onConsole: (l) => (listeners.add(l), () => listeners.delete(l)),
  };
  const push = (p: ConsolePush): void => listeners.forEach((l) => l(p));
  return { b, calls, push, listeners, whenStarted: (f: () => void) => (onStart = f) };
}

const data = (session: string, ...bytes: number[]): ConsolePush => ({ kind: 'data', session, data: new Uint8Array(bytes) });

describe('IpcRfbChannel under noVNC', () => {
  it('opens when attached, hands noVNC every byte in order, and acks it', async () => {
    const { b, calls, push, whenStarted } = bridge();
    whenStarted(() => push(data('s-1', 82, 70, 66)));
    const channel = new IpcRfbChannel(b, 'vm-1');
    await tick();
    expect(calls).toEqual([]); // nothing until noVNC attaches it
    const sock = new Websock();
    let opened = false;
    sock.on('open', () => (opened = true));
    sock.attach(channel);
    expect(sock.readyState).toBe('connecting');
    await tick();
    await tick();
    expect(opened).toBe(true);
    expect(sock.readyState).toBe('open');
    push(data('other', 9, 9)); // another window's console: not ours
    push(data('s-1', 32, 48));
    expect(sock.rQlen()).toBe(5);
    expect(sock.rQshiftStr(5)).toBe('RFB 0');
    expect(calls).toEqual([['open', 'vm-1'], ['start', 's-1'], ['ack', 's-1', 3], ['ack', 's-1', 2]]);
  });

  it('sends a copy of noVNC\'s send queue, and closes through the host', async () => {
    const { b, calls, listeners } = bridge();
    const channel = new IpcRfbChannel(b, 'vm-1');
    const sock = new Websock();
    let closed: { code: number; reason: string } | undefined;
    sock.on('close', (e: { code: number; reason: string }) => (closed = e));
    sock.attach(channel);
    await tick();
    await tick();
    sock.sQpushString('RFB 003.008\n');
    sock.flush();
    sock.sQpushBytes(new Uint8Array([1]));
    sock.flush(); // reuses the same send buffer: the first chunk must not change
    const sent = calls.filter((c) => c[0] === 'send').map((c) => [...(c[2] as Uint8Array)]);
    expect(sent).toEqual([[...new TextEncoder().encode('RFB 003.008\n')], [1]]);
    sock.close();
    await tick();
    expect(calls.at(-1)).toEqual(['close', 's-1']);
    expect(closed).toMatchObject({ code: 1000, reason: 'closed by the window' });
    expect(channel.readyState).toBe('closed');
    expect(listeners.size).toBe(0);
  });

  it('closes with the host\'s words when refused, or when the VM powers off', async () => {
    const refused = bridge({ ok: false, error: { code: 'not-found', message: 'console: vm-9 has no screen (is it powered on?)' } });
    const a = new IpcRfbChannel(refused.b, 'vm-9');
    const events: string[] = [];
    a.onerror = () => events.push('error');
    a.onclose = (e) => events.push(`close ${e.code} ${e.reason}`);
    a.onopen = () => events.push('open');
    await tick();
    expect(events).toEqual(['error', 'close 1006 console: vm-9 has no screen (is it powered on?)']);
    expect(a.closeReason).toBe('console: vm-9 has no screen (is it powered on?)');

    const { b, push } = bridge();
    const c = new IpcRfbChannel(b, 'vm-1');
    const seen: string[] = [];
    c.onclose = (e) => seen.push(`${e.code} ${e.reason}`);
    c.onopen = () => undefined;
    await tick();
    await tick();
    push({ kind: 'closed', session: 's-1', reason: 'the VM powered off' });
    push(data('s-1', 1)); // nothing after the end
    expect(seen).toEqual(['1000 the VM powered off']);
    expect(c.readyState).toBe('closed');
  });
});
