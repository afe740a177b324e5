// The Linux boot test, shared by the per-configuration files (boot-linux-*.test.ts): boot
// Debian's kernel and busybox initramfs once in a real `vmdesk run` process, then run every
// check over the same serial shell, and end with `poweroff -f` (vmdesk run must exit 0).
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SerialSession, type VmdeskRunProcess, startVmdeskRun } from '../support/serial-session';
import { guestImages } from './guest-images';

/** A boot takes ~2 min of one idle core; CI runs it beside other tests. */
const BOOT_TIMEOUT_MS = 45 * 60_000;
const COMMAND_TIMEOUT_MS = 5 * 60_000;

export interface LinuxBootConfig {
  /** Kernel command line beyond console=ttyS0. */
  readonly append: string;
  /** The /proc/interrupts row whose count is the periodic tick in this configuration. */
  readonly timerRow: RegExp;
  /** CPU flags /proc/cpuinfo must list in this configuration. */
  readonly flags: readonly string[];
}

/** Sum of the per-CPU counts of the first /proc/interrupts row matching `row`. */
function interruptCount(table: string, row: RegExp): number {
  const line = table.split('\n').find((l) => row.test(l));
  if (!line) throw new Error(`no row ${row} in /proc/interrupts:\n${table}`);
  const counts = line.replace(/^\s*\S+:/, '').trim().split(/\s+/);
  return Number(counts[0]);
}

export function describeLinuxBoot(name: string, config: LinuxBootConfig): void {
  describe(name, () => {
    const images = guestImages();
    const { manifest } = images;
    let vm: VmdeskRunProcess;
    let shell: SerialSession;

    beforeAll(async () => {
      vm = startVmdeskRun(
        ['--kernel', images.kernel, '--initrd', images.initrd, '--append', `console=ttyS0 cryptomgr.notests ${config.append}`.trim(), '--memory', '256', '--timeout', String(BOOT_TIMEOUT_MS / 1000 + 600)],
        manifest.prompt,
        // VMDESK_BOOT_LOG_DIR=/tmp/x: the console of each boot goes to /tmp/x/<name>.log as it arrives
        process.env.VMDESK_BOOT_LOG_DIR ? path.join(process.env.VMDESK_BOOT_LOG_DIR, `${name.replace(/\W+/g, '-')}.log`) : undefined,
      );
      shell = vm.session;
      await shell.waitFor(manifest.readyLine, BOOT_TIMEOUT_MS, `the ready line ${JSON.stringify(manifest.readyLine)}`);
      await shell.waitForPrompt(COMMAND_TIMEOUT_MS);
    }, BOOT_TIMEOUT_MS + COMMAND_TIMEOUT_MS);

    afterAll(() => vm?.kill());

    it('runs the Debian kernel named in the manifest', async () => {
      const out = await shell.run('uname -a', COMMAND_TIMEOUT_MS);
      expect(out).toMatch(new RegExp(`^Linux vmdesk ${manifest.kernelVersion.replace(/\./g, '\\.')} .* i686 GNU/Linux\\n$`));
    }, COMMAND_TIMEOUT_MS);

    it('shows our CPU in /proc/cpuinfo', async () => {
      const out = await shell.run('cat /proc/cpuinfo', COMMAND_TIMEOUT_MS);
      const field = (key: string): string | undefined => new RegExp(`^${key}\\s*: (.*)$`, 'm').exec(out)?.[1];
      expect(field('vendor_id')).toBe('GenuineIntel');
      expect(field('cpu family')).toBe('6');
      expect(field('model')).toBe('5');
      expect(field('fpu')).toBe('yes');
      const flags = (field('flags') ?? '').split(' ');
      for (const flag of config.flags) expect(flags, `flag ${flag}`).toContain(flag);
      // Features the CPU does not implement must not be claimed.
      for (const absent of ['pae', 'sse', 'sse2', 'mmx', 'lm']) expect(flags, `flag ${absent}`).not.toContain(absent);
    }, COMMAND_TIMEOUT_MS);

    it('counts timer interrupts in /proc/interrupts', async () => {
      const first = interruptCount(await shell.run('cat /proc/interrupts', COMMAND_TIMEOUT_MS), config.timerRow);
      await shell.run('sleep 1', COMMAND_TIMEOUT_MS);
      const second = interruptCount(await shell.run('cat /proc/interrupts', COMMAND_TIMEOUT_MS), config.timerRow);
      expect(first).toBeGreaterThan(0);
      expect(second).toBeGreaterThan(first);
    }, 3 * COMMAND_TIMEOUT_MS);

    it('does arithmetic in the shell', async () => {
      const out = await shell.run('echo $((12345*6789%1009)) $((-17/5)) $((0x7fffffff/3)) $((7<<20|5))', COMMAND_TIMEOUT_MS);
      expect(out).toBe(`${(12345 * 6789) % 1009} -3 ${Math.floor(0x7fffffff / 3)} ${(7 << 20) | 5}\n`);
    }, COMMAND_TIMEOUT_MS);

    it('hashes the initramfs random file as the host did', async () => {
      const out = await shell.run(`md5sum ${manifest.randomFile.path}`, COMMAND_TIMEOUT_MS);
      expect(out).toBe(`${manifest.randomFile.md5}  ${manifest.randomFile.path}\n`);
    }, COMMAND_TIMEOUT_MS);

    it('hashes /dev/urandom bytes as the host hashes the same bytes', async () => {
      await shell.run('dd if=/dev/urandom of=/tmp/u bs=1024 count=4 2>/dev/null', COMMAND_TIMEOUT_MS);
      const sum = await shell.run('md5sum /tmp/u', COMMAND_TIMEOUT_MS);
      const dump = await shell.run('od -An -tx1 -v /tmp/u', COMMAND_TIMEOUT_MS);
      const bytes = Buffer.from(dump.replace(/\s+/g, ''), 'hex');
      expect(bytes.length).toBe(4096);
      expect(sum).toBe(`${createHash('md5').update(bytes).digest('hex')}  /tmp/u\n`);
    }, 3 * COMMAND_TIMEOUT_MS);

    it('keeps the guest clock within a minute of the host', async () => {
      const out = await shell.run('date +%s', COMMAND_TIMEOUT_MS);
      const host = Date.now() / 1000;
      expect(out).toMatch(/^\d+\n$/);
      expect(Math.abs(Number(out) - host)).toBeLessThan(60);
    }, COMMAND_TIMEOUT_MS);

    it('ends vmdesk run with exit 0 on poweroff -f', async () => {
      shell.send('poweroff -f');
      const timer = setTimeout(() => vm.kill(), COMMAND_TIMEOUT_MS);
      const code = await vm.exited;
      clearTimeout(timer);
      expect({ code, stderr: vm.stderr() }).toEqual({ code: 0, stderr: '' });
    }, COMMAND_TIMEOUT_MS + 10_000);
  });
}
