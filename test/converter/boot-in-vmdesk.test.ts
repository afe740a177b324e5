// Converted VMs boot in vmdesk: `vmdesk run NAME/NAME.vmx` (SeaBIOS → syslinux's MBR code →
// syslinux on the active FAT partition → the guest's kernel with root=UUID → its initramfs →
// the busybox shell on COM1), a command answers, and `poweroff -f` ends vmdesk run with 0.
// The source machine is a tree holding the project's Debian i386 kernel and busybox
// initramfs, hot-cloned through `converter-agent` over loopback; its disk, made into a raw
// image and a qcow2 with qemu-img, is converted again. Three VMs, one boot each, one after
// the other (three guests side by side on a loaded 2-core machine starve each other).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConverterAgent, type ConvertResult, convertToVm, hotCloneToVm } from '../../core/converter';
import { type VmdeskRunProcess, startVmdeskRun } from '../support/serial-session';
import { GUEST_FETCH_TIMEOUT, guestImages } from '../vmm/guest-images';
import { qemuCompare, tempDir } from './helpers';

/** A boot is ~2 min of one core on an idle machine, 7-15 min on a loaded one. */
const BOOT_TIMEOUT_MS = 25 * 60_000;
const COMMAND_TIMEOUT_MS = 3 * 60_000;
const TOKEN = 'boot-test-token';
// The crypto self-tests take minutes under our interpreter; the boot loader passes this on.
const KERNEL_ARGS = 'cryptomgr.notests';

let dir: string;
let uuid: string;
let clone: ConvertResult;
let raw: string;
let qcow: string;
const running = new Set<VmdeskRunProcess>();

beforeAll(async () => {
  dir = tempDir('converter-boot');
  const images = guestImages();
  const root = path.join(dir, 'machine');
  fs.mkdirSync(path.join(root, 'boot'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc'));
  fs.copyFileSync(images.kernel, path.join(root, 'boot', `vmlinuz-${images.manifest.kernelVersion}`));
  fs.copyFileSync(images.initrd, path.join(root, 'boot', `initrd.img-${images.manifest.kernelVersion}`));
  fs.writeFileSync(path.join(root, 'etc', 'fstab'), '/dev/sda1 / ext4 defaults 0 1\n');
  const agent = await ConverterAgent.start({ root, token: TOKEN, host: '127.0.0.1', port: 0, onLog: () => {} });
  try {
    clone = await hotCloneToVm(`agent://127.0.0.1:${agent.port}`, { to: path.join(dir, 'clone'), token: TOKEN, kernelArgs: KERNEL_ARGS });
  } finally {
    await agent.close();
  }
  uuid = /UUID ([0-9a-f-]{36})/.exec(clone.notes.join('\n'))![1]!;
  raw = path.join(dir, 'bootable.raw');
  qcow = path.join(dir, 'bootable.qcow2');
  execFileSync('qemu-img', ['convert', '-O', 'raw', path.join(dir, 'clone', 'clone.vmdk'), raw]);
  execFileSync('qemu-img', ['convert', '-O', 'qcow2', raw, qcow]);
}, GUEST_FETCH_TIMEOUT);

afterAll(() => {
  for (const vm of running) vm.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Boots `vmx` in `vmdesk run`, checks the guest over COM1, powers it off; returns the console. */
async function bootAndCheck(vmx: string): Promise<string> {
  const { manifest } = guestImages();
  const vm = startVmdeskRun(
    [vmx, '--timeout', String(BOOT_TIMEOUT_MS / 1000 + 300)],
    manifest.prompt,
    // VMDESK_BOOT_LOG_DIR=/tmp/x: each VM's console goes to /tmp/x/NAME.log as it arrives
    process.env.VMDESK_BOOT_LOG_DIR ? path.join(process.env.VMDESK_BOOT_LOG_DIR, `${path.basename(vmx, '.vmx')}.log`) : undefined,
  );
  running.add(vm);
  try {
    const shell = vm.session;
    await shell.waitFor(manifest.readyLine, BOOT_TIMEOUT_MS, `the ready line ${JSON.stringify(manifest.readyLine)}`);
    await shell.waitForPrompt(COMMAND_TIMEOUT_MS);
    // The kernel was started by the converted disk's boot loader, with its configuration.
    expect(await shell.run('cat /proc/cmdline', COMMAND_TIMEOUT_MS)).toBe(`BOOT_IMAGE=/vmlinuz root=UUID=${uuid} ro rootwait console=tty0 console=ttyS0,115200n8 ${KERNEL_ARGS} initrd=/initrd.img\n`);
    // The initramfs came off the disk intact (syslinux read it through the BIOS and our IDE disk).
    expect(await shell.run(`md5sum ${manifest.randomFile.path}`, COMMAND_TIMEOUT_MS)).toBe(`${manifest.randomFile.md5}  ${manifest.randomFile.path}\n`);
    expect(await shell.run('echo $((6*7)) $(uname -r)', COMMAND_TIMEOUT_MS)).toBe(`42 ${manifest.kernelVersion}\n`);
    shell.send('poweroff -f');
    const timer = setTimeout(() => vm.kill(), COMMAND_TIMEOUT_MS);
    const code = await vm.exited;
    clearTimeout(timer);
    expect({ code, stderr: vm.stderr() }).toEqual({ code: 0, stderr: '' });
    return shell.output();
  } finally {
    vm.kill();
    running.delete(vm);
  }
}

describe('converted VMs boot in vmdesk run', () => {
  it('the hot-cloned VM boots to the shell and powers off', async () => {
    const serial = await bootAndCheck(clone.vmxFile);
    expect(serial).toMatch(new RegExp(`Kernel command line: BOOT_IMAGE=/vmlinuz root=UUID=${uuid} ro`));
  }, BOOT_TIMEOUT_MS + 2 * COMMAND_TIMEOUT_MS);

  for (const source of ['raw', 'qcow2'] as const) {
    it(`the VM converted from the ${source} disk is identical to it, boots to the shell and powers off`, async () => {
      const to = path.join(dir, `from-${source}`);
      const r = await convertToVm(source === 'raw' ? raw : qcow, { to });
      expect(qemuCompare(source === 'raw' ? raw : qcow, source, path.join(to, `from-${source}.vmdk`), 'vmdk')).toMatchObject({ status: 0 });
      await bootAndCheck(r.vmxFile);
    }, BOOT_TIMEOUT_MS + 2 * COMMAND_TIMEOUT_MS);
  }
});
