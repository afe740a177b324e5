// `vmdesk run --vnc PORT` as a user meets it: a real process whose VM worker shares its
// screen over a SharedArrayBuffer with the RFB server. A direct kernel boot has no VGA (a
// firmware boot does: test/cli/vmdesk-run-disk.test.ts reads its text screen), so
// gvnccapture sees the plain "NO DISPLAY ADAPTER" frame (compared pixel for pixel
// with the one drawn here); keys typed over RFB reach the guest through the i8042, which
// prints the set 1 scan codes it reads on COM1 and leaves on Escape's release.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoDisplayAdapter, SharedFrame } from '../../../core/vmm/console';
import { REPO } from '../../support/vmdesk-process';
import { decodePng, rgbAt } from './png';
import { RfbTestClient } from './rfb-test-client';
import { gvnccapture } from './vnc-tools';

const bin = path.join(REPO, 'bin', 'vmdesk.mjs');
let dir: string;
let guest: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-run-vnc-'));
  guest = path.join(dir, 'keyboard-echo.bin');
  execFileSync('nasm', ['-f', 'bin', '-o', guest, path.join(__dirname, 'guests', 'keyboard-echo.asm')]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts `vmdesk run --vnc` on a port VNC tools can name (5900 + N), retrying a taken one. */
async function runWithVnc() {
  for (let attempt = 0; attempt < 10; attempt++) {
    const port = 5900 + 1000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [bin, 'run', '--kernel', guest, '--debug-exit', '--vnc', String(port), '--timeout', '60'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = await Promise.race([
      new Promise<boolean>((resolve) => {
        const timer = setInterval(() => {
          if (stderr.includes(`VNC console on 127.0.0.1:${port}`) && stdout.includes('ready')) {
            clearInterval(timer);
            resolve(true);
          }
        }, 50);
        void exited.then(() => clearInterval(timer));
      }),
      exited.then(() => false),
    ]);
    if (started) return { port, child, exited, out: () => stdout, err: () => stderr };
    if (!stderr.includes('the port is in use')) throw new Error(`vmdesk run --vnc did not start: ${stderr}`);
  }
  throw new Error('vmdesk run --vnc: no free port found');
}

describe('vmdesk run --vnc', () => {
  it('shows the machine\'s screen to a VNC client and types its keys into the guest', async () => {
    const vm = await runWithVnc();
    try {
      const file = path.join(REPO, 'test-results', 'rfb-vmdesk-run-no-display.png');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const capture = await gvnccapture(vm.port, file);
      expect(capture.code).toBe(0);
      const img = decodePng(fs.readFileSync(file));
      const want = SharedFrame.allocate(640 * 480);
      new NoDisplayAdapter().refresh(want);
      expect([img.width, img.height]).toEqual([want.width, want.height]);
      let differing = 0;
      for (let y = 0; y < want.height; y++) for (let x = 0; x < want.width; x++) if (rgbAt(img, x, y) !== (want.pixels[y * want.width + x]! & 0xffffff)) differing++;
      expect(differing).toBe(0);

      const c = new RfbTestClient(vm.port);
      expect((await c.handshake()).result).toBe(0);
      await c.init();
      for (const [keysym, down] of [[0x61, true], [0x61, false], [0xff52, true], [0xff52, false], [0xff1b, true], [0xff1b, false]] as const) c.key(keysym, down);
      expect(await vm.exited).toBe(1); // debug exit with 0
      expect(vm.out()).toBe('ready\n1e 9e e0 48 e0 c8 01 81 \n');
      c.close();
    } finally {
      vm.child.kill('SIGKILL');
    }
  });

  it('refuses a --vnc that is no port, in one line', () => {
    const r = spawnSync(process.execPath, [bin, 'run', '--kernel', guest, '--vnc', '70000'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toBe('run: --vnc 70000 is not a TCP port (0 to 65535)\n');
  });
});
