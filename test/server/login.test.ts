// `vmdesk serve --require-login` as a user meets it: a real process with an account made by
// `vmdesk user add`, HTTPS with a self-signed certificate whose fingerprint it prints, the
// login page, a wrong password refused, and the WebSocket closed to anyone without a session.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startServe, type VmdeskProcess } from '../support/vmdesk-process';

const bin = path.join(REPO, 'bin', 'vmdesk.mjs');
let home: string;
let vmdesk: VmdeskProcess;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? 'GET', rejectUnauthorized: false, headers: init.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const form = (user: string, password: string) => ({
  method: 'POST',
  body: new URLSearchParams({ user, password }).toString(),
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
});

function openWs(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url.replace('https:', 'wss:') + 'api', { rejectUnauthorized: false, headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_q, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-login-'));
  const add = spawnSync(process.execPath, [bin, 'user', 'add', 'admin', '--password-stdin'], { input: 'correct horse battery\n', env: { ...process.env, VMDESK_HOME: home }, encoding: 'utf8' });
  expect(add.stdout).toBe('user admin: added\n');
  vmdesk = await startServe(['--require-login'], { VMDESK_HOME: home });
});

afterAll(async () => {
  await vmdesk?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('vmdesk serve with login', () => {
  it('keeps only an scrypt hash of the password', () => {
    const text = fs.readFileSync(path.join(home, 'accounts.json'), 'utf8');
    expect(text).not.toContain('correct horse');
    expect(text).toMatch(/"hash": "scrypt\$16384\$8\$1\$/);
    expect(fs.statSync(path.join(home, 'accounts.json')).mode & 0o777).toBe(0o600);
  });

  it('serves HTTPS and prints the SHA-256 fingerprint of its certificate', async () => {
    expect(vmdesk.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const cert = new X509Certificate(fs.readFileSync(path.join(home, 'tls', 'host.crt')));
    await expect.poll(() => vmdesk.output()).toContain(`SHA-256 fingerprint ${cert.fingerprint256}`);
    expect(vmdesk.output()).toContain('login required (accounts: admin)');
  });

  it('sends a visitor without a session to the login page, and refuses the API', async () => {
    const root = await request(vmdesk.url);
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/login');
    const page = await request(vmdesk.url + 'login');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<form method="post" action="./login"');
    await expect(openWs(vmdesk.url)).rejects.toThrow('HTTP 401');
    await expect(openWs(vmdesk.url, { Cookie: 'vmdesk_session=forged-token' })).rejects.toThrow('HTTP 401');
  });

  it('refuses a wrong password', async () => {
    const r = await request(vmdesk.url + 'login', form('admin', 'wrong password'));
    expect(r.status).toBe(401);
    expect(r.body).toContain('Wrong user name or password.');
    expect(r.headers['set-cookie']).toBeUndefined();
    const nobody = await request(vmdesk.url + 'login', form('root', 'correct horse battery'));
    expect(nobody.status).toBe(401);
  });

  it('logs in with a Secure, HttpOnly, SameSite=Strict cookie that opens the API', async () => {
    const r = await request(vmdesk.url + 'login', form('admin', 'correct horse battery'));
    expect(r.status).toBe(303);
    const cookie = (r.headers['set-cookie'] as string[])[0]!;
    expect(cookie).toMatch(/^vmdesk_session=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict/);
    const session = cookie.split(';')[0]!;
    // Past the gate: the web UI itself (200, or 500 where it is not built), not the login page.
    expect([200, 500]).toContain((await request(vmdesk.url, { headers: { Cookie: session } })).status);
    const ws = await openWs(vmdesk.url, { Cookie: session });
    const answer = await new Promise<unknown>((resolve) => {
      ws.once('message', (m) => resolve(JSON.parse(m.toString())));
      ws.send(JSON.stringify({ id: 1, method: 'session.info', params: {} }));
    });
    expect(answer).toEqual({ id: 1, result: { ok: true, data: { loginRequired: true, user: 'admin' } } });
    // Logging out closes the session's open WebSocket and the cookie no longer opens the API.
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const out = await request(vmdesk.url + 'logout', { method: 'POST', headers: { Cookie: session } });
    expect(out.status).toBe(303);
    expect(await closed).toBe(4001);
    await expect(openWs(vmdesk.url, { Cookie: session })).rejects.toThrow('HTTP 401');
  });

  it('talks to the CLI with --user and the pinned fingerprint, and refuses a wrong pin', () => {
    const cert = new X509Certificate(fs.readFileSync(path.join(home, 'tls', 'host.crt')));
    const env = { ...process.env, VMDESK_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-cli-')), VMDESK_PASSWORD: 'correct horse battery' };
    const ok = spawnSync(process.execPath, [bin, 'vm', 'list', '--server', vmdesk.url, '--user', 'admin', '--fingerprint', cert.fingerprint256], { env, encoding: 'utf8', timeout: 30_000 });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('no virtual machines\n');
    const wrongPin = '00:'.repeat(31) + '00';
    const bad = spawnSync(process.execPath, [bin, 'vm', 'list', '--server', vmdesk.url, '--user', 'admin', '--fingerprint', wrongPin], { env, encoding: 'utf8', timeout: 30_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(`vm: the host's certificate has fingerprint ${cert.fingerprint256}, not ${wrongPin}; refusing to talk to it\n`);
    const badPassword = spawnSync(process.execPath, [bin, 'vm', 'list', '--server', vmdesk.url, '--user', 'admin', '--fingerprint', cert.fingerprint256], { env: { ...env, VMDESK_PASSWORD: 'nope' }, encoding: 'utf8', timeout: 30_000 });
    expect(badPassword.stderr).toBe(`vm: ${new URL(vmdesk.url).host} refused the login of admin\n`);
    fs.rmSync(env.VMDESK_HOME, { recursive: true, force: true });
  });
});

describe('vmdesk serve beyond loopback', () => {
  it('refuses to start without an account, in one line', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-noacct-'));
    const r = spawnSync(process.execPath, [bin, 'serve', '--listen', '0.0.0.0:0'], { env: { ...process.env, VMDESK_HOME: empty }, encoding: 'utf8', timeout: 30_000, input: '' });
    fs.rmSync(empty, { recursive: true, force: true });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('serve: serving beyond loopback needs a login account and there is none yet; create one with `vmdesk user add NAME`\n');
  });
});
