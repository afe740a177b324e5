// `vmdesk desktop` where Electron cannot run: one line saying so, then the same UI served.
// VMDESK_ELECTRON points at a missing binary so the test means the same on a machine that
// has Electron installed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/vmdesk-process';

describe('vmdesk desktop without Electron', () => {
  it('says so in one line and serves the web UI instead', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-desktop-'));
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'vmdesk.mjs'), 'desktop', '--listen', '127.0.0.1:0'], {
      env: { ...process.env, VMDESK_HOME: home, VMDESK_ELECTRON: path.join(home, 'no-electron') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    try {
      await expect.poll(() => /serving at (http:\/\/\S+)/.exec(out)?.[1], { timeout: 20_000 }).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(err).toBe("vmdesk: Electron's binary is not installed (it downloads on first use and needs the internet); serving the same UI in your browser instead\n");
      const url = /serving at (http:\/\/\S+)/.exec(out)![1]!;
      expect((await fetch(url)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
