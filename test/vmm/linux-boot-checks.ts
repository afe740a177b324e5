// The Linux boot test, shared by the per-configuration files (boot-linux-*.test.ts): boot
// Debian's kernel and busybox initramfs once in a real `vmdesk run` process, then run every
// check over the same serial shell, and end with `poweroff -f` (vmdesk run must exit 0).
// A failing check shows the last 4 KiB of the console and vmdesk run's stderr, and saves the
// whole console to a file it names; a check that timed out first stops the VM with SIGTERM,
// so stderr also says where the vCPU was (EIP, halted or not, IF).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SerialSession, SerialTimeoutError, type VmdeskRunProcess, startVmdeskRun, tail } from '../support/serial-session';
import { guestImages } from './guest-images';

/** A boot takes ~2 min of one idle core; CI runs it beside other tests. */
const BOOT_TIMEOUT_MS = 45 * 60_000;
const COMMAND_TIMEOUT_MS = 5 * 60_000;
/** How long vmdesk run gets to stop the VM after SIGTERM before it is killed. */
const STOP_GRACE_MS = 15_000;
/**
 * What Linux prints on its way down (kernel/reboot.c kernel_power_off / kernel_halt): after
 * device_shutdown, the ACPI S5 preparation; then, last before the S5 write or `cli; hlt`,
 * "Power down" or "System halted". Which of them came tells where a hung power-off stopped.
 */
const SHUTDOWN_MILESTONES = ['ACPI: PM: Preparing to enter system sleep state S5', 'reboot: Power down', 'reboot: System halted'];

export class PoweroffTimeoutError extends SerialTimeoutError {}

