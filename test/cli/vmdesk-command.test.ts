// The `vmdesk` command as a user runs it: a real process from bin/vmdesk.mjs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };

const bin = path.resolve(__dirname, '..', '..', 'bin', 'vmdesk.mjs');
const vmdesk = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('vmdesk command', () => {
  it('prints its version', () => {
    const r = vmdesk('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`vmdesk ${pkg.version}`);
  });

  it('lists its commands in --help', () => {
    const r = vmdesk('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+serve\s+run a host headless/m);
    expect(r.stdout).toMatch(/^\s+desktop\s+start the desktop app/m);
  });

  it('shows a command’s options in its --help', () => {
    const r = vmdesk('serve', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--listen HOST:PORT');
    expect(r.stdout).toContain('--datastore NAME=PATH');
  });

  it.each([
    [['--bogus'], 'vmdesk: unknown option --bogus (see `vmdesk --help`)'],
    [['frobnicate'], 'vmdesk: unknown command "frobnicate" (see `vmdesk --help`)'],
    [['serve', '--nope'], 'serve: unknown option --nope (see `vmdesk serve --help`)'],
    [['serve', '--listen', 'localhost'], 'serve: --listen "localhost" is not HOST:PORT (for example 127.0.0.1:8480)'],
    [['serve', '--datastore', 'nopath'], 'datastore: "nopath" is not NAME=PATH'],
    [['vm', 'create', 'x'], 'vm create: --memory MB is required'],
    [['vm', 'power-on'], 'vm power-on: give one NAME'],
    [['vm', 'list', '--server', 'ftp://h'], 'vm: --server must be http:// or https://, not ftp:'],
    [['vm', 'list', '--server', 'https://127.0.0.1:1'], 'vm: an https host needs --fingerprint AA:BB:… (the SHA-256 fingerprint `vmdesk serve` printed at start)'],
  ])('rejects %j with one clear line and no stack trace', (args, line) => {
    const r = vmdesk(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(line + '\n');
    expect(r.stdout).toBe('');
  });
});
