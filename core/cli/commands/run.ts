// `vmdesk run`: one VM in the foreground, QEMU-style (DESIGN.md's contract). COM1 is the
// console. It boots a kernel directly, or disks and a CD through SeaBIOS, or a .vmx. Exit 0 when the guest powers off (or resets, with --no-reboot), the guest's code
// from the debug-exit port, and one clear line with a non-zero code for a triple fault,
// a timeout or a kernel that cannot be loaded.
import fs from 'node:fs';
import { UsageError, VmdeskError, errorMessage } from '../../common';
import type { LeaseLock } from '../../storage';
import { startRfbTcpServer, type RunningRfbServer } from '../../server';
import { VmThread, type VmExitReason } from '../../vmm';
import { defineCommand } from '../command';
import { openSerialConsole, parseSerialTarget } from '../serial-console';
import { buildSpec, inputsFromVmx, lockDisks, type BootInputs } from './run-machine';
import { describeVcpu } from './run-status';

export const EXIT_TIMEOUT = 124;
const MEMORY_MB = { min: 4, max: 3584, default: 128 };
/** How long the worker gets to answer a SIGTERM's stop before vmdesk run says it did not. */
const STOP_ANSWER_MS = 2000;

export function exitCodeOf(reason: VmExitReason): { code: number; message?: string } {
  switch (reason.kind) {
    case 'poweroff':
    case 'reset':
    case 'stopped':
      return { code: 0 };
    case 'debug-exit':
      return { code: reason.code };
    case 'triple-fault':
      return { code: 1, message: `run: ${reason.detail}` };
    case 'error':
      return { code: 1, message: reason.message.startsWith('run:') ? reason.message : `run: ${reason.message}` };
  }
}

