// Boot and workload seconds of Debian's i686 kernel with the busybox initramfs, in vmdesk
// (`vmdesk run`, a child process) and in v86 (npm `v86` 0.5.462, in this process) with its
// JIT on and with it off, one after the other in the same run. Prints figures and the ratios
// (v86 seconds / vmdesk seconds: above 1 means vmdesk is faster); no thresholds.
//
//   npx tsx test/bench/boot-vs-v86.ts [--boot-bound S] [--append "console=ttyS0 …"] [--only vmdesk|v86-jit|v86-nojit]…
//
// v86 is not a dependency of the repo: install it outside, e.g.
//   mkdir -p /tmp/v86bench && cd /tmp/v86bench && npm install v86@0.5.462
// and point V86_MODULE at build/libv86.mjs (default /tmp/v86bench/node_modules/v86/build/libv86.mjs).
// v86 boots through Debian's SeaBIOS (apt-get install seabios): /usr/share/seabios/bios.bin
// and vgabios-stdvga.bin.
//
// Figures: boot = spawn/construct to the first shell prompt; loop = `i=0; while [ $i -lt
// 200000 ]; do i=$((i+1)); done`; md5 = md5sum of an 8 MiB file in the guest's tmpfs. Each
// is host seconds from sending the command to the next prompt, and beside it the CPU seconds
// the engine used meanwhile (vmdesk: the `vmdesk run` process, all threads, from /proc; v86:
// this process) — the figure to compare when other work shares the machine. A vmdesk boot that does not
// reach the prompt within --boot-bound seconds prints the last console line and the
// instruction rate of vmdesk's VM worker instead.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { VmThread, type MachineSpec } from '../../core/vmm';
import { SerialSession, startVmdeskRun } from '../support/serial-session';
import { guestImages } from '../vmm/guest-images';

type Engine = 'vmdesk' | 'v86-jit' | 'v86-nojit';

interface Figures {
  boot: number;
  loop?: number;
  md5?: number;
  /** CPU seconds of the same spans. */
  cpu: { boot?: number; loop?: number; md5?: number };
  /** Set when the shell prompt never came. */
  stuck?: string;
}

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
const bootBoundS = Number(option('--boot-bound') ?? 1800);
const append = option('--append') ?? 'console=ttyS0';
const only = args.flatMap((a, i) => (args[i - 1] === '--only' ? [a as Engine] : []));
const engines: Engine[] = only.length > 0 ? only : ['vmdesk', 'v86-jit', 'v86-nojit'];
const MEMORY_MB = 256;
const WORKLOAD_TIMEOUT_MS = 60 * 60_000;

const images = guestImages();
const { prompt, readyLine } = images.manifest;
const LOOP = 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo $i';
const MAKE_8MIB = 'dd if=/dev/urandom of=/tmp/eight bs=1024 count=8192 2>/dev/null; echo made';
const MD5 = 'md5sum /tmp/eight';

const seconds = (fromMs: number): number => (performance.now() - fromMs) / 1000;
const CLOCK_TICKS = 100; // USER_HZ: /proc/PID/stat counts CPU time in 1/100 s on Linux