/** Resolves 'timeout' after `ms` unless `p` settles first. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

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

    /** Stop a stuck VM (SIGTERM first, so its stderr says where the vCPU was). */
    const stopStuckVm = async (): Promise<void> => {
      if (vm.running) await vm.stop(STOP_GRACE_MS);
    };

    /** What a failing check adds to its error: vmdesk run's stderr and the console's end, the whole console saved. */
    const diagnostics = (): string => {
      const text = shell.output();
      const file = path.join(os.tmpdir(), `vmdesk-${name.replace(/\W+/g, '-')}-${process.pid}.log`);
      let saved = `saved to ${file}`;
      try {
        fs.writeFileSync(file, text);
      } catch (err) {
        saved = `not saved: ${(err as Error).message}`;
      }
      return [
        `--- vmdesk run ${vm.running ? 'is still running' : 'has exited'}; its stderr: ---`,
        vm.stderr().trimEnd() || '(empty)',
        `--- serial console: last 4 KiB of ${text.length} bytes (whole console ${saved}) ---`,
        tail(text),
      ].join('\n');
    };

    /** Run `body`; if it fails, its error carries the console and stderr. */
    const withDiagnostics = async (body: () => Promise<void>): Promise<void> => {
      try {
        await body();
      } catch (err) {
        // A shell that stopped answering will not answer the next check either: stop the VM
        // now, which also gets its last vCPU state printed.
        if (err instanceof SerialTimeoutError) await stopStuckVm();
        if (err instanceof Error) {
          // The session's own timeouts already carry a console tail; replace it with the full report.
          err.message = `${err.message.split('; console so far:')[0]}\n${diagnostics()}`;
        }
        throw err;
      }
    };

    /** `it`, with the console and stderr in the error of a failing check. */
    const check = (title: string, body: () => Promise<void>, timeoutMs: number): void => {
      it(title, () => withDiagnostics(body), timeoutMs + STOP_GRACE_MS + 5_000);
    };

    beforeAll(async () => {
      vm = startVmdeskRun(
        ['--kernel', images.kernel, '--initrd', images.initrd, '--append', `console=ttyS0 cryptomgr.notests ${config.append}`.trim(), '--memory', '256', '--timeout', String(BOOT_TIMEOUT_MS / 1000 + 600)],
        manifest.prompt,
        // VMDESK_BOOT_LOG_DIR=/tmp/x: the console of each boot goes to /tmp/x/<name>.log as it arrives
        process.env.VMDESK_BOOT_LOG_DIR ? path.join(process.env.VMDESK_BOOT_LOG_DIR, `${name.replace(/\W+/g, '-')}.log`) : undefined,
      );
      shell = vm.session;
      await withDiagnostics(async () => {
        await shell.waitFor(manifest.readyLine, BOOT_TIMEOUT_MS, `the ready line ${JSON.stringify(manifest.readyLine)}`);
        await shell.waitForPrompt(COMMAND_TIMEOUT_MS);
        // The kernel's console messages would interleave with what commands print (seen: the
        // clocksource watchdog's warning inside md5sum's output); the power-off check turns them on again.
        await shell.run('dmesg -n 1', COMMAND_TIMEOUT_MS);
      });
    }, BOOT_TIMEOUT_MS + COMMAND_TIMEOUT_MS + STOP_GRACE_MS + 5_000);

    afterAll(() => vm?.kill());

    check('runs the Debian kernel named in the manifest', async () => {
      const out = await shell.run('uname -a', COMMAND_TIMEOUT_MS);
      expect(out).toMatch(new RegExp(`^Linux vmdesk ${manifest.kernelVersion.replace(/\./g, '\\.')} .* i686 GNU/Linux\\n$`));
    }, COMMAND_TIMEOUT_MS);

    check('shows our CPU in /proc/cpuinfo', async () => {
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

    check('counts timer interrupts in /proc/interrupts', async () => {
      const first = interruptCount(await shell.run('cat /proc/interrupts', COMMAND_TIMEOUT_MS), config.timerRow);
      await shell.run('sleep 1', COMMAND_TIMEOUT_MS);
      const second = interruptCount(await shell.run('cat /proc/interrupts', COMMAND_TIMEOUT_MS), config.timerRow);
      expect(first).toBeGreaterThan(0);
      expect(second).toBeGreaterThan(first);
    }, 3 * COMMAND_TIMEOUT_MS);

    check('finds the PS/2 keyboard, which then stays quiet', async () => {
      // A keyboard that atkbd failed to probe is rescanned for ever (IRQ 1 keeps counting),
      // and device_shutdown's wait for probes then races that storm at power-off.
      const devices = await shell.run('cat /proc/bus/input/devices', COMMAND_TIMEOUT_MS);
      expect(devices).toContain('N: Name="AT Translated Set 2 keyboard"');
      const irq1 = /^\s*1:.*i8042/;
      const first = interruptCount(await shell.run('cat /proc/interrupts', COMMAND_TIMEOUT_MS), irq1);
      await shell.run('sleep 1', COMMAND_TIMEOUT_MS);
      const second = interruptCount(await shell.run('cat /proc/interrupts', COMMAND_TIMEOUT_MS), irq1);
      expect(second).toBe(first);
    }, 3 * COMMAND_TIMEOUT_MS);

    check('does arithmetic in the shell', async () => {
      const out = await shell.run('echo $((12345*6789%1009)) $((-17/5)) $((0x7fffffff/3)) $((7<<20|5))', COMMAND_TIMEOUT_MS);
      expect(out).toBe(`${(12345 * 6789) % 1009} -3 ${Math.floor(0x7fffffff / 3)} ${(7 << 20) | 5}\n`);
    }, COMMAND_TIMEOUT_MS);

    check('hashes the initramfs random file as the host did', async () => {
      const out = await shell.run(`md5sum ${manifest.randomFile.path}`, COMMAND_TIMEOUT_MS);
      expect(out).toBe(`${manifest.randomFile.md5}  ${manifest.randomFile.path}\n`);
    }, COMMAND_TIMEOUT_MS);

    check('hashes /dev/urandom bytes as the host hashes the same bytes', async () => {
      await shell.run('dd if=/dev/urandom of=/tmp/u bs=1024 count=4 2>/dev/null', COMMAND_TIMEOUT_MS);
      const sum = await shell.run('md5sum /tmp/u', COMMAND_TIMEOUT_MS);
      const dump = await shell.run('od -An -tx1 -v /tmp/u', COMMAND_TIMEOUT_MS);
      const bytes = Buffer.from(dump.replace(/\s+/g, ''), 'hex');
      expect(bytes.length).toBe(4096);
      expect(sum).toBe(`${createHash('md5').update(bytes).digest('hex')}  /tmp/u\n`);
    }, 3 * COMMAND_TIMEOUT_MS);

    check('keeps the guest clock within a minute of the host', async () => {
      const out = await shell.run('date +%s', COMMAND_TIMEOUT_MS);
      const host = Date.now() / 1000;
      expect(out).toMatch(/^\d+\n$/);
      expect(Math.abs(Number(out) - host)).toBeLessThan(60);
    }, COMMAND_TIMEOUT_MS);

    check('ends vmdesk run with exit 0 on poweroff -f', async () => {
      await shell.run('dmesg -n 7', COMMAND_TIMEOUT_MS); // the shutdown milestones below are console messages
      const deadline = Date.now() + COMMAND_TIMEOUT_MS;
      shell.send('poweroff -f');
      // Two ways to hang: the guest never read the command (no echo), or it did and the kernel
      // or the host never finished powering off (echo, no exit).
      await shell.waitForEcho('poweroff -f', COMMAND_TIMEOUT_MS);
      const code = await within(vm.exited, deadline - Date.now());
      if (code === 'timeout') {
        const seen = SHUTDOWN_MILESTONES.filter((line) => shell.output().includes(line));
        const reached = seen.length > 0 ? `printed ${seen.map((l) => JSON.stringify(l)).join(', ')}` : `printed none of ${SHUTDOWN_MILESTONES.map((l) => JSON.stringify(l)).join(', ')}`;
        await stopStuckVm();
        throw new PoweroffTimeoutError(`poweroff: the shell echoed "poweroff -f" but vmdesk run had not exited ${COMMAND_TIMEOUT_MS / 1000} s after it was typed; the kernel ${reached}`);
      }
      expect({ code, stderr: vm.stderr() }).toEqual({ code: 0, stderr: '' });
    }, COMMAND_TIMEOUT_MS);
  });
}
