// Raw disks, block-device-like sources and qemu-img formats become VM folders whose disk holds
// the same bytes (qemu-img compare is the oracle); a cancelled or failed conversion leaves nothing.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConverterError, convertToVm } from '../../core/converter';
import { StorageError } from '../../core/storage';
import { VmxFile, readVmConfig } from '../../core/vmkernel/vmx';
import { dumpFile, leftovers, listDir, makeRawDisk, qemuCompare, qemuImg, qemuInfo, tempDir } from './helpers';

let dir: string;
let raw: string;
let tree: string;

beforeAll(() => {
  dir = tempDir('converter-disk');
  ({ disk: raw, tree } = makeRawDisk(dir));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('convert a raw disk image', () => {
  it('makes NAME/NAME.vmx with a thin VMDK that qemu-img finds identical to the source', async () => {
    const seen: number[] = [];
    const to = path.join(dir, 'web01');
    const r = await convertToVm(raw, { to, memoryMB: 128, progress: (p) => seen.push(p.percent) });
    expect(r.vmxFile).toBe(path.join(to, 'web01.vmx'));
    expect(qemuCompare(raw, 'raw', path.join(to, 'web01.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
    expect(qemuInfo(path.join(to, 'web01.vmdk')).format).toBe('vmdk');
    // Sparse: the 48 MiB disk holds ~3.5 MiB of data, and so does the VMDK.
    expect(fs.statSync(path.join(to, 'web01.vmdk')).size).toBeLessThan(12 << 20);
    const cfg = readVmConfig(VmxFile.parse(fs.readFileSync(r.vmxFile, 'utf8'), r.vmxFile));
    expect(cfg).toMatchObject({ displayName: 'web01', memoryMB: 128, cpus: 1, ide: [{ slot: 'ide0:0', fileName: 'web01.vmdk', type: 'disk' }] });
    expect(seen.at(-1)).toBe(100);
    // The files are in the converted disk's file system.
    const out = path.join(dir, 'readback.raw');
    qemuImg('convert', '-O', 'raw', path.join(to, 'web01.vmdk'), out);
    expect(listDir(out, 1 << 20, '/etc').sort()).toEqual(['hostname', 'motd']);
    expect(dumpFile(out, 1 << 20, '/bin/payload', path.join(dir, 'payload.out')).equals(fs.readFileSync(path.join(tree, 'bin', 'payload')))).toBe(true);
  });

  it('writes a thick disk (monolithicFlat) with the same content', async () => {
    const to = path.join(dir, 'thick01');
    await convertToVm(raw, { to, diskType: 'thick' });
    expect(fs.existsSync(path.join(to, 'thick01-flat.vmdk'))).toBe(true);
    expect(qemuCompare(raw, 'raw', path.join(to, 'thick01.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
  });
});

describe('convert foreign formats through qemu-img', () => {
  for (const format of ['qcow2', 'vdi', 'vpc', 'vhdx'] as const) {
    it(`${format}: the VM's disk is identical to the image`, async () => {
      const img = path.join(dir, `source.${format}`);
      qemuImg('convert', '-O', format, ...(format === 'vpc' ? ['-o', 'force_size=on'] : []), raw, img);
      const to = path.join(dir, `from-${format}`);
      const seen: number[] = [];
      const r = await convertToVm(img, { to, progress: (p) => seen.push(p.percent) });
      expect(r.notes.join('\n')).toContain(`${format} source`);
      // qcow2 is read by storage's own reader; the others by qemu-img.
      expect(r.notes.join('\n')).toContain(format === 'qcow2' ? 'read by vmdesk' : 'read by qemu-img');
      // Progress only goes forward, passes through the middle, and ends at 100.
      expect(seen.every((p, i) => i === 0 || p >= seen[i - 1]!)).toBe(true);
      expect(seen.some((p) => p > 10 && p < 90)).toBe(true);
      expect(seen.at(-1)).toBe(100);
      expect(qemuCompare(img, format, path.join(to, `from-${format}.vmdk`), 'vmdk')).toMatchObject({ status: 0 });
      expect(qemuCompare(raw, 'raw', path.join(to, `from-${format}.vmdk`), 'vmdk')).toMatchObject({ status: 0 });
      // The unpacked scratch copy is gone.
      expect(fs.readdirSync(to).sort()).toEqual([`from-${format}.vmdk`, `from-${format}.vmx`]);
    });
  }
});

describe('qcow2 sources', () => {
  for (const [what, opts] of [
    ['compressed (-c)', ['-c']],
    ['version 2 (compat=0.10), 4 KiB clusters', ['-o', 'compat=0.10,cluster_size=4096']],
  ] as const) {
    it(`${what}: our own reader copies it, identical to the image`, async () => {
      const img = path.join(dir, `own-${what.replace(/\W+/g, '-')}.qcow2`);
      qemuImg('convert', ...opts, '-O', 'qcow2', raw, img);
      const to = path.join(dir, `own${opts.length}`);
      const r = await convertToVm(img, { to });
      expect(r.notes.join('\n')).toContain('qcow2 source, 50331648 bytes, read by vmdesk');
      expect(qemuCompare(img, 'qcow2', path.join(to, `own${opts.length}.vmdk`), 'vmdk')).toMatchObject({ status: 0 });
    });
  }

  it('a qcow2 with a backing file falls back to qemu-img, which reads the chain', async () => {
    const base = path.join(dir, 'chain-base.qcow2');
    const top = path.join(dir, 'chain-top.qcow2');
    qemuImg('convert', '-O', 'qcow2', raw, base);
    qemuImg('create', '-f', 'qcow2', '-b', base, '-F', 'qcow2', top);
    execFileSync('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0x77 5M 1M', top], { stdio: 'ignore' });
    const to = path.join(dir, 'chain01');
    const r = await convertToVm(top, { to });
    expect(r.notes.join('\n')).toMatch(/qcow2 source, 50331648 bytes, read by qemu-img \(.*chain-top\.qcow2: has a backing file ".*chain-base\.qcow2"; the qcow2 reader reads standalone images only\)/);
    expect(qemuCompare(top, 'qcow2', path.join(to, 'chain01.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
  });
});

describe('convert a VMware .vmx folder', () => {
  it('copies its disks in controller order and rewrites the .vmx, keeping foreign keys', async () => {
    const src = path.join(dir, 'vmware-vm');
    fs.mkdirSync(src);
    qemuImg('convert', '-O', 'vmdk', '-o', 'subformat=monolithicSparse', raw, path.join(src, 'sys.vmdk'));
    qemuImg('create', '-f', 'vmdk', path.join(src, 'data.vmdk'), '8M');
    fs.writeFileSync(
      path.join(src, 'vmware-vm.vmx'),
      [
        '.encoding = "UTF-8"',
        'displayName = "old name"',
        'memsize = "8192"',
        'numvcpus = "4"',
        'guestOS = "debian11"',
        'annotation = "keep me"',
        'scsi0.present = "TRUE"',
        'scsi0.virtualDev = "lsilogic"',
        'scsi0:1.present = "TRUE"',
        'scsi0:1.fileName = "data.vmdk"',
        'scsi0:0.present = "TRUE"',
        'scsi0:0.fileName = "sys.vmdk"',
        'ide1:0.present = "TRUE"',
        'ide1:0.deviceType = "cdrom-image"',
        'ide1:0.fileName = "debian.iso"',
        'ethernet0.present = "TRUE"',
        'ethernet0.networkName = "Prod"',
        'ethernet0.address = "00:50:56:00:00:01"',
        '',
      ].join('\n'),
    );
    const to = path.join(dir, 'v2v01');
    const r = await convertToVm(src, { to });
    const vmx = VmxFile.parse(fs.readFileSync(r.vmxFile, 'utf8'), r.vmxFile);
    const cfg = readVmConfig(vmx);
    expect(cfg.ide.map((d) => d.fileName)).toEqual(['v2v01.vmdk', 'v2v01_1.vmdk']);
    expect(cfg).toMatchObject({ displayName: 'v2v01', memoryMB: 3584, cpus: 1, guestOS: 'debian11', ethernet: [{ networkName: 'Prod', macAddress: '00:50:56:00:00:01' }] });
    expect(vmx.get('annotation')).toBe('keep me');
    expect(vmx.has('scsi0.present')).toBe(false);
    expect(r.notes.join('\n')).toMatch(/memory: the source has 8192 MiB/);
    expect(qemuCompare(path.join(src, 'sys.vmdk'), 'vmdk', path.join(to, 'v2v01.vmdk'), 'vmdk')).toMatchObject({ status: 0 });
  });
});

describe('nothing half-made', () => {
  it('a cancelled conversion removes its staging folder and makes no VM folder', async () => {
    const ac = new AbortController();
    const to = path.join(dir, 'cancelled01');
    const run = convertToVm(raw, { to, signal: ac.signal, progress: (p) => p.percent > 0 && ac.abort() });
    await expect(run).rejects.toThrow(/cancelled/);
    expect(leftovers(dir, 'cancelled01')).toEqual([]);
  });

  it('a qcow2 with a broken header fails with one line naming the file and field, and leaves nothing', async () => {
    const bad = path.join(dir, 'broken.qcow2');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from('QFI\xfb\0\0\0\x03', 'latin1'), Buffer.alloc(1024, 0xff)]));
    const err = await convertToVm(bad, { to: path.join(dir, 'broken01') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toBe(`${bad}: header.cluster_bits: 4294967295 is outside 9..21 (clusters of 512 bytes to 2 MiB)`);
    expect(leftovers(dir, 'broken01')).toEqual([]);
  });

  it('a source larger than a VMDK can be (a 1 PiB qcow2) fails before writing, and leaves nothing', async () => {
    const big = path.join(dir, 'huge.qcow2');
    qemuImg('create', '-f', 'qcow2', '-o', 'cluster_size=2M', big, '1P');
    const err = await convertToVm(big, { to: path.join(dir, 'huge01') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConverterError);
    expect((err as Error).message).toBe(`${big}: a disk of ${2 ** 50} bytes is larger than a VMDK can be (62 TiB)`);
    expect(leftovers(dir, 'huge01')).toEqual([]);
  });

  it('a source qemu-img cannot read fails with one line naming it, and leaves nothing', async () => {
    const bad = path.join(dir, 'broken.vdi');
    const head = Buffer.alloc(2048, 0xff);
    head.writeUInt32LE(0xbeda107f, 64);
    fs.writeFileSync(bad, head);
    const err = await convertToVm(bad, { to: path.join(dir, 'broken02') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConverterError);
    expect((err as Error).message).toMatch(/broken\.vdi: qemu-img/);
    expect((err as Error).message).not.toContain('\n');
    expect(leftovers(dir, 'broken02')).toEqual([]);
  });

  it('a qcow2 whose compressed data is damaged fails in one line naming the cluster, and leaves nothing', async () => {
    const img = path.join(dir, 'damaged.qcow2');
    qemuImg('convert', '-c', '-O', 'qcow2', raw, img);
    // Compressed clusters fill the file's second half: 0xff is not a deflate stream.
    const fd = fs.openSync(img, 'r+');
    fs.writeSync(fd, Buffer.alloc(256 << 10, 0xff), 0, 256 << 10, Math.floor(fs.statSync(img).size / 2));
    fs.closeSync(fd);
    const err = await convertToVm(img, { to: path.join(dir, 'damaged01') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/damaged\.qcow2: compressed guest cluster \d+: does not inflate to one cluster: /);
    expect((err as Error).message).not.toContain('\n');
    expect(leftovers(dir, 'damaged01')).toEqual([]);
  });

  it('a cancelled qcow2 conversion leaves nothing, with our reader and with qemu-img (a backing file)', async () => {
    const img = path.join(dir, 'cancel.qcow2');
    qemuImg('convert', '-O', 'qcow2', raw, img);
    const top = path.join(dir, 'cancel-top.qcow2');
    qemuImg('create', '-f', 'qcow2', '-b', img, '-F', 'qcow2', top);
    for (const [src, name] of [[img, 'cancelled02'], [top, 'cancelled03']] as const) {
      const ac = new AbortController();
      const to = path.join(dir, name);
      const run = convertToVm(src, { to, signal: ac.signal, progress: (p) => p.percent > 0 && ac.abort() });
      await expect(run).rejects.toThrow(/cancelled/);
      expect(leftovers(dir, name)).toEqual([]);
    }
  });

  it('refuses an existing target folder and bad hardware choices before writing', async () => {
    fs.mkdirSync(path.join(dir, 'exists01'));
    await expect(convertToVm(raw, { to: path.join(dir, 'exists01') })).rejects.toThrow(/already exists/);
    await expect(convertToVm(raw, { to: path.join(dir, 'cpu01'), cpus: 4 })).rejects.toThrow(/--cpus 4/);
    await expect(convertToVm(raw, { to: path.join(dir, 'mem01'), memoryMB: 1 })).rejects.toThrow(/--memory 1/);
    expect(leftovers(dir, 'cpu01')).toEqual([]);
  });
});
