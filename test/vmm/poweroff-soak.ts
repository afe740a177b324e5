// Soak script (not a test) for the `poweroff -f` path of the Linux boot tests: boots Debian's
// kernel in a real `vmdesk run` RUNS times, one boot at a time, drives a scenario on the shell,
// types `poweroff -f`, waits for its echo and then for the exit, and prints one line per run
// (exit code, seconds to echo and to exit, guest seconds from the `cat /proc/uptime` just
// before to the kernel's S5 message, whether it printed "reboot: Power down").
// Every boot's console goes to LOG_DIR/run-N.log. `--starve RUN/STOP` SIGSTOPs and SIGCONTs
// the whole `vmdesk run` process in that duty cycle (ms) from the first prompt on, a load that
// costs the machine nothing; `--burn N` runs N busy processes beside it instead.
//
//   npx tsx test/vmm/poweroff-soak.ts [--runs 3] [--config apic|pic] [--scenario checks|busy|flood|quick]
//                                     [--starve 50/150] [--burn 1] [--log-dir /tmp/soak]
//                                     [--append 'initcall_debug'] [--pre 'cmd;;cmd']
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type SerialSession, startVmdeskRun } from '../support/serial-session';
import { guestImages } from './guest-images';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    config: { type: 'string', default: 'apic' },
    scenario: { type: 'string', default: 'checks' },
    starve: { type: 'string' },
    burn: { type: 'string', default: '0' },
    'log-dir': { type: 'string', default: '/tmp/poweroff-soak' },
    'exit-timeout': { type: 'string', default: '300' },
    /** More kernel command line (e.g. initcall_debug: device_shutdown then names each device). */
    append: { type: 'string', default: '' },
    /** Shell commands (separated by ';;') run first, their output printed. */
    pre: { type: 'string', default: '' },
  },
});

const BOOT_MS = 60 * 60_000;
const COMMAND_MS = 10 * 60_000;
const EXIT_MS = Number(values['exit-timeout']) * 1000;
const append = `${values.config === 'pic' ? 'noapic acpi=off' : ''} ${values.append}`.trim();
const logDir = values['log-dir']!;
if (!['checks', 'busy', 'flood', 'quick'].includes(values.scenario!)) throw new Error(`soak: --scenario ${values.scenario}: expected checks, busy, flood or quick`);
fs.mkdirSync(logDir, { recursive: true });

/** What runs on the shell before `poweroff -f` (the boot tests' checks, or a harsher variant). */
async function scenario(shell: SerialSession, name: string): Promise<void> {
  const random = guestImages().manifest.randomFile.path;
  for (const c of values.pre!.split(';;').filter((x) => x.trim())) {
    console.log(`$ ${c}\n${await shell.run(c, COMMAND_MS)}`);
  }
  if (name === 'quick') return;
  if (name === 'checks' || name === 'busy' || name === 'flood') {
    for (const c of ['uname -a', 'cat /proc/cpuinfo', 'cat /proc/interrupts', 'sleep 1', 'cat /proc/interrupts', 'echo $((12345*6789%1009))', `md5sum ${random}`, 'dd if=/dev/urandom of=/tmp/u bs=1024 count=4 2>/dev/null', 'md5sum /tmp/u', 'od -An -tx1 -v /tmp/u', 'date +%s']) {
      await shell.run(c, COMMAND_MS);
    }
  }
  if (name === 'busy') {
    // Type-ahead: poweroff arrives while the guest is busy hashing 1 MiB.
    shell.send(`md5sum ${random}`);
  }
  if (name === 'flood') {
    // More than the 16-byte RX FIFO holds, typed at once (a no-op command line of 302 bytes).
    shell.send(`: ${'x'.repeat(300)}`);
    await shell.waitForPrompt(COMMAND_MS);
  }
}

function starve(child: ChildProcess, spec: string): () => void {
  const [run, stop] = spec.split('/').map(Number) as [number, number];
  let alive = true;
  const cycle = (): void => {
    if (!alive) return;
    child.kill('SIGSTOP');
    setTimeout(() => {
      if (!alive) return;
      child.kill('SIGCONT');
      setTimeout(cycle, run);
    }, stop);
  };
  setTimeout(cycle, run);
  return () => {
    alive = false;
    child.kill('SIGCONT');
  };
}

function burners(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
}

async function oneRun(i: number): Promise<string> {
  const images = guestImages();
  const log = path.join(logDir, `run-${i}.log`);
  const vm = startVmdeskRun(
    ['--kernel', images.kernel, '--initrd', images.initrd, '--append', `console=ttyS0 cryptomgr.notests ${append}`.trim(), '--memory', '256'],
    images.manifest.prompt,
    log,
  );
  const shell = vm.session;
  const t0 = performance.now();
  await shell.waitFor(images.manifest.readyLine, BOOT_MS, 'the ready line');
  await shell.waitForPrompt(COMMAND_MS);
  const bootS = (performance.now() - t0) / 1000;
  const stopStarving = values.starve ? starve(vm.child, values.starve) : () => {};
  const burn = burners(Number(values.burn));
  try {
    await scenario(shell, values.scenario!);
    // Guest uptime just before, to time the kernel's way from the command to its S5 message.
    const uptime = values.scenario === 'busy' ? NaN : Number((await shell.run('cat /proc/uptime', COMMAND_MS)).split(' ')[0]);
    const typed = performance.now();
    shell.send('poweroff -f');
    let echoS = NaN;
    const echo = shell.waitFor('poweroff -f\n', EXIT_MS, 'the echo').then(
      () => (echoS = (performance.now() - typed) / 1000),
      () => undefined,
    );
    const timer = setTimeout(() => vm.kill(), EXIT_MS);
    const code = await vm.exited;
    clearTimeout(timer);
    await echo;
    const exitS = (performance.now() - typed) / 1000;
    const out = shell.output();
    const powerDown = out.includes('reboot: Power down');
    const s5 = /\[\s*([\d.]+)\] ACPI: PM: Preparing to enter system sleep state S5/.exec(out);
    const kernelS = s5 ? (Number(s5[1]) - uptime).toFixed(2) : 'n/a';
    const ok = code === 0 && vm.stderr() === '';
    return `run ${i}: ${ok ? 'ok' : 'FAIL'} code=${code} boot=${bootS.toFixed(0)}s echo=${echoS.toFixed(2)}s exit=${exitS.toFixed(2)}s uptime→S5=${kernelS}s powerDown=${powerDown} stderr=${JSON.stringify(vm.stderr().trim())} log=${log}`;
  } finally {
    stopStarving();
    for (const b of burn) b.kill();
    vm.kill();
  }
}

for (let i = 1; i <= Number(values.runs); i++) {
  try {
    console.log(await oneRun(i));
  } catch (err) {
    console.log(`run ${i}: ERROR ${(err as Error).message.split('\n')[0]}`);
  }
}
