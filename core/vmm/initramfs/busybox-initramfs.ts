// The layout of vmdesk's busybox initramfs: busybox-static, an /init that installs the applet
// links, mounts proc/sys/dev and runs a shell on ttyS0 with a fixed prompt, and any extra
// files a caller adds (the md5 test's random bytes). Returns the gzip'd newc archive.
import { gzipSync } from 'node:zlib';
import { type CpioEntry, writeCpioNewc } from './cpio-newc';

/** What the shell prints before each command; boot tests wait for it. */
export const GUEST_PROMPT = 'vmdesk# ';
/** The line /init prints just before it starts the shell. */
export const GUEST_READY_LINE = 'vmdesk-guest: ready';

export interface BusyboxInitramfsInput {
  /** The static i386 busybox binary. */
  readonly busybox: Uint8Array;
  /** Extra regular files, by absolute guest path. Their parent directories are created. */
  readonly files?: ReadonlyArray<{ readonly path: string; readonly data: Uint8Array; readonly mode?: number }>;
}

/** The /init script, a busybox ash script. */
export function busyboxInitScript(): string {
  return `#!/bin/busybox sh
# vmdesk guest init (written by core/vmm/initramfs): applets, pseudo file systems, a shell on ttyS0.
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev || mdev -s
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
hostname vmdesk
tty=/dev/ttyS0
[ -c $tty ] || tty=/dev/console
export PS1='${GUEST_PROMPT}'
echo '${GUEST_READY_LINE}'
while true; do
  setsid sh -c "exec sh -i <$tty >$tty 2>&1"
  echo 'vmdesk-guest: shell exited, starting another'
done
`;
}

const DIRS = ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp', 'root', 'etc', 'mnt', 'var'];

export function busyboxInitramfsEntries(input: BusyboxInitramfsInput): CpioEntry[] {
  const entries: CpioEntry[] = DIRS.map((path) => ({ type: 'dir', path, mode: path === 'tmp' ? 0o1777 : path === 'root' ? 0o700 : 0o755 }));
  // The kernel opens /dev/console for init's stdio before any devtmpfs is mounted
  // (init/main.c console_on_rootfs), so the node must be in the archive itself.
  entries.push({ type: 'chardev', path: 'dev/console', major: 5, minor: 1, mode: 0o600 });
  entries.push({ type: 'file', path: 'bin/busybox', data: input.busybox, mode: 0o755 });
  entries.push({ type: 'symlink', path: 'bin/sh', target: 'busybox' });
  entries.push({ type: 'file', path: 'init', data: new TextEncoder().encode(busyboxInitScript()), mode: 0o755 });
  entries.push({ type: 'file', path: 'etc/hostname', data: new TextEncoder().encode('vmdesk\n') });
  const have = new Set(entries.map((e) => e.path));
  for (const f of input.files ?? []) {
    const parts = f.path.replace(/^\/+/, '').split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!have.has(dir)) {
        have.add(dir);
        entries.push({ type: 'dir', path: dir });
      }
    }
    entries.push({ type: 'file', path: parts.join('/'), data: f.data, mode: f.mode ?? 0o644 });
  }
  return entries;
}

/** The gzip'd initramfs image (what `--initrd` takes). */
export function buildBusyboxInitramfs(input: BusyboxInitramfsInput): Uint8Array {
  return gzipSync(writeCpioNewc(busyboxInitramfsEntries(input)), { level: 9 });
}
