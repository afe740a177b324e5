// New VM disks are VMDKs from core/storage's creator: thin, thick and eagerzeroedthick
// monolithicSparse files named NAME.vmdk that qemu-img checks and reads at the right size.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VmdkDiskProvisioner } from '../../core/vmkernel';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-disks-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const SIZE = 16 * 2 ** 20;

describe('VmdkDiskProvisioner', () => {
  it.each(['thin', 'thick', 'eagerzeroedthick'] as const)('makes a %s NAME.vmdk that qemu-img accepts', async (provisioning) => {
    const seen: number[] = [];
    const name = await new VmdkDiskProvisioner().create({ folder: dir, baseName: 'db01', sizeBytes: SIZE, provisioning, progress: (p) => seen.push(p) });
    expect(name).toBe('db01.vmdk');
    expect(fs.readdirSync(dir)).toEqual(['db01.vmdk']);
    const file = path.join(dir, name);
    const check = spawnSync('qemu-img', ['check', '-f', 'vmdk', file], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const info = JSON.parse(spawnSync('qemu-img', ['info', '--output=json', file], { encoding: 'utf8' }).stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ format: 'vmdk', 'virtual-size': SIZE });
    const used = fs.statSync(file).blocks * 512;
    if (provisioning === 'thin') expect(used).toBeLessThan(SIZE / 4);
    if (provisioning === 'eagerzeroedthick') expect(used).toBeGreaterThanOrEqual(SIZE);
    expect(seen.at(-1)).toBe(100);
  });

  it('refuses to overwrite a disk that is there, in one line', async () => {
    fs.writeFileSync(path.join(dir, 'db01.vmdk'), 'x');
    await expect(new VmdkDiskProvisioner().create({ folder: dir, baseName: 'db01', sizeBytes: SIZE, provisioning: 'thin', progress: () => {} })).rejects.toThrow(
      `disk: cannot create ${path.join(dir, 'db01.vmdk')}: `,
    );
    expect(fs.readFileSync(path.join(dir, 'db01.vmdk'), 'utf8')).toBe('x');
  });
});
