// The initrd the guest-image script builds: what the kernel will unpack and run.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUEST_PROMPT } from '../../../core/vmm/initramfs';
import { type GuestManifest, ensureGuestImages } from '../../../build/guest/fetch';
import { GUEST_FETCH_TIMEOUT, guestImages, readGuestInitrd } from '../guest-images';

const work = mkdtempSync(join(tmpdir(), 'vmdesk-initrd-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('guest initrd.img', () => {
  const root = join(work, 'root');
  let manifest: GuestManifest;
  let cpioBytes: Buffer;
  beforeAll(() => {
    manifest = guestImages().manifest;
    cpioBytes = gunzipSync(readGuestInitrd());
    mkdirSync(root);
    execFileSync('cpio', ['-idm', '--quiet'], { input: cpioBytes, cwd: root });
  }, GUEST_FETCH_TIMEOUT);

  it('holds busybox, /init, /dev/console and the random file, per cpio -t', () => {
    const listed = execFileSync('cpio', ['-t', '--quiet'], { input: cpioBytes, encoding: 'utf8' }).trim().split('\n');
    expect(listed).toEqual(expect.arrayContaining(['init', 'bin/busybox', 'bin/sh', 'dev/console', 'proc', 'sys', 'root/random.bin']));
    expect(statSync(join(root, 'dev/console')).isCharacterDevice()).toBe(true);
    expect(statSync(join(root, 'init')).mode & 0o111).toBe(0o111);
  });

  it('carries the random bytes whose md5 the manifest records', () => {
    const data = readFileSync(join(root, manifest.randomFile.path));
    expect(data.length).toBe(manifest.randomFile.size);
    expect(createHash('md5').update(data).digest('hex')).toBe(manifest.randomFile.md5);
  });

  it('has an /init that busybox ash accepts, mounting proc/sys/dev and prompting on ttyS0', () => {
    const init = readFileSync(join(root, 'init'), 'utf8');
    expect(init.startsWith('#!/bin/busybox sh\n')).toBe(true);
    for (const line of ['busybox --install -s', 'mount -t proc proc /proc', 'mount -t sysfs sysfs /sys', 'mount -t devtmpfs devtmpfs /dev', 'tty=/dev/ttyS0', `PS1='${GUEST_PROMPT}'`]) {
      expect(init).toContain(line);
    }
    expect(manifest.prompt).toBe(GUEST_PROMPT);
    // The host runs i386 static binaries, so the guest's own busybox can syntax-check /init.
    execFileSync(join(root, 'bin/busybox'), ['sh', '-n', join(root, 'init')]);
  });

  it('is not fetched or rebuilt again when the cache is complete', () => {
    const before = [statSync(guestImages().kernel).mtimeMs, statSync(guestImages().initrd).mtimeMs];
    const lines: string[] = [];
    const again = ensureGuestImages(guestImages().dir, (l) => lines.push(l));
    expect(lines).toEqual([`guest: up to date in ${guestImages().dir} (kernel ${manifest.kernelVersion})`]);
    expect([statSync(again.kernel).mtimeMs, statSync(again.initrd).mtimeMs]).toEqual(before);
  });

  it('is a static i386 busybox and a bzImage kernel of the version the manifest names', () => {
    const bb = readFileSync(join(root, 'bin/busybox'));
    expect([...bb.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(bb[4]).toBe(1); // ELFCLASS32
    expect(bb.readUInt16LE(18)).toBe(3); // EM_386
    expect(manifest.kernelVersion).toMatch(/^\d+\.\d+\.\d+-\d+-686(-pae)?$/);
    expect(manifest.kernelPackage).toMatch(/^linux-image-.*-686-unsigned$/);
  });
});
