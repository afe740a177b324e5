// `vmdesk convert`, `vmdesk export` and the converter.convert API as a user reaches them:
// a folder on this machine, a running host's datastore (the VM registered there), and the
// host converting a source itself as a task.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskInfo, VmInfo } from '../../core/api';
import { createHandlers, newCallContext, dispatch } from '../../core/server';
import { HostAgent } from '../../core/vmkernel';
import { REPO, startServe, type VmdeskProcess } from '../support/vmdesk-process';
import { leftovers, makeRawDisk, qemuCompare, qemuImg, tempDir } from './helpers';

let home: string;
let dsDir: string;
let raw: string;
let serve: VmdeskProcess;

function vmdesk(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'vmdesk.mjs'), ...args], { env: { ...process.env, VMDESK_HOME: home } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end();
  });
}

beforeAll(async () => {
  home = tempDir('converter-cli');
  dsDir = path.join(home, 'lab');
  fs.mkdirSync(dsDir);
  ({ disk: raw } = makeRawDisk(home, 16));
  serve = await startServe(['--datastore', `lab=${dsDir}`], { VMDESK_HOME: home });
}, 60_000); // starting `vmdesk serve` from sources took over vitest's default 10 s at load ~10
afterAll(async () => {
  await serve?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('vmdesk convert', () => {
  it('converts a qcow2 into a VM folder, printing progress and the result', async () => {
    const img = path.join(home, 'src.qcow2');
    qemuImg('convert', '-O', 'qcow2', raw, img);
    const r = await vmdesk(['convert', img, '--to', path.join(home, 'cli01'), '--memory', '64', '--disk-type', 'thin']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^convert: .*src\.qcow2 -> .*cli01\/cli01\.vmx \(1 disk\(s\), 64 MB, 1 CPU\)\n$/);
    expect(r.stderr).toMatch(/convert: 100% done/);
    expect(qemuCompare(img, 'qcow2', path.join(home, 'cli01', 'cli01.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
  });

  it('bad input gets one line and a non-zero exit', async () => {
    const r = await vmdesk(['convert', raw, '--to', path.join(home, 'x1'), '--disk-type', 'fat']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toBe('convert: --disk-type fat: thin or thick');
    const missing = await vmdesk(['convert', path.join(home, 'nope.raw'), '--to', path.join(home, 'x2')]);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/nope\.raw: no such file/);
    expect(leftovers(home, 'x2')).toEqual([]);
    const args = await vmdesk(['convert', raw, '--to', path.join(home, 'x3'), '--kernel-args', 'quiet']);
    expect(args.status).not.toBe(0);
    expect(args.stderr.trim()).toMatch(/^convert: --kernel-args applies to agent:\/\/ sources [^\n]*$/);
    expect(leftovers(home, 'x3')).toEqual([]);
  });

  it('converts onto a host\'s datastore with --server and registers the VM there', async () => {
    const r = await vmdesk(['convert', raw, '--server', serve.url, '--datastore', 'lab', '--name', 'p2v01']);
    expect(r.stderr).not.toMatch(/vmdesk: /);
    expect(r.stdout).toMatch(/registered as vm-\d+ \(\[lab\] p2v01\/p2v01\.vmx\)/);
    const list = JSON.parse((await vmdesk(['vm', 'list', '--json', '--server', serve.url])).stdout) as VmInfo[];
    expect(list.find((v) => v.name === 'p2v01')).toMatchObject({ vmxPath: '[lab] p2v01/p2v01.vmx', hardware: { disks: [{ fileName: 'p2v01.vmdk' }] } });
  });

  it('exports a registered VM by name as an OVA that imports back identical', async () => {
    const ova = path.join(home, 'p2v01.ova');
    const r = await vmdesk(['export', 'p2v01', '--ova', ova, '--server', serve.url]);
    expect(r.stdout).toMatch(/export: .*p2v01\.vmx -> .*p2v01\.ova \(1 disk\(s\)\)/);
    const back = await vmdesk(['convert', ova, '--to', path.join(home, 'back01')]);
    expect(back.status).toBe(0);
    expect(qemuCompare(raw, 'raw', path.join(home, 'back01', 'back01.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
  });
});

describe('converter.convert (the host converts, as a task)', () => {
  it('converts a source on the host onto its datastore, registers it, and records the task', async () => {
    const ds = path.join(home, 'api-ds');
    fs.mkdirSync(ds);
    const host = new HostAgent({ version: 'test', datastores: [{ name: 'ds1', path: ds }], statsIntervalMs: 60_000 });
    try {
      const handlers = createHandlers(host);
      const ctx = newCallContext();
      const r = await dispatch(handlers, 'converter.convert', { source: raw, datastore: 'ds1', name: 'api01', memoryMB: 96 }, ctx);
      expect(r).toMatchObject({ ok: true, data: { name: 'api01', vmxPath: '[ds1] api01/api01.vmx', hardware: { memoryMB: 96 } } });
      const tasks = (await dispatch(handlers, 'tasks.list', {}, ctx)) as { ok: true; data: TaskInfo[] };
      expect(tasks.data.find((t) => t.name === 'Convert virtual machine')).toMatchObject({ state: 'success', progress: 100, target: 'api01' });
      const bad = await dispatch(handlers, 'converter.convert', { source: path.join(home, 'missing.vmdk'), datastore: 'ds1', name: 'api02' }, ctx);
      expect(bad).toMatchObject({ ok: false });
      expect(leftovers(ds, 'api02')).toEqual([]);
      const failed = (await dispatch(handlers, 'tasks.list', {}, ctx)) as { ok: true; data: TaskInfo[] };
      expect(failed.data[0]).toMatchObject({ name: 'Convert virtual machine', state: 'error' });
      expect(failed.data[0]!.error).toMatch(/missing\.vmdk: no such/);
    } finally {
      host.dispose();
    }
  });
});
