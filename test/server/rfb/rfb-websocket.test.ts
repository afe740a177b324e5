// RFB over the host's WebSocket at /vm/<id>/vnc, on the real web server: binary frames
// carry the protocol; behind the host's login the upgrade needs a live session (and ends
// with it); a page from another origin, or a VM without a screen, is refused; the API's
// own WebSocket keeps working beside it.
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emitter } from '../../../core/common';
import { AccountStore, AuthGate, createHandlers, startWebServer, type RunningWebServer } from '../../../core/server';
import { HostAgent } from '../../../core/vmkernel';
import { TestWsClient } from '../ws-client';
import { patternDisplay } from './test-pattern';

let dir: string;
let host: HostAgent;
const display = patternDisplay(160, 100, { name: 'vm-1 screen' });
const gone = new Emitter<string>();
const displays = { displayOf: (id: string) => (id === 'vm-1' ? display : undefined), onDisplayGone: gone.event };
let open: RunningWebServer;
let gated: RunningWebServer;
let gate: AuthGate;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-rfbws-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>vmdesk</title>');
  host = new HostAgent({ version: '9.9.9', name: 'esx-test', datastores: [{ name: 'ds', path: dir }] });
  const handlers = createHandlers(host);
  open = await startWebServer({ host: '127.0.0.1', port: 0, rendererDir: dir, handlers, events: host.onEvent, displays });
  gate = new AuthGate(new AccountStore(path.join(dir, 'accounts.json')), 'esx-test');
  gated = await startWebServer({ host: '127.0.0.1', port: 0, rendererDir: dir, handlers, events: host.onEvent, displays, auth: gate });
});

afterAll(async () => {
  await open?.close();
  await gated?.close();
  host?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Opens the console WebSocket; resolves with the socket and the bytes that arrive on it. */
function connect(server: RunningWebServer, vmId: string, headers: Record<string, string> = {}) {
  const url = server.url.replace('http:', 'ws:') + `vm/${vmId}/vnc`;
  const ws = new WebSocket(url, { headers });
  const received: Buffer[] = [];
  ws.on('message', (d: Buffer) => received.push(d));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const bytes = async (n: number): Promise<Buffer> => {
    await expect.poll(() => Buffer.concat(received).length).toBeGreaterThanOrEqual(n);
    const all = Buffer.concat(received);
    received.length = 0;
    if (all.length > n) received.push(all.subarray(n));
    return all.subarray(0, n);
  };
  return { ws, opened, bytes };
}

describe('RFB over WebSocket', () => {
  it('speaks RFB in binary frames to the VM\'s screen, security None on loopback', async () => {
    const c = connect(open, 'vm-1');
    await c.opened;
    expect((await c.bytes(12)).toString()).toBe('RFB 003.008\n');
    c.ws.send(Buffer.from('RFB 003.008\n'));
    expect([...(await c.bytes(2))]).toEqual([1, 1]); // one type: None
    c.ws.send(Buffer.from([1]));
    expect((await c.bytes(4)).readUInt32BE(0)).toBe(0);
    c.ws.send(Buffer.from([1]));
    const init = await c.bytes(24 + 'vm-1 screen'.length);
    expect([init.readUInt16BE(0), init.readUInt16BE(2)]).toEqual([160, 100]);
    expect(init.subarray(24).toString()).toBe('vm-1 screen');
    c.ws.close();
  });

  it('closes the consoles of a VM whose screen goes away (it powered off), and only those', async () => {
    const c = connect(open, 'vm-1');
    await c.opened;
    expect((await c.bytes(12)).toString()).toBe('RFB 003.008\n');
    const closed = new Promise<{ code: number; reason: string }>((resolve) => c.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    gone.fire('vm-2');
    await new Promise((r) => setTimeout(r, 100));
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    gone.fire('vm-1');
    expect(await closed).toEqual({ code: 1000, reason: 'the VM powered off' });
  });

  it('answers 404 for a VM without a screen and 403 for a page of another origin', async () => {
    await expect(connect(open, 'vm-9').opened).rejects.toThrow('HTTP 404');
    await expect(connect(open, 'vm-1', { Origin: 'http://evil.example' }).opened).rejects.toThrow('HTTP 403');
  });

  it('leaves the API\'s WebSocket working beside it', async () => {
    const api = await TestWsClient.open(open.url.replace('http:', 'ws:') + 'api');
    const r = await api.call('host.info');
    api.close();
    expect(r.ok).toBe(true);
  });

  it('behind the login: refused without a session, served with one, closed when it ends', async () => {
    await expect(connect(gated, 'vm-1').opened).rejects.toThrow('HTTP 401');
    await expect(connect(gated, 'vm-1', { Cookie: 'vmdesk_session=forged' }).opened).rejects.toThrow('HTTP 401');
    const token = gate.sessions.create('admin');
    const c = connect(gated, 'vm-1', { Cookie: `vmdesk_session=${token}` });
    await c.opened;
    expect((await c.bytes(12)).toString()).toBe('RFB 003.008\n');
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    gate.sessions.end({ headers: { cookie: `vmdesk_session=${token}` } } as IncomingMessage); // logout
    expect(await closed).toBe(4001);
  });
});