/** CPU seconds a process used so far: a child from /proc (utime + stime), or this process. */
function cpuSeconds(pid?: number): number {
  if (pid === undefined) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const lastLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop() ?? '(no console output)';

async function timed(shell: SerialSession, command: string, check: RegExp, pid: number | undefined): Promise<[number, number]> {
  const t0 = performance.now();
  const c0 = cpuSeconds(pid);
  const out = await shell.run(command, WORKLOAD_TIMEOUT_MS);
  const s = seconds(t0);
  const c = cpuSeconds(pid) - c0;
  if (!check.test(out)) throw new Error(`bench: unexpected output of ${JSON.stringify(command)}: ${JSON.stringify(out.slice(0, 200))}`);
  return [s, c];
}

async function workloads(shell: SerialSession, figures: Figures, pid: number | undefined): Promise<void> {
  [figures.loop, figures.cpu.loop] = await timed(shell, LOOP, /^200000\n$/, pid);
  await shell.run(MAKE_8MIB, WORKLOAD_TIMEOUT_MS);
  [figures.md5, figures.cpu.md5] = await timed(shell, MD5, /^[0-9a-f]{32}  \/tmp\/eight\n$/, pid);
}

/** Shell prompt after the ready line; the boot's seconds. */
async function boot(shell: SerialSession, t0: number, boundMs: number): Promise<number> {
  await shell.waitFor(readyLine, boundMs, 'the ready line');
  await shell.waitForPrompt(Math.max(60_000, boundMs - (performance.now() - t0)));
  return seconds(t0);
}

async function runVmdesk(): Promise<Figures> {
  const t0 = performance.now();
  const vm = startVmdeskRun(['--kernel', images.kernel, '--initrd', images.initrd, '--append', append, '--memory', String(MEMORY_MB)], prompt);
  const pid = vm.child.pid;
  try {
    let bootS: number;
    try {
      bootS = await boot(vm.session, t0, bootBoundS * 1000);
    } catch {
      const stuck = `no prompt within ${bootBoundS} s; last console line: ${lastLine(vm.session.output())}`;
      vm.kill();
      await vm.exited;
      return { boot: seconds(t0), cpu: {}, stuck: `${stuck}; ${await vmdeskInstructionRate()}` };
    }
    const figures: Figures = { boot: bootS, cpu: { boot: cpuSeconds(pid) } };
    await workloads(vm.session, figures, pid);
    vm.session.send('poweroff -f');
    await Promise.race([vm.exited, new Promise((r) => setTimeout(r, 120_000))]);
    return figures;
  } finally {
    vm.kill();
  }
}

/** The instruction rate of vmdesk's VM worker (the one `vmdesk run` starts) over 30 s of this boot. */
async function vmdeskInstructionRate(): Promise<string> {
  const read = (f: string): { name: string; data: Uint8Array } => ({ name: path.basename(f), data: new Uint8Array(fs.readFileSync(f)) });
  const spec: MachineSpec = { memoryMB: MEMORY_MB, kernel: read(images.kernel), initrd: read(images.initrd), cmdline: append, debugExit: false, noReboot: true, apic: true };
  const vm = new VmThread(spec);
  let last = { instructions: 0, hostBusyMs: 0 };
  const sub = vm.onEvent((e) => {
    if (e.type === 'stats') last = e;
  });
  const t0 = performance.now();
  vm.send({ type: 'start' });
  await Promise.race([vm.exited, new Promise((r) => setTimeout(r, 30_000))]);
  const wallS = seconds(t0);
  sub.dispose();
  vm.dispose();
  const mips = (n: number, s: number): string => (n / s / 1e6).toFixed(2);
  return `vmdesk's VM worker ran ${(last.instructions / 1e6).toFixed(1)} M instructions in ${wallS.toFixed(1)} s (${mips(last.instructions, wallS)} MIPS wall, ${mips(last.instructions, last.hostBusyMs / 1000)} MIPS while busy)`;
}

interface V86Emulator {
  add_listener(event: string, listener: (value: number) => void): void;
  serial0_send(data: string): void;
  get_instruction_counter(): number;
  destroy(): Promise<void>;
}

async function runV86(jit: boolean): Promise<Figures> {
  const modulePath = process.env.V86_MODULE ?? '/tmp/v86bench/node_modules/v86/build/libv86.mjs';
  if (!fs.existsSync(modulePath)) throw new Error(`bench: v86 not found at ${modulePath}; run \`npm install v86@0.5.462\` in /tmp/v86bench or set V86_MODULE`);
  const { V86 } = (await import(pathToFileURL(modulePath).href)) as { V86: new (options: object) => V86Emulator };
  const file = (f: string): { buffer: ArrayBuffer } => {
    const b = fs.readFileSync(f);
    return { buffer: b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer };
  };
  const t0 = performance.now();
  const c0 = cpuSeconds();
  const emulator = new V86({
    wasm_path: path.join(path.dirname(modulePath), 'v86.wasm'),
    memory_size: MEMORY_MB * 2 ** 20,
    vga_memory_size: 8 * 2 ** 20,
    bios: file('/usr/share/seabios/bios.bin'),
    vga_bios: file('/usr/share/seabios/vgabios-stdvga.bin'),
    bzimage: file(images.kernel),
    initrd: file(images.initrd),
    cmdline: append,
    autostart: true,
    disable_keyboard: true,
    disable_mouse: true,
    disable_speaker: true,
    disable_jit: !jit,
  });
  const shell = new SerialSession((text) => emulator.serial0_send(text), prompt);
  emulator.add_listener('serial0-output-byte', (byte) => shell.push(String.fromCharCode(byte)));
  try {
    let bootS: number;
    try {
      bootS = await boot(shell, t0, bootBoundS * 1000);
    } catch {
      return { boot: seconds(t0), cpu: {}, stuck: `no prompt within ${bootBoundS} s; last console line: ${lastLine(shell.output())}` };
    }
    const figures: Figures = { boot: bootS, cpu: { boot: cpuSeconds() - c0 } };
    await workloads(shell, figures, undefined);
    return figures;
  } finally {
    await emulator.destroy();
  }
}

const fmt = (s: number | undefined): string => (s === undefined ? '—' : `${s.toFixed(1)} s`);
const fmtPair = (wall: number | undefined, cpu: number | undefined): string => (wall === undefined ? '—' : `${fmt(wall)} (${fmt(cpu)} CPU)`);
const ratio = (v86: number | undefined, ours: number | undefined): string => (v86 === undefined || ours === undefined ? '—' : `${(v86 / ours).toFixed(2)}x`);

async function main(): Promise<void> {
  console.log(`boot-vs-v86: kernel ${images.manifest.kernelVersion}, ${MEMORY_MB} MiB, append "${append}", boot bound ${bootBoundS} s`);
  const results = new Map<Engine, Figures>();
  for (const engine of engines) {
    console.log(`${engine}: booting…`);
    const figures = engine === 'vmdesk' ? await runVmdesk() : await runV86(engine === 'v86-jit');
    results.set(engine, figures);
    if (figures.stuck) console.log(`${engine}: ${figures.stuck}`);
    console.log(`${engine}: boot ${fmtPair(figures.boot, figures.cpu.boot)}, 200k-step shell loop ${fmtPair(figures.loop, figures.cpu.loop)}, md5sum 8 MiB ${fmtPair(figures.md5, figures.cpu.md5)}`);
  }
  const ours = results.get('vmdesk');
  console.log('\nengine      boot (CPU)             loop (CPU)             md5sum 8 MiB (CPU)');
  for (const [engine, f] of results) {
    console.log(`${engine.padEnd(11)} ${fmtPair(f.stuck ? undefined : f.boot, f.cpu.boot).padEnd(22)} ${fmtPair(f.loop, f.cpu.loop).padEnd(22)} ${fmtPair(f.md5, f.cpu.md5)}`);
  }
  if (ours && !ours.stuck) {
    for (const engine of ['v86-jit', 'v86-nojit'] as const) {
      const v = results.get(engine);
      if (!v || v.stuck) continue;
      console.log(`${engine} / vmdesk, wall: boot ${ratio(v.boot, ours.boot)}, loop ${ratio(v.loop, ours.loop)}, md5sum ${ratio(v.md5, ours.md5)}`);
      console.log(`${engine} / vmdesk, CPU:  boot ${ratio(v.cpu.boot, ours.cpu.boot)}, loop ${ratio(v.cpu.loop, ours.cpu.loop)}, md5sum ${ratio(v.cpu.md5, ours.cpu.md5)}`);
    }
  } else if (ours) {
    console.log('ratios: none (vmdesk did not reach the shell prompt)');
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
