// `vmdesk vm …` as a user runs it: against a running `vmdesk serve` (--server) and against
// the embedded host of the vmdesk home, which remembers the datastores serve had.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VmInfo } from '../../core/api';
import { REPO, startServe, type VmdeskProcess } from '../support/vmdesk-process';

let home: string;
let dsDir: string;
let serve: VmdeskProcess;

function vmdesk(args: string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'vmdesk.mjs'), ...args], { env: { ...process.env, VMDESK_HOME: home } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-vmcli-'));
  dsDir = path.join(home, 'lab');
  fs.mkdirSync(dsDir);
  serve = await startServe(['--datastore', `lab=${dsDir}`], { VMDESK_HOME: home });
});

afterAll(async () => {
  await serve?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('vmdesk vm against a running host', () => {
  it('creates, lists, refuses power-on of a kernel that is not there, and deletes', async () => {
    const created = await vmdesk(['vm', 'create', 'cli01', '--datastore', 'lab', '--memory', '128', '--kernel', '/boot/vmlinuz', '--append', 'console=ttyS0', '--server', serve.url]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^vm cli01: created as vm-\d+ at \[lab\] cli01\/cli01\.vmx\n$/);
    expect(fs.readFileSync(path.join(dsDir, 'cli01', 'cli01.vmx'), 'utf8')).toContain('vmdesk.kernel = "/boot/vmlinuz"');

    const list = await vmdesk(['vm', 'list', '--json', '--server', serve.url]);
    const vms = JSON.parse(list.stdout) as VmInfo[];
    expect(vms).toMatchObject([{ name: 'cli01', powerState: 'poweredOff', hardware: { memoryMB: 128, boot: 'kernel' } }]);
    const table = await vmdesk(['vm', 'list', '--server', serve.url]);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATE\s+MEMORY\s+CPUS\s+VMX$/);
    expect(table.stdout).toMatch(/cli01\s+poweredOff\s+128 MB\s+1\s+\[lab\] cli01\/cli01\.vmx/);

    const set = await vmdesk(['vm', 'reconfigure', 'cli01', '--memory', '256', '--cdrom', 'rescue.iso', '--server', serve.url]);
    expect(set.stdout).toBe('vm cli01: reconfigured (256 MB, 1 vCPU, boot from kernel)\n');
    expect(fs.readFileSync(path.join(dsDir, 'cli01', 'cli01.vmx'), 'utf8')).toContain('ide1:0.fileName = "rescue.iso"');
    const renamed = await vmdesk(['vm', 'rename', 'cli01', 'cli01-b', '--server', serve.url]);
    expect(renamed.stdout).toBe('vm cli01: renamed to cli01-b\n');
    expect((await vmdesk(['vm', 'rename', 'cli01-b', 'cli01', '--server', serve.url])).status).toBe(0);

    const on = await vmdesk(['vm', 'power-on', 'cli01', '--server', serve.url]);
    expect(on.status).toBe(2); // bad input: the .vmx names a file that is not there
    expect(on.stderr).toMatch(/^vm cli01: vmdesk\.kernel = "\/boot\/vmlinuz": cannot read \/boot\/vmlinuz: .+\n$/);

    const console = await vmdesk(['vm', 'console', 'cli01', '--server', serve.url]);
    expect(console.status).toBe(0);
    expect(console.stderr).toBe('vm console: cli01 is powered off\n');

    const missing = await vmdesk(['vm', 'delete', 'nope', '--server', serve.url]);
    expect(missing.stderr).toBe('vm: no virtual machine named "nope" on this host (`vmdesk vm list` shows them)\n');
    const del = await vmdesk(['vm', 'delete', 'cli01', '--server', serve.url]);
    expect(del.stdout).toBe('vm cli01: deleted with its files\n');
    expect(fs.existsSync(path.join(dsDir, 'cli01'))).toBe(false);
  });

  it('registers a .vmx on the embedded host, which knows the datastores serve had', async () => {
    fs.mkdirSync(path.join(dsDir, 'imported'));
    fs.writeFileSync(path.join(dsDir, 'imported', 'imported.vmx'), 'displayName = "imported"\nmemsize = "32"\n');
    const reg = await vmdesk(['vm', 'register', path.join(dsDir, 'imported', 'imported.vmx')]);
    expect(reg.stderr).toBe('');
    expect(reg.stdout).toMatch(/^vm imported: registered as vm-\d+ at \[lab\] imported\/imported\.vmx\n$/);
    // serve shares the database: it sees the VM too.
    const list = await vmdesk(['vm', 'list', '--json', '--server', serve.url]);
    expect((JSON.parse(list.stdout) as VmInfo[]).map((v) => v.name)).toContain('imported');
    const unreg = await vmdesk(['vm', 'unregister', 'imported']);
    expect(unreg.stdout).toBe('vm imported: unregistered (its files stay)\n');
    expect(fs.existsSync(path.join(dsDir, 'imported', 'imported.vmx'))).toBe(true);
  });
});
