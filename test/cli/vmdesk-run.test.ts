// `vmdesk run` as scripts use it: a real process running small Multiboot guests built with
// nasm. Exit codes and the one-line errors are the contract (DESIGN.md).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/vmdesk-process';

const bin = path.join(REPO, 'bin', 'vmdesk.mjs');
let dir: string;
let hello: string;
let bad: string;

function assemble(source: string): string {
  const out = path.join(dir, path.basename(source, '.asm') + '.bin');
  execFileSync('nasm', ['-f', 'bin', '-o', out, path.join(__dirname, 'guests', source)]);
  return out;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-run-'));
  hello = assemble('hello-serial.asm');
  bad = assemble('fault-loop-reset.asm');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[], input = '') => spawnSync(process.execPath, [bin, 'run', ...args], { input, encoding: 'utf8', timeout: 60_000 });

describe('vmdesk run', () => {
  it('connects COM1 to stdin/stdout and exits with the guest’s debug-exit code', () => {
    const r = run(['--kernel', hello, '--debug-exit', '--timeout', '30'], 'Shout at me\n');
    expect(r.stdout).toBe('hello from the guest\nSHOUT AT ME\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe((0x15 << 1) | 1);
  });

  it('serves COM1 on a TCP port', async () => {
    const child = spawn(process.execPath, [bin, 'run', '--kernel', hello, '--debug-exit', '--serial', 'tcp:0', '--timeout', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await expect.poll(() => /tcp 127\.0\.0\.1:(\d+)/.exec(err)?.[1], { timeout: 20_000 }).toBeDefined();
    const port = Number(/tcp 127\.0\.0\.1:(\d+)/.exec(err)![1]);
    const net = await import('node:net');
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => (got += d));
    sock.write('ok\n');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    sock.destroy();
    expect(got).toContain('OK\n');
    expect(code).toBe(43);
  });

  it('writes COM1 to a file', () => {
    const log = path.join(dir, 'serial.log');
    const r = run(['--kernel', hello, '--append', 'q', '--debug-exit', '--serial', `file:${log}`, '--timeout', '30']);
    expect(fs.readFileSync(log, 'utf8')).toBe('hello from the guest\n');
    expect(r.status).toBe(43);
  });

  it('reports a triple fault in one line and exits non-zero', () => {
    const r = run(['--kernel', bad, '--append', 't', '--timeout', '30']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^run: the guest triple-faulted; its CPU shut down at EIP [0-9a-f]{8}\n$/);
  });

  it('exits 0 when the guest resets under --no-reboot', () => {
    const r = run(['--kernel', bad, '--append', 'r', '--no-reboot', '--timeout', '30']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('stops a guest that outlives --timeout', () => {
    const r = run(['--kernel', bad, '--append', 'l', '--timeout', '1']);
    expect(r.status).toBe(124);
    // The guest spins in `jmp forever` (interrupts off); a worker slow to start has not run it yet.
    expect(r.stderr).toMatch(/^run: the guest was still running after 1 s \(--timeout\); stopped it; the vCPU (had not run yet|was running at EIP [0-9a-f]{8} \(IF=0\) after [\d,]+ instructions)\b.*\n$/);
  });

  it('says where the vCPU was when SIGTERM stops the guest', async () => {
    const child = spawn(process.execPath, [bin, 'run', '--kernel', hello, '--append', 'i', '--timeout', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    // Greeted, then idle: HLT with interrupts enabled (hello-serial.asm, command line "i").
    await expect.poll(() => out, { timeout: 20_000 }).toContain('hello from the guest');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toMatch(/^run: stopped by SIGTERM; the vCPU was halted at EIP [0-9a-f]{8} \(IF=1\) after [\d,]+ instructions, guest clock [\d.]+ s, reported [\d.]+ s ago\n$/);
  });

  it.each([
    [['--kernel', '/no/such/kernel'], 'run: cannot read --kernel /no/such/kernel: no such file', 1],
    [[], 'run: nothing to boot; give --kernel F, --disk F or --cdrom F (or a .vmx)', 2],
    [['--kernel', 'x', '--memory', '2'], 'run: --memory 2 must be a whole number of MiB from 4 to 3584', 2],
    [['--kernel', 'x', '--serial', 'pipe'], 'run: --serial "pipe" is not stdio, tcp:PORT or file:PATH', 2],
  ])('refuses %j in one line', (args, line, code) => {
    const r = run(args);
    expect(r.stderr).toBe(line + '\n');
    expect(r.status).toBe(code);
  });

  it('refuses a file that is no kernel, naming it', () => {
    const junk = path.join(dir, 'junk.bin');
    fs.writeFileSync(junk, Buffer.alloc(16384, 0x5a));
    const r = run(['--kernel', junk]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('run: junk.bin: no multiboot header in the first 8192 bytes (and no "HdrS" bzImage header either)\n');
  });
});
