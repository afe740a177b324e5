// The API and the web UI over real HTTP and WebSocket sockets, on a real HostAgent.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostInfo, InventoryTree } from '../../core/api';
import { createHandlers, startWebServer, type RunningWebServer } from '../../core/server';
import { HostAgent } from '../../core/vmkernel';
import { TestWsClient } from './ws-client';

let host: HostAgent;
let server: RunningWebServer;
let webRoot: string;
let dsDir: string;

beforeAll(async () => {
  webRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-web-'));
  fs.writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>vmdesk</title>');
  fs.mkdirSync(path.join(webRoot, 'assets'));
  fs.writeFileSync(path.join(webRoot, 'assets', 'app.js'), 'console.log(1)');
  dsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-ds-'));
  host = new HostAgent({
    version: '9.9.9',
    name: 'esx-test',
    statsIntervalMs: 200,
    datastores: [
      { name: 'local1', path: dsDir },
      { name: 'missing', path: path.join(dsDir, 'not-there') },
    ],
  });
  server = await startWebServer({ host: '127.0.0.1', port: 0, rendererDir: webRoot, handlers: createHandlers(host), events: host.onEvent });
});

afterAll(async () => {
  await server.close();
  host.dispose();
  fs.rmSync(webRoot, { recursive: true, force: true });
  fs.rmSync(dsDir, { recursive: true, force: true });
});

const wsUrl = () => server.url.replace('http:', 'ws:') + 'api';

describe('API over WebSocket', () => {
  it('answers host.info with the machine’s facts', async () => {
    const client = await TestWsClient.open(wsUrl());
    const r = await client.call('host.info');
    client.close();
    expect(r.ok).toBe(true);
    const info = (r as { data: HostInfo }).data;
    expect(info.name).toBe('esx-test');
    expect(info.vmdeskVersion).toBe('9.9.9');
    expect(info.cpuModel).toBe(os.cpus()[0]!.model.trim());
    expect(info.cpuCores).toBe(os.cpus().length);
    expect(info.memoryBytes).toBe(os.totalmem());
  });

  it('lists the datastores given, marking a missing one inaccessible', async () => {
    const client = await TestWsClient.open(wsUrl());
    const r = await client.call('inventory.tree');
    client.close();
    const tree = (r as { data: InventoryTree }).data;
    const [h] = tree.hosts;
    expect(h!.name).toBe('esx-test');
    expect(h!.vms).toEqual([]);
    const local = h!.datastores.find((d) => d.name === 'local1')!;
    expect(local.accessible).toBe(true);
    expect(local.capacityBytes).toBeGreaterThan(0);
    const missing = h!.datastores.find((d) => d.name === 'missing')!;
    expect(missing.accessible).toBe(false);
    expect(missing.problem).toContain('the directory does not exist');
  });

  it('streams host stats sampled by the worker thread', async () => {
    const client = await TestWsClient.open(wsUrl());
    const e = await client.waitForEvent('host.stats');
    client.close();
    if (e.event !== 'host.stats') throw new Error('wrong event');
    expect(e.data.memoryBytes).toBe(os.totalmem());
    expect(e.data.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(e.data.cpuPercent).toBeLessThanOrEqual(100);
  });

  it('answers bad calls with typed errors and keeps serving', async () => {
    const client = await TestWsClient.open(wsUrl());
    expect(await client.call('host.reboot')).toEqual({ ok: false, error: { code: 'bad-request', message: 'api: unknown method "host.reboot"' } });
    expect(await client.call('host.info', [1, 2])).toEqual({ ok: false, error: { code: 'bad-request', message: 'api: host.info takes an object of parameters' } });
    expect(await client.sendRaw('{not json')).toEqual({ ok: false, error: { code: 'bad-request', message: 'api: message is not JSON' } });
    expect((await client.call('host.info')).ok).toBe(true);
    client.close();
  });

  it('refuses a WebSocket opened by a page of another origin', async () => {
    await expect(TestWsClient.open(wsUrl(), { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
  });
});

describe('web UI over HTTP', () => {
  it('serves the app with a CSP, index.html for client routes, 404 for missing assets', async () => {
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await index.text()).toContain('<title>vmdesk</title>');
    expect((await fetch(server.url + 'assets/app.js')).headers.get('content-type')).toContain('text/javascript');
    expect(await (await fetch(server.url + 'vm/42/console')).text()).toContain('<title>vmdesk</title>');
    expect((await fetch(server.url + 'assets/nope.js')).status).toBe(404);
  });

  it('never serves a file outside the web root', async () => {
    // A raw request, so no client normalises the dot segments away.
    const { port } = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => sock.write('GET /../../../../etc/passwd HTTP/1.0\r\n\r\n'));
      let text = '';
      sock.on('data', (d) => (text += d));
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
    });
    expect(answer).not.toContain('root:x:0:0');
    expect(answer).toMatch(/<title>vmdesk<\/title>|^HTTP\/1\.[01] 403/);
  });
});
