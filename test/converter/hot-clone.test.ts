// Hot clone over loopback: `converter-agent` serves a directory tree standing in for a running
// machine's root; the converter receives it (through a link that drops mid-transfer and
// resumes), builds MBR + syslinux boot partition + ext4 root, and the disk's file system,
// read back with debugfs and mtools, holds the same files, owners, modes, links and devices.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConverterAgent, hotCloneToVm } from '../../core/converter';
import { createHandlers, dispatch, newCallContext } from '../../core/server';
import { HostAgent } from '../../core/vmkernel';
import { debugfs, dumpFile, leftovers, listDir, qemuInfo, tempDir, toRaw } from './helpers';

let dir: string;
let root: string;
let agent: ConverterAgent;
const agentLog: string[] = [];
const TOKEN = 'loopback-secret-1';
const BIG = 9 << 20;

function bigFile(): Buffer {
  const b = Buffer.alloc(BIG);
  let x = 12345;
  for (let i = 0; i < b.length; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    b.writeInt32LE(x, i);
  }
  return b;
}

/** A TCP relay in front of the agent that cuts the first connection after `cutAfter` bytes. */
function flakyRelay(target: number, cutAfter: number): Promise<{ port: number; cuts: () => number; close: () => void }> {
  let cuts = 0;
  let first = true;
  const server = net.createServer((client) => {
    const cut = first;
    first = false;
    const up = net.connect(target, '127.0.0.1');
    let passed = 0;
    up.on('data', (d) => {
      passed += d.length;
      if (cut && passed > cutAfter) {
        cuts++;
        client.destroy();
        up.destroy();
        return;
      }
      client.write(d);
    });
    client.on('data', (d) => up.write(d));
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, cuts: () => cuts, close: () => server.close() })));
}

