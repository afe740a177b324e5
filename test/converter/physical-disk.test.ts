// A physical disk as the source: a block device (a loop device over the test's raw disk,
// standing in for /dev/sdX) converts to an identical VMDK; a disk the user may not read gets
// advice, not a stack trace, and leaves nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertToVm } from '../../core/converter';
import { REPO } from '../support/vmdesk-process';
import { leftovers, makeRawDisk, qemuCompare, tempDir } from './helpers';

let dir: string;
let raw: string;

beforeAll(() => {
  dir = tempDir('converter-physical');
  fs.chmodSync(dir, 0o777);
  ({ disk: raw } = makeRawDisk(dir, 20));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('block device source', () => {
  it('reads the device (size from sysfs, not fstat) and writes an identical thin VMDK', async () => {
    const dev = execFileSync('losetup', ['--find', '--show', '--read-only', raw], { encoding: 'utf8' }).trim();
    try {
      expect(fs.statSync(dev).isBlockDevice()).toBe(true);
      const to = path.join(dir, 'p2v-dev');
      const r = await convertToVm(dev, { to });
      expect(r.notes.join('\n')).toContain('device source, 20971520 bytes');
      expect(qemuCompare(raw, 'raw', path.join(to, 'p2v-dev.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
      // Sparse: zero blocks of the device were skipped.
      expect(fs.statSync(path.join(to, 'p2v-dev.vmdk')).size).toBeLessThan(8 << 20);
    } finally {
      execFileSync('losetup', ['-d', dev]);
    }
  });
});

describe('permission', () => {
  it('a disk the user cannot read: one line of advice, exit 1, nothing left', () => {
    const secret = path.join(dir, 'secret.raw');
    fs.copyFileSync(raw, secret);
    fs.chmodSync(secret, 0o600);
    // As "nobody" (uid 65534), who may not read a root-owned 0600 file.
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'vmdesk.mjs'), 'convert', secret, '--to', path.join(dir, 'denied')], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      env: { ...process.env, HOME: dir, VMDESK_HOME: path.join(dir, 'home') },
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^\/\S+\/secret\.raw: permission denied \(reading a disk needs read access to it/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(leftovers(dir, 'denied')).toEqual([]);
  });
});
