// The device test guests (test/vmm/guests/*.asm, nasm Multiboot kernels) under the real
// `vmdesk run --debug-exit`: each checks one device as a guest driver would and reports
// PASS or FAIL on COM1, then leaves through the debug-exit port (PASS: exit 33, FAIL: 35).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/vmdesk-process';

const GUESTS = path.join(__dirname, 'guests');
const EXIT_PASS = (0x10 << 1) | 1;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-device-guests-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function assemble(name: string): string {
  const out = path.join(dir, `${name}.bin`);
  execFileSync('nasm', ['-f', 'bin', '-w-zeroing', '-I', GUESTS + path.sep, '-o', out, path.join(GUESTS, `${name}.asm`)]);
  return out;
}

function runGuest(kernel: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'vmdesk.mjs'), 'run', '--kernel', kernel, '--debug-exit', '--timeout', '150'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('device test guests', () => {
  it.each([
    ['pit-rate', 'PIT counts at a third of the PM timer rate and ticks IRQ 0 at 100 Hz'],
    ['rtc-update', 'RTC raises one update-ended interrupt a second'],
    ['uart-loopback', '16550A loops data and modem lines back'],
    ['pic-masking', '8259 holds masked requests in IRR'],
    ['apic-timer', 'local APIC timer counts, ticks periodically and fires one shots'],
    ['timer-deadline', 'a timer armed in busy code fires at its deadline'],
  ])('%s: %s', async (name) => {
    const r = await runGuest(assemble(name));
    expect(r.stdout).not.toContain('FAIL');
    expect(r.stdout).toMatch(/(^|\n)PASS\n$/);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: EXIT_PASS, stderr: '' });
  }, 180_000);
});
