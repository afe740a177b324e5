// The built bundle runs the host's worker jobs from its prebuilt .cjs workers (not from
// TypeScript): build dist-electron, start the bundled CLI's `serve`, and receive host
// stats sampled by the bundled worker over a real WebSocket.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestWsClient } from '../server/ws-client';

const repo = path.resolve(__dirname, '..', '..');

describe('bundled app', () => {
  it('runs a VM in its bundled VM worker', () => {
    execFileSync(process.execPath, [path.join(repo, 'build', 'bundle.mjs')], { cwd: repo, stdio: 'pipe' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-bundle-vm-'));
    try {
      const guest = path.join(dir, 'hello.bin');
      execFileSync('nasm', ['-f', 'bin', '-o', guest, path.join(repo, 'test', 'cli', 'guests', 'hello-serial.asm')]);
      const r = spawnSync(process.execPath, [path.join(repo, 'dist-electron', 'vmdesk.cjs'), 'run', '--kernel', guest, '--debug-exit', '--timeout', '30'], {
        input: 'bundle\n',
        encoding: 'utf8',
      });
      expect(r.stdout).toBe('hello from the guest\nBUNDLE\n');
      expect(r.status).toBe(43);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the API and samples host stats in its bundled worker', async () => {
    execFileSync(process.execPath, [path.join(repo, 'build', 'bundle.mjs')], { cwd: repo, stdio: 'pipe' });
    const worker = path.join(repo, 'dist-electron', 'workers', 'stats-sampler.cjs');
    expect(fs.existsSync(worker)).toBe(true);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-home-'));
    const child = spawn(process.execPath, [path.join(repo, 'dist-electron', 'vmdesk.cjs'), 'serve', '--listen', '127.0.0.1:0'], {
      env: { ...process.env, VMDESK_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /serving at (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`bundled vmdesk exited with ${code}`)));
      });
      const client = await TestWsClient.open(url.replace('http:', 'ws:') + 'api');
      const e = await client.waitForEvent('host.stats');
      const tree = await client.call('inventory.tree');
      client.close();
      expect(e.event).toBe('host.stats');
      expect(tree).toMatchObject({ ok: true, data: { hosts: [{ datastores: [{ name: 'datastore1', path: path.join(home, 'datastore1'), accessible: true }] }] } });
    } finally {
      child.kill('SIGTERM');
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
