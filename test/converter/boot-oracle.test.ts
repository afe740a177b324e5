// The converted disks boot on a standard PC. Until vmdesk's own firmware + IDE path boots
// disks (then `vmdesk run NAME.vmx` replaces the oracle here, see core/converter/README.md),
// Debian's qemu-system-i386 plays the PC: SeaBIOS → the MBR code → syslinux on the active
// partition → the guest's kernel with root=UUID → its initramfs, up to the shell prompt.
// A hot clone of a tree holding the project's Debian i386 guest kernel and busybox
// initramfs is made into a raw disk and a qcow2; both convert to VMs that boot.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUEST_PROMPT } from '../../core/vmm/initramfs';
import { ConverterAgent, convertToVm, hotCloneToVm } from '../../core/converter';
import { guestImages } from '../vmm/guest-images';
import { qemuCompare, tempDir } from './helpers';

const BOOT_TIMEOUT_MS = 240_000;
let dir: string;
let uuid: string;
let raw: string;
let qcow: string;

/** Boots `vmdk` on qemu's PC until the guest's shell prompt; returns the serial output. */
function bootToPrompt(vmdk: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const q = spawn('qemu-system-i386', ['-m', '256', '-snapshot', '-drive', `file=${vmdk},format=vmdk,if=ide`, '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      q.kill('SIGKILL');
      reject(new Error(`${path.basename(vmdk)}: no shell prompt within ${BOOT_TIMEOUT_MS / 1000} s; serial output ends: ${out.slice(-400)}`));
    }, BOOT_TIMEOUT_MS);
    q.stdout.on('data', (d) => {
      out += d;
      if (out.includes(GUEST_PROMPT)) {
        clearTimeout(timer);
        q.kill('SIGKILL');
        resolve(out);
      }
    });
    q.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`qemu-system-i386 (Debian package qemu-system-x86) cannot start: ${err.message}`));
    });
    q.on('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes(GUEST_PROMPT)) reject(new Error(`${path.basename(vmdk)}: qemu exited (${code}) before the prompt: ${out.slice(-400)}`));
    });
  });
}

beforeAll(async () => {
  dir = tempDir('converter-boot');
  const images = guestImages();
  const root = path.join(dir, 'machine');
  fs.mkdirSync(path.join(root, 'boot'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc'));
  fs.copyFileSync(images.kernel, path.join(root, 'boot', 'vmlinuz-6.1.0-vmdesk'));
  fs.copyFileSync(images.initrd, path.join(root, 'boot', 'initrd.img-6.1.0-vmdesk'));
  fs.writeFileSync(path.join(root, 'etc', 'fstab'), '/dev/sda1 / ext4 defaults 0 1\n');
  const agent = await ConverterAgent.start({ root, token: 'boot-test-token', host: '127.0.0.1', port: 0, onLog: () => {} });
  try {
    const r = await hotCloneToVm(`agent://127.0.0.1:${agent.port}`, { to: path.join(dir, 'clone'), token: 'boot-test-token' });
    uuid = /UUID ([0-9a-f-]{36})/.exec(r.notes.join('\n'))![1]!;
  } finally {
    await agent.close();
  }
  raw = path.join(dir, 'bootable.raw');
  qcow = path.join(dir, 'bootable.qcow2');
  execFileSync('qemu-img', ['convert', '-O', 'raw', path.join(dir, 'clone', 'clone.vmdk'), raw]);
  execFileSync('qemu-img', ['convert', '-O', 'qcow2', raw, qcow]);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('converted disks boot on a PC (qemu as the oracle)', () => {
  for (const source of ['raw', 'qcow2'] as const) {
    it(`${source}: identical to the source and boots to the shell, root by UUID`, async () => {
      const to = path.join(dir, `from-${source}`);
      await convertToVm(source === 'raw' ? raw : qcow, { to });
      const vmdk = path.join(to, `from-${source}.vmdk`);
      expect(qemuCompare(source === 'raw' ? raw : qcow, source, vmdk, 'vmdk')).toMatchObject({ status: 0 });
      const serial = await bootToPrompt(vmdk);
      expect(serial).toMatch(new RegExp(`Kernel command line: .*BOOT_IMAGE=/vmlinuz root=UUID=${uuid} ro`));
      expect(serial).toContain('vmdesk-guest: ready');
    }, BOOT_TIMEOUT_MS + 60_000);
  }
});