export const runCommand = defineCommand({
  name: ['run'],
  summary: 'run one VM in the foreground with its serial console on this terminal',
  usage: '[PATH.vmx] [--kernel F [--initrd F] [--append S]] [--disk F]... [--cdrom F.iso] [--boot c|d] [--bios F] [--memory MB] [--serial stdio|tcp:PORT|file:F] [--vnc PORT] [--debug-exit] [--no-reboot] [--timeout S]',
  options: {
    disk: { kind: 'strings', value: 'F', description: 'IDE hard disk image (VMDK or raw, detected); the first is the boot disk' },
    cdrom: { kind: 'string', value: 'F', description: 'ISO image in the IDE CD-ROM (read-only)' },
    boot: { kind: 'string', value: 'c|d', description: 'boot from the disk (c, the default with a disk) or the CD-ROM (d)' },
    bios: { kind: 'string', value: 'F', description: "BIOS image (default: Debian's SeaBIOS in /usr/share/seabios)" },
    'firmware-log': { kind: 'string', value: 'F', description: "write the BIOS's debug console (port 0x402) to this file" },
    kernel: { kind: 'string', value: 'F', description: 'boot this kernel directly (Linux bzImage or Multiboot)' },
    initrd: { kind: 'string', value: 'F', description: 'initial ramdisk (Linux) or first module (Multiboot)' },
    append: { kind: 'string', value: 'S', description: 'kernel command line' },
    memory: { kind: 'number', value: 'MB', description: `guest RAM in MiB (default ${MEMORY_MB.default})` },
    serial: { kind: 'string', value: 'TARGET', description: 'COM1: stdio (default), tcp:PORT on loopback, or file:PATH' },
    vnc: { kind: 'number', value: 'PORT', description: 'serve the screen to VNC clients on 127.0.0.1:PORT (RFB 3.8; 0 picks a free port)' },
    'debug-exit': { kind: 'boolean', description: 'give the guest the debug-exit port 0x501 (exit code (v << 1) | 1)' },
    'no-reboot': { kind: 'boolean', description: 'end when the guest resets instead of rebooting it' },
    timeout: { kind: 'number', value: 'S', description: `stop after S seconds with exit code ${EXIT_TIMEOUT}` },
  },
  async run({ options, positionals }, io) {
    if (positionals.length > 1) throw new UsageError(`run: unexpected argument "${positionals[1]}"`);
    const vmx = positionals[0];
    if (vmx !== undefined && !vmx.endsWith('.vmx')) throw new UsageError(`run: unexpected argument "${vmx}" (give a PATH.vmx or flags)`);
    const flagged: BootInputs = {
      kernel: options.kernel,
      initrd: options.initrd,
      append: options.append,
      disks: options.disk,
      cdrom: options.cdrom,
      boot: options.boot,
      bios: options.bios,
    };
    let inputs = flagged;
    if (vmx !== undefined) {
      if (options.kernel || options.disk.length > 0 || options.cdrom) throw new UsageError('run: a .vmx names its own kernel and disks; drop --kernel/--disk/--cdrom');
      const fromVmx = inputsFromVmx(vmx);
      inputs = { ...fromVmx, boot: options.boot ?? fromVmx.boot, bios: options.bios };
    }
    const memoryMB = options.memory ?? inputs.memoryMB ?? MEMORY_MB.default;
    if (!Number.isInteger(memoryMB) || memoryMB < MEMORY_MB.min || memoryMB > MEMORY_MB.max) {
      throw new UsageError(`run: --memory ${memoryMB} must be a whole number of MiB from ${MEMORY_MB.min} to ${MEMORY_MB.max}`);
    }
    if (options.timeout !== undefined && !(options.timeout > 0)) throw new UsageError('run: --timeout must be a positive number of seconds');
    const serial = parseSerialTarget(options.serial ?? 'stdio', 'run');
    if (options.vnc !== undefined && !(Number.isInteger(options.vnc) && options.vnc >= 0 && options.vnc <= 65535)) {
      throw new UsageError(`run: --vnc ${options.vnc} is not a TCP port (0 to 65535)`);
    }
    const spec = buildSpec(inputs, { memoryMB, debugExit: options['debug-exit'], noReboot: options['no-reboot'] });
    let firmwareLog: number | undefined;
    if (options['firmware-log']) {
      try {
        firmwareLog = fs.openSync(options['firmware-log'], 'w');
      } catch (err) {
        throw new VmdeskError('usage', `run: cannot write --firmware-log ${options['firmware-log']}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
      }
    }
    const locks: LeaseLock[] = await lockDisks((spec.disks ?? []).filter((d) => !d.readOnly).map((d) => d.path));

    const vm = new VmThread(spec, options.vnc !== undefined ? { screen: { name: 'vmdesk run' } } : {});
    let vnc: RunningRfbServer | undefined;
    if (options.vnc !== undefined) {
      // The graphical console: RFB on loopback (no password there), like QEMU's -vnc.
      try {
        vnc = await startRfbTcpServer({ display: vm.display!, port: options.vnc, host: '127.0.0.1' });
      } catch (err) {
        vm.dispose();
        throw err;
      }
      io.stderr.write(`run: VNC console on 127.0.0.1:${vnc.port}\n`);
    }
    let quitByUser = false;
    const console = await openSerialConsole(serial, io, (bytes) => vm.sendSerial(0, bytes), () => {
      quitByUser = true;
      vm.send({ type: 'stop' });
    });
    const sub = vm.onSerialOutput(({ port, bytes }) => {
      if (port === 0) console.output(bytes);
    });
    const logSub = vm.onEvent((e) => {
      if (e.type === 'firmware-log' && firmwareLog !== undefined) fs.writeSync(firmwareLog, e.bytes);
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (options.timeout !== undefined) timer = setTimeout(() => resolve('timeout'), options.timeout * 1000);
    });
    // Someone stopping a guest that did not end by itself wants to know where it was: said
    // after the stop, from the worker's final report, or at once if the worker does not answer.
    let signalled = false;
    let unanswered: NodeJS.Timeout | undefined;
    const onSignal = (): void => {
      signalled = true;
      unanswered = setTimeout(() => io.stderr.write(`run: SIGTERM: the VM's worker has not stopped within ${STOP_ANSWER_MS / 1000} s; ${describeVcpu(vm.stats, vm.silentMs)}\n`), STOP_ANSWER_MS);
      vm.send({ type: 'stop' });
    };
    process.once('SIGTERM', onSignal);
    vm.send({ type: 'start' });
    try {
      const outcome = await Promise.race([vm.exited, timedOut]);
      if (outcome === 'timeout') {
        io.stderr.write(`run: the guest was still running after ${options.timeout} s (--timeout); stopped it; ${describeVcpu(vm.stats, vm.silentMs)}\n`);
        return EXIT_TIMEOUT;
      }
      if (signalled && outcome.kind === 'stopped') io.stderr.write(`run: stopped by SIGTERM; ${describeVcpu(vm.stats, vm.silentMs)}\n`);
      if (quitByUser) return 0;
      const { code, message } = exitCodeOf(outcome);
      if (message) io.stderr.write(message + '\n');
      return code;
    } finally {
      clearTimeout(timer);
      clearTimeout(unanswered);
      process.off('SIGTERM', onSignal);
      sub.dispose();
      logSub.dispose();
      console.dispose();
      await vnc?.close();
      vm.dispose();
      if (firmwareLog !== undefined) fs.closeSync(firmwareLog);
      for (const l of locks) l.dispose();
    }
  },
});
