// OVA round trip: a vmdesk VM exports as OVF + streamOptimized VMDKs + SHA256 manifest that
// qemu-img reads, imports back with identical disks and hardware; a truncated or tampered
// OVA fails naming the file and the check, and leaves nothing on the datastore.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertToVm, exportOva, parseEnvelope } from '../../core/converter';
import { VmxFile, readVmConfig } from '../../core/vmkernel/vmx';
import { leftovers, makeRawDisk, qemuCompare, qemuImg, qemuInfo, tempDir } from './helpers';

let dir: string;
let datastore: string;
let vmFolder: string;
let ova: string;

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' });
const tarList = (file: string): string[] => run('tar', ['tf', file]).trim().split('\n');

beforeAll(async () => {
  dir = tempDir('converter-ova');
  datastore = path.join(dir, 'datastore1');
  fs.mkdirSync(datastore);
  const { disk } = makeRawDisk(dir, 24);
  vmFolder = path.join(dir, 'app01');
  await convertToVm(disk, { to: vmFolder, memoryMB: 192 });
  // A second, empty disk so the order of disks is tested.
  qemuImg('create', '-f', 'vmdk', path.join(vmFolder, 'app01_1.vmdk'), '4M');
  const vmxFile = path.join(vmFolder, 'app01.vmx');
  fs.appendFileSync(vmxFile, 'ide0:1.present = "TRUE"\nide0:1.fileName = "app01_1.vmdk"\n');
  ova = path.join(dir, 'app01.ova');
  await exportOva(vmxFile, ova);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('export', () => {
  it('writes the .ovf first, then the manifest, then the disks, as OVF 1.x asks', () => {
    expect(tarList(ova)).toEqual(['app01.ovf', 'app01.mf', 'app01-disk1.vmdk', 'app01-disk2.vmdk']);
  });

  it('holds streamOptimized disks that qemu-img reads and finds identical to the VM\'s', () => {
    const x = path.join(dir, 'extract');
    fs.mkdirSync(x);
    run('tar', ['xf', ova, '-C', x]);
    expect(qemuInfo(path.join(x, 'app01-disk1.vmdk'))['format-specific']?.data?.['create-type']).toBe('streamOptimized');
    expect(qemuCompare(path.join(vmFolder, 'app01.vmdk'), 'vmdk', path.join(x, 'app01-disk1.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
    const env = parseEnvelope(fs.readFileSync(path.join(x, 'app01.ovf'), 'utf8'), 'app01.ovf');
    expect(env.hardware).toMatchObject({ memoryMB: 192, cpus: 1 });
    expect(env.disks.map((d) => d.file.href)).toEqual(['app01-disk1.vmdk', 'app01-disk2.vmdk']);
    // The manifest's sums are those of the files (sha256sum is the oracle).
    const mf = fs.readFileSync(path.join(x, 'app01.mf'), 'utf8');
    const sum = run('sha256sum', [path.join(x, 'app01-disk1.vmdk')]).split(' ')[0];
    expect(mf).toContain(`SHA256(app01-disk1.vmdk)= ${sum}`);
  });
});

describe('import', () => {
  it('round-trips: the imported VM has the same hardware and identical disks', async () => {
    const to = path.join(datastore, 'app02');
    const r = await convertToVm(ova, { to });
    const cfg = readVmConfig(VmxFile.parse(fs.readFileSync(r.vmxFile, 'utf8'), r.vmxFile));
    expect(cfg).toMatchObject({ memoryMB: 192, cpus: 1, ide: [{ fileName: 'app02.vmdk' }, { fileName: 'app02_1.vmdk' }] });
    expect(qemuCompare(path.join(vmFolder, 'app01.vmdk'), 'vmdk', path.join(to, 'app02.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
    expect(qemuCompare(path.join(vmFolder, 'app01_1.vmdk'), 'vmdk', path.join(to, 'app02_1.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
    expect(fs.readdirSync(to).sort()).toEqual(['app02.vmdk', 'app02.vmx', 'app02_1.vmdk']);
  });

  it('imports an unpacked .ovf folder too', async () => {
    const x = path.join(dir, 'ovf-folder');
    fs.mkdirSync(x);
    run('tar', ['xf', ova, '-C', x]);
    const to = path.join(datastore, 'app03');
    await convertToVm(path.join(x, 'app01.ovf'), { to });
    expect(qemuCompare(path.join(vmFolder, 'app01.vmdk'), 'vmdk', path.join(to, 'app03.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
  });

  it('a truncated OVA names the file cut short and leaves nothing on the datastore', async () => {
    const cut = path.join(dir, 'cut.ova');
    fs.copyFileSync(ova, cut);
    fs.truncateSync(cut, fs.statSync(ova).size - 5000);
    await expect(convertToVm(cut, { to: path.join(datastore, 'cut01') })).rejects.toThrow(/cut\.ova: app01-disk2\.vmdk: the archive ends .* \(truncated OVA\)/);
    expect(leftovers(datastore, 'cut01')).toEqual([]);
  });

  it('a tampered disk fails the manifest check, naming the file and the sum', async () => {
    const bad = path.join(dir, 'tampered.ova');
    fs.copyFileSync(ova, bad);
    const fd = fs.openSync(bad, 'r+');
    // A byte in the middle of the first disk's entry (the .ovf and .mf come first).
    const at = Math.floor(fs.statSync(bad).size / 3);
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, at);
    b[0] = b[0]! ^ 0xff;
    fs.writeSync(fd, b, 0, 1, at);
    fs.closeSync(fd);
    await expect(convertToVm(bad, { to: path.join(datastore, 'bad01') })).rejects.toThrow(/tampered\.ova: app01-disk\d\.vmdk: SHA256 does not match the manifest app01\.mf/);
    expect(leftovers(datastore, 'bad01')).toEqual([]);
  });

  it('an envelope that was edited fails the manifest check on the .ovf', async () => {
    const x = path.join(dir, 'edited');
    fs.mkdirSync(x);
    run('tar', ['xf', ova, '-C', x]);
    const ovf = path.join(x, 'app01.ovf');
    fs.writeFileSync(ovf, fs.readFileSync(ovf, 'utf8').replace('>192<', '>3000<'));
    await expect(convertToVm(ovf, { to: path.join(datastore, 'edit01') })).rejects.toThrow(/app01\.ovf: SHA256 does not match the manifest app01\.mf/);
    expect(leftovers(datastore, 'edit01')).toEqual([]);
  });
});
