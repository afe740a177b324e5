// Making a cloned Linux tree boot on vmdesk's virtual hardware (an IDE disk, a 16550 serial
// port, VGA): the root file system is found by UUID (the old /dev/sdX or /dev/nvme… names
// mean nothing here), /etc/fstab says so, and the boot loader's configuration points at the
// tree's kernel and initramfs. What cannot be done from outside the guest is reported as a note:
// regenerating the initramfs (that runs the guest's own update-initramfs in the guest) and
// renaming network interfaces.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BootFiles {
  /** Host paths inside the received tree; undefined when the tree has no kernel. */
  readonly kernel?: string;
  readonly initrd?: string;
  readonly version?: string;
}

/** The newest /boot/vmlinuz-VERSION and its /boot/initrd.img-VERSION (Debian's names). */
export function findBootFiles(tree: string): BootFiles {
  const boot = path.join(tree, 'boot');
  const names = fs.existsSync(boot) ? fs.readdirSync(boot) : [];
  const kernels = names.filter((n) => /^(vmlinuz|vmlinux|bzImage)-/.test(n) && fs.statSync(path.join(boot, n)).isFile());
  kernels.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const k = kernels.pop();
  if (!k) return {};
  const version = k.slice(k.indexOf('-') + 1);
  const initrd = [`initrd.img-${version}`, `initramfs-${version}.img`, `initrd-${version}`].find((n) => names.includes(n));
  return { kernel: path.join(boot, k), ...(initrd ? { initrd: path.join(boot, initrd) } : {}), version };
}

/** The boot loader's kernel parameters; `extra` (the user's --kernel-args) goes last. */
export function kernelCommandLine(rootUuid: string, extra = ''): string {
  // console=ttyS0: vmdesk's serial console; tty0 keeps the VGA text console.
  return `root=UUID=${rootUuid} ro rootwait console=tty0 console=ttyS0,115200n8${extra.trim() ? ` ${extra.trim()}` : ''}`;
}

/** The syslinux/extlinux configuration (same syntax for both; syslinux.cfg on FAT). */
export function bootConfig(rootUuid: string, hasInitrd: boolean, extraArgs = ''): string {
  return [
    '# Written by vmdesk convert (hot clone).',
    'DEFAULT linux',
    'PROMPT 0',
    'TIMEOUT 30',
    'LABEL linux',
    '  KERNEL /vmlinuz',
    ...(hasInitrd ? ['  INITRD /initrd.img'] : []),
    `  APPEND ${kernelCommandLine(rootUuid, extraArgs)}`,
    '',
  ].join('\n');
}

/** Rewrites /etc/fstab: "/" by UUID; other disk-backed lines are commented out (their disks are not here). */
export function rewriteFstab(tree: string, rootUuid: string, notes: string[]): void {
  const p = path.join(tree, 'etc', 'fstab');
  const rootLine = `UUID=${rootUuid}\t/\text4\terrors=remount-ro\t0\t1`;
  if (!fs.existsSync(p)) {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, `# /etc/fstab written by vmdesk convert\n${rootLine}\n`);
    notes.push('/etc/fstab: none in the source; written with the root file system by UUID');
    return;
  }
  let sawRoot = false;
  const out = fs.readFileSync(p, 'utf8').split('\n').map((line) => {
    const f = line.trim().split(/\s+/);
    if (line.trim().startsWith('#') || f.length < 3) return line;
    if (f[1] === '/') {
      sawRoot = true;
      return rootLine;
    }
    const diskBacked = /^(\/dev\/|UUID=|PARTUUID=|LABEL=|PARTLABEL=)/.test(f[0]!) && !/^(tmpfs|proc|sysfs|devpts)$/.test(f[2]!);
    if (diskBacked) {
      notes.push(`/etc/fstab: "${f[1]}" (${f[0]}) was on a disk that was not cloned; commented out`);
      return `# vmdesk convert: not cloned: ${line}`;
    }
    return line;
  });
  if (!sawRoot) out.unshift(rootLine);
  fs.writeFileSync(p, out.join('\n'));
}

/** All changes to the tree before it becomes a file system; returns the boot files. */
export function reconfigureTree(tree: string, rootUuid: string, notes: string[], extraArgs = ''): BootFiles {
  rewriteFstab(tree, rootUuid, notes);
  const boot = findBootFiles(tree);
  if (!boot.kernel) notes.push('boot: no /boot/vmlinuz-* in the source; the VM has a boot loader but no kernel to start');
  else if (!boot.initrd) notes.push(`boot: no initramfs for ${boot.version}; the kernel must have its IDE (ata_piix/pata) and ext4 drivers built in`);
  else notes.push(`boot: kernel ${boot.version} with its own initramfs; if that initramfs lacks ata_piix and ext4 (a MODULES=dep build), run update-initramfs with MODULES=most in the guest before cloning`);
  // The same configuration inside the guest, for extlinux users and for a person reading it.
  const ext = path.join(tree, 'boot', 'extlinux');
  fs.mkdirSync(ext, { recursive: true });
  fs.writeFileSync(path.join(ext, 'extlinux.conf'), bootConfig(rootUuid, Boolean(boot.initrd), extraArgs));
  notes.push('network: interfaces may get new names (an e1000 is eth0/ens33); check /etc/network/interfaces');
  return boot;
}
