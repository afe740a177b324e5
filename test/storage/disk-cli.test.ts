// The `vmdesk disk …` commands, run in-process with captured output; qemu-img checks results.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../core/cli';
import { openDiskLocked } from '../../core/storage';
import { makeRawImage, qemuCheckClean, qemuCompare, qemuImg, qemuInfo, qemuIo, tempDir } from './helpers';

let dir: string;
beforeAll(() => {
  dir = tempDir('cli');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function vmdesk(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough(), interactive: false });
  return { code, out, err };
}
const p = (name: string) => path.join(dir, name);

describe('vmdesk disk', () => {
  it.each([
    [[], 'monolithicSparse'],
    [['-t', 'thick'], 'monolithicFlat'],
    [['-t', 'eagerzeroedthick', '--subformat', 'vmfs'], 'vmfs'],
    [['--subformat', 'twoGbMaxExtentSparse'], 'twoGbMaxExtentSparse'],
    [['--subformat', 'twoGbMaxExtentFlat'], 'twoGbMaxExtentFlat'],
    [['--subformat', 'streamOptimized'], 'streamOptimized'],
  ])('create %j makes a %s disk qemu-img accepts', async (flags, type) => {
    const f = p(`c-${type}.vmdk`);
    const r = await vmdesk('disk', 'create', ...flags, '--size', '10M', f);
    expect(r.code).toBe(0);
    // Writing zeros is the one long step of create: it shows progress.
    expect(r.err).toEqual(flags.includes('eagerzeroedthick') ? expect.stringMatching(/zeroing: 100%\n$/) : '');
    expect(r.out).toMatch(/^created .* \(10\.0 MiB, /);
    expect(qemuCheckClean(f).status).toBe(0);
    expect(qemuInfo(f)).toMatchObject({ 'virtual-size': 10 << 20, 'format-specific': { data: { 'create-type': type } } });
  });

  it('info prints the fields, --json parses', async () => {
    const f = p('c-monolithicSparse.vmdk');
    const text = await vmdesk('disk', 'info', f);
    expect(text.out).toMatch(/create type: monolithicSparse\nprovisioning: thin\nCID: [0-9a-f]{8}\nparentCID: ffffffff/);
    const json = JSON.parse((await vmdesk('disk', 'info', '--json', f)).out);
    expect(json).toMatchObject({ format: 'vmdk', virtualSize: 10 << 20, createType: 'monolithicSparse', allocatedBytes: 0 });
    expect(json.ddb['ddb.adapterType']).toBe('ide');
  });

  it('convert detects the input format, shows progress, and round-trips raw -> vmdk -> raw', async () => {
    const src = makeRawImage(p('src.raw'), 12 << 20, 3);
    const r = await vmdesk('disk', 'convert', '--subformat', 'streamOptimized', src.file, p('s.vmdk'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/convert: 100%\nconvert: .* done\n$/);
    expect((await vmdesk('disk', 'convert', '-O', 'raw', p('s.vmdk'), p('s.raw'))).code).toBe(0);
    expect(qemuCompare(src.file, 'raw', p('s.raw'), 'raw').out).toContain('identical');
    const again = await vmdesk('disk', 'convert', src.file, p('s.vmdk'));
    expect(again).toMatchObject({ code: 1, err: `${p('s.vmdk')}: already exists\n` });
  });

  it('convert reads a qcow2 input (identical result), and refuses one with a backing file in one line', async () => {
    const src = makeRawImage(p('q-src.raw'), 4 << 20, 11);
    qemuImg('convert', '-c', '-O', 'qcow2', src.file, p('q.qcow2'));
    expect((await vmdesk('disk', 'convert', p('q.qcow2'), p('q.vmdk'))).code).toBe(0);
    expect(qemuCompare(p('q.qcow2'), 'qcow2', p('q.vmdk'), 'vmdk').out).toContain('identical');
    qemuImg('create', '-f', 'qcow2', '-b', p('q.qcow2'), '-F', 'qcow2', p('q-top.qcow2'));
    const r = await vmdesk('disk', 'convert', p('q-top.qcow2'), p('q-top.vmdk'));
    expect(r).toMatchObject({ code: 1, err: `${p('q-top.qcow2')}: has a backing file "${p('q.qcow2')}"; the qcow2 reader reads standalone images only\n` });
    expect(fs.existsSync(p('q-top.vmdk'))).toBe(false);
  });

  it('check: clean disk exits 0, damaged disk exits 1 with one error line', async () => {
    const ok = await vmdesk('disk', 'check', p('c-monolithicSparse.vmdk'));
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/no errors found/);
    const bad = p('bad.vmdk');
    fs.copyFileSync(p('c-monolithicSparse.vmdk'), bad);
    const fd = fs.openSync(bad, 'r+');
    fs.writeSync(fd, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]), 0, 8, 20); // grainSize = 2^56
    fs.closeSync(fd);
    const r = await vmdesk('disk', 'check', bad);
    expect(r.code).toBe(1);
    expect(r.err.split('\n')[0]).toMatch(/^error: .*bad\.vmdk: header\.grainSize: .* is not a power of two/);
    const info = await vmdesk('disk', 'info', bad);
    expect(info.code).toBe(1);
    expect(info.err.trim().split('\n')).toHaveLength(1);
  });

  it.each(['monolithicSparse', 'monolithicFlat', 'twoGbMaxExtentFlat', 'twoGbMaxExtentSparse'])('grow a %s disk keeps its data', async (type) => {
    const f = p(`g-${type}.vmdk`);
    await vmdesk('disk', 'create', '--subformat', type, '--size', '3M', f);
    qemuIo(f, 'write -P 0x42 1M 64k');
    const r = await vmdesk('disk', 'grow', '--size', '3000M', f);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(qemuCheckClean(f).status).toBe(0);
    expect(qemuInfo(f)['virtual-size']).toBe(3000 * 2 ** 20);
    qemuIo(f, 'read -P 0x42 1M 64k', 'read -P 0 2M 1M', 'write -P 0x43 2999M 64k', 'read -P 0x43 2999M 64k');
    expect(qemuCheckClean(f).status).toBe(0);
    const shrink = await vmdesk('disk', 'grow', '--size', '1M', f);
    expect(shrink.code).toBe(2);
    expect(shrink.err).toMatch(/the new size must be larger/);
  });

  it('snapshot, consolidate and revert', async () => {
    const base = p('vm.vmdk');
    await vmdesk('disk', 'create', '--size', '4M', base);
    qemuIo(base, 'write -P 0x01 0 1M');
    const snap = await vmdesk('disk', 'snapshot', base);
    const delta = snap.out.trim();
    expect(path.basename(delta)).toBe('vm-000001.vmdk');
    qemuIo(delta, 'write -P 0x02 0 4k');
    expect((await vmdesk('disk', 'info', delta)).out).toMatch(/backing chain: .*vm\.vmdk/);
    const rv = await vmdesk('disk', 'revert', delta);
    expect(rv.code).toBe(0);
    qemuIo(delta, 'read -P 0x01 0 1M');
    qemuIo(delta, 'write -P 0x03 4k 4k');
    const c = await vmdesk('disk', 'consolidate', delta);
    expect(c.code).toBe(0);
    expect(c.out.trim()).toBe(base);
    expect(fs.existsSync(delta)).toBe(false);
    qemuIo(base, 'read -P 0x01 0 4k', 'read -P 0x03 4k 4k', 'read -P 0x01 8k 1016k');
    const none = await vmdesk('disk', 'consolidate', base);
    expect(none).toMatchObject({ code: 1, err: `${base}: has no parent to consolidate into\n` });
  });

  it('grow and snapshot refuse a disk a running VM holds locked, in one line', async () => {
    const f = p('locked.vmdk');
    await vmdesk('disk', 'create', '--size', '4M', f);
    const vm = await openDiskLocked(f, { leaseMs: 400, hostId: 'esx-07' });
    process.env.VMDESK_LEASE_MS = '400';
    try {
      for (const argv of [['disk', 'grow', '--size', '8M', f], ['disk', 'snapshot', f]]) {
        const r = await vmdesk(...argv);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/^.*locked\.vmdk: locked by host esx-07 \(pid \d+\); .*\n$/);
      }
      vm.dispose();
      expect((await vmdesk('disk', 'grow', '--size', '8M', f)).code).toBe(0);
    } finally {
      delete process.env.VMDESK_LEASE_MS;
      vm.dispose();
    }
  });

  it('bad usage is one line and exit 2', async () => {
    for (const argv of [
      ['disk', 'create', 'x.vmdk'],
      ['disk', 'create', '--size', '10Q', 'x.vmdk'],
      ['disk', 'create', '-t', 'fat', '--size', '1M', 'x.vmdk'],
      ['disk', 'create', '--subformat', 'nope', '--size', '1M', 'x.vmdk'],
      ['disk', 'convert', '-O', 'qcow2', 'a', 'b'],
      ['disk', 'info'],
    ]) {
      const r = await vmdesk(...argv);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });
});