beforeAll(async () => {
  dir = tempDir('converter-hotclone');
  root = path.join(dir, 'source-root');
  for (const d of ['boot', 'etc/network', 'usr/bin', 'var/log', 'dev', 'home/alice']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.writeFileSync(path.join(root, 'boot', 'vmlinuz-6.1.0-28-686'), 'not really a kernel\n');
  fs.writeFileSync(path.join(root, 'boot', 'initrd.img-6.1.0-28-686'), 'not really an initramfs\n');
  fs.writeFileSync(path.join(root, 'etc', 'fstab'), '/dev/sda1 / ext4 errors=remount-ro 0 1\n/dev/sda5 none swap sw 0 0\nproc /proc proc defaults 0 0\n');
  fs.writeFileSync(path.join(root, 'etc', 'hostname'), 'web01\n');
  fs.writeFileSync(path.join(root, 'etc', 'network', 'interfaces'), 'auto eth0\niface eth0 inet dhcp\n');
  fs.writeFileSync(path.join(root, 'usr', 'bin', 'tool'), bigFile());
  fs.chmodSync(path.join(root, 'usr', 'bin', 'tool'), 0o4755);
  fs.writeFileSync(path.join(root, 'home', 'alice', 'notes.txt'), 'hello from alice\n');
  fs.chownSync(path.join(root, 'home', 'alice'), 1000, 1000);
  fs.chownSync(path.join(root, 'home', 'alice', 'notes.txt'), 1000, 1000);
  fs.chmodSync(path.join(root, 'home', 'alice'), 0o700);
  fs.symlinkSync('../usr/bin/tool', path.join(root, 'etc', 'tool-link'));
  fs.writeFileSync(path.join(root, 'var', 'log', 'empty.log'), '');
  execFileSync('mknod', [path.join(root, 'dev', 'ttyS0'), 'c', '4', '64']);
  execFileSync('mknod', [path.join(root, 'dev', 'sda'), 'b', '8', '0']);
  execFileSync('mkfifo', [path.join(root, 'dev', 'initctl')]);
  agent = await ConverterAgent.start({ root, token: TOKEN, host: '127.0.0.1', port: 0, onLog: (l) => agentLog.push(l) });
});
afterAll(async () => {
  await agent?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('hot clone through the agent', () => {
  let raw: string;
  let rootUuid: string;
  let reconnects = '';
  const bootOffset = 2048 * 512;
  let rootOffset = 0;

  beforeAll(async () => {
    // Cut the link in the middle of the 9 MiB file; the converter must resume, not restart.
    const relay = await flakyRelay(agent.port, 4 << 20);
    try {
      const r = await hotCloneToVm(`agent://127.0.0.1:${relay.port}`, { to: path.join(dir, 'web01'), token: TOKEN, kernelArgs: 'quiet loglevel=3' });
      expect(relay.cuts()).toBe(1);
      reconnects = r.notes.find((n) => n.startsWith('transfer:')) ?? '';
      rootUuid = /UUID ([0-9a-f-]{36})/.exec(r.notes.join('\n'))![1]!;
    } finally {
      relay.close();
    }
    expect(qemuInfo(path.join(dir, 'web01', 'web01.vmdk')).format).toBe('vmdk');
    raw = path.join(dir, 'web01.raw');
    toRaw(path.join(dir, 'web01', 'web01.vmdk'), raw);
    const table = JSON.parse(execFileSync('sfdisk', ['--json', raw], { encoding: 'utf8' })) as { partitiontable: { partitions: { start: number; type: string; bootable?: boolean }[] } };
    rootOffset = table.partitiontable.partitions[1]!.start * 512;
  });

  it('resumed after the dropped connection where it stopped, not from the start', () => {
    // The relay cuts once; on a loaded machine a reconnect attempt can fail too, so count ≥ 1.
    expect(reconnects).toMatch(/resumed after [1-9]\d* dropped connection/);
    const resumed = agentLog.map((l) => /resuming at usr\/bin\/tool \+(\d+)/.exec(l)).find(Boolean);
    expect(Number(resumed?.[1])).toBeGreaterThan(1 << 20);
    expect(Number(resumed?.[1])).toBeLessThan(BIG);
  });

  it('partitions the disk: an active FAT boot partition and a Linux root, with boot code in the MBR', () => {
    const t = JSON.parse(execFileSync('sfdisk', ['--json', raw], { encoding: 'utf8' })).partitiontable;
    expect(t.label).toBe('dos');
    expect(t.partitions.map((p: { type: string; bootable?: boolean }) => [p.type, Boolean(p.bootable)])).toEqual([['6', true], ['83', false]]);
    const mbr = Buffer.alloc(440);
    const fd = fs.openSync(raw, 'r');
    fs.readSync(fd, mbr, 0, 440, 0);
    fs.closeSync(fd);
    expect(mbr.equals(fs.readFileSync('/usr/lib/syslinux/mbr/mbr.bin').subarray(0, 440))).toBe(true);
  });

  it('holds the same files, with the same bytes (the big file crossed the drop intact)', () => {
    expect(listDir(raw, rootOffset, '/').sort()).toEqual(['boot', 'dev', 'etc', 'home', 'usr', 'var']);
    expect(listDir(raw, rootOffset, '/etc').sort()).toEqual(['fstab', 'hostname', 'network', 'tool-link']);
    expect(dumpFile(raw, rootOffset, '/usr/bin/tool', path.join(dir, 'tool.out')).equals(fs.readFileSync(path.join(root, 'usr', 'bin', 'tool')))).toBe(true);
    expect(dumpFile(raw, rootOffset, '/home/alice/notes.txt', path.join(dir, 'notes.out')).toString()).toBe('hello from alice\n');
    expect(debugfs(raw, rootOffset, 'stat /var/log/empty.log')).toMatch(/Size: 0\b/);
  });

  it('keeps owners, modes, symlinks, device nodes and FIFOs', () => {
    const tool = debugfs(raw, rootOffset, 'stat /usr/bin/tool');
    expect(tool).toMatch(/Mode:\s+04755/);
    const alice = debugfs(raw, rootOffset, 'stat /home/alice');
    expect(alice).toMatch(/Type: directory\s+Mode:\s+0700/);
    expect(alice).toMatch(/User:\s+1000\s+Group:\s+1000/);
    expect(debugfs(raw, rootOffset, 'stat /etc/tool-link')).toMatch(/Fast link dest: "\.\.\/usr\/bin\/tool"/);
    expect(debugfs(raw, rootOffset, 'stat /dev/ttyS0')).toMatch(/Type: character special[\s\S]*Device major\/minor number: 04:64/);
    expect(debugfs(raw, rootOffset, 'stat /dev/sda')).toMatch(/Type: block special[\s\S]*Device major\/minor number: 08:00/);
    expect(debugfs(raw, rootOffset, 'stat /dev/initctl')).toMatch(/Type: FIFO/);
    // The file system is consistent after the metadata pass.
    const part = path.join(dir, 'root.part');
    execFileSync('dd', [`if=${raw}`, `of=${part}`, 'bs=1M', `skip=${rootOffset}`, 'iflag=skip_bytes', 'status=none']);
    execFileSync('e2fsck', ['-fn', part], { stdio: 'ignore' });
  });

  it('finds root by UUID: fstab, the boot loader configuration and the file system agree', () => {
    const blkid = execFileSync('blkid', ['-p', '-O', String(rootOffset), '-o', 'export', raw], { encoding: 'utf8' });
    expect(blkid).toContain(`UUID=${rootUuid}`);
    expect(blkid).toContain('TYPE=ext4');
    const fstab = dumpFile(raw, rootOffset, '/etc/fstab', path.join(dir, 'fstab.out')).toString();
    expect(fstab).toMatch(new RegExp(`^UUID=${rootUuid}\\s+/\\s+ext4`, 'm'));
    expect(fstab).toMatch(/^# vmdesk convert: not cloned: \/dev\/sda5/m);
    const cfg = execFileSync('mtype', ['-i', `${raw}@@${bootOffset}`, '::/syslinux.cfg'], { encoding: 'utf8' });
    expect(cfg).toMatch(/KERNEL \/vmlinuz/);
    expect(cfg).toMatch(/INITRD \/initrd\.img/);
    expect(cfg).toContain(`APPEND root=UUID=${rootUuid} ro rootwait console=tty0 console=ttyS0,115200n8 quiet loglevel=3\n`);
    const boot = execFileSync('mdir', ['-a', '-b', '-i', `${raw}@@${bootOffset}`, '::/'], { encoding: 'utf8' });
    expect(boot).toMatch(/LDLINUX\.SYS|ldlinux\.sys/i);
    expect(execFileSync('mtype', ['-i', `${raw}@@${bootOffset}`, '::/vmlinuz'], { encoding: 'utf8' })).toBe('not really a kernel\n');
    expect(debugfs(raw, rootOffset, 'cat /boot/extlinux/extlinux.conf')).toContain(`root=UUID=${rootUuid} ro rootwait console=tty0 console=ttyS0,115200n8 quiet loglevel=3\n`);
  });
});

describe('agent authentication', () => {
  it('a wrong token is refused with a clear error, and nothing is left behind', async () => {
    const to = path.join(dir, 'denied01');
    await expect(hotCloneToVm(`agent://127.0.0.1:${agent.port}`, { to, token: 'not-the-token' })).rejects.toThrow(/authentication failed \(wrong token\)/);
    expect(leftovers(dir, 'denied01')).toEqual([]);
  });

  it('kernel arguments of more than one line are refused before connecting, and nothing is left behind', async () => {
    const to = path.join(dir, 'args01');
    await expect(hotCloneToVm(`agent://127.0.0.1:${agent.port}`, { to, token: TOKEN, kernelArgs: 'quiet\nINITRD /evil' })).rejects.toThrow(/^convert: --kernel-args must be one line$/);
    expect(leftovers(dir, 'args01')).toEqual([]);
  });

  it('something that is not an agent is reported as such', async () => {
    const server = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await expect(hotCloneToVm(`agent://127.0.0.1:${port}`, { to: path.join(dir, 'notagent01'), token: TOKEN })).rejects.toThrow(/agent:\/\/127\.0\.0\.1:\d+: /);
    } finally {
      server.close();
    }
    expect(leftovers(dir, 'notagent01')).toEqual([]);
  });
});

describe('hot clone onto a host (converter.convert with an agent:// source)', () => {
  it('clones onto the datastore as a task and registers the VM', async () => {
    const ds = path.join(dir, 'ds1');
    fs.mkdirSync(ds);
    const host = new HostAgent({ version: 'test', datastores: [{ name: 'ds1', path: ds }], statsIntervalMs: 60_000 });
    try {
      const r = await dispatch(createHandlers(host), 'converter.convert', { source: `agent://127.0.0.1:${agent.port}`, token: TOKEN, datastore: 'ds1', name: 'clone01', memoryMB: 128 }, newCallContext());
      expect(r).toMatchObject({ ok: true, data: { name: 'clone01', vmxPath: '[ds1] clone01/clone01.vmx', hardware: { memoryMB: 128, disks: [{ fileName: 'clone01.vmdk' }] } } });
      expect(host.tasks.list().find((t) => t.name === 'Convert virtual machine')).toMatchObject({ state: 'success', progress: 100 });
      const denied = await dispatch(createHandlers(host), 'converter.convert', { source: `agent://127.0.0.1:${agent.port}`, token: 'wrong-token', datastore: 'ds1', name: 'clone02' }, newCallContext());
      expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden', message: 'converter-agent: authentication failed (wrong token)' } });
      expect(leftovers(ds, 'clone02')).toEqual([]);
    } finally {
      host.dispose();
    }
  });
});
