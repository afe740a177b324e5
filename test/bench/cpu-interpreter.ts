// Interpreter speed in instructions per second on a few mixes (figures only, no
// thresholds): an integer loop, a REP MOVSD string copy, a byte-copy loop, a
// paging-heavy mix (paging on, strided accesses over 4 MiB, CR3 reloads), the FPU mix,
// and the first instructions of the Debian kernel's boot (its decompressor) on the full PC.
// Run: npx tsx test/bench/cpu-interpreter.ts [--root CHECKOUT] [--json]
//   --root: take core/ from another checkout (test/bench/cpu-vs-previous.ts uses this);
//   --json: print one JSON object { workload: M instructions/s } instead of the table.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MmioBus as MmioBusT, PortBus as PortBusT } from '../../core/bus';
import type { Cpu as CpuT } from '../../core/cpu';
import type { GuestMemory as GuestMemoryT } from '../../core/memory';
import type { MachineSpec } from '../../core/vmm';
import type { PcMachine as PcMachineT } from '../../core/vmm/machine/pc-machine';
import { BYTE_COPY_LOOP, INTEGER_LOOP } from './cpu-mixes';

const argv = process.argv.slice(2);
const rootArg = argv.indexOf('--root');
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = rootArg >= 0 ? path.resolve(argv[rootArg + 1] ?? '.') : here;
const json = argv.includes('--json');
const load = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(path.join(root, rel)).href)) as T;
const { MmioBus, PortBus } = await load<{ MmioBus: typeof MmioBusT; PortBus: typeof PortBusT }>('core/bus/index.ts');
const { Cpu } = await load<{ Cpu: typeof CpuT }>('core/cpu/index.ts');
const { GuestMemory } = await load<{ GuestMemory: typeof GuestMemoryT }>('core/memory/index.ts');
const figures: Record<string, number> = {};
const report = (name: string, mips: number, extra = ''): void => {
  figures[name] = Number(mips.toFixed(2));
  if (!json) console.log(`${name.padEnd(62)} ${mips.toFixed(1).padStart(7)} M instructions/s${extra}`);
};

function assemble(src: string): Uint8Array {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmdesk-cpu-bench-'));
  writeFileSync(path.join(dir, 'b.asm'), src);
  const r = spawnSync('nasm', ['-f', 'bin', '-o', path.join(dir, 'b.bin'), path.join(dir, 'b.asm')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: nasm failed: ${r.stderr}`);
  const bin = new Uint8Array(readFileSync(path.join(dir, 'b.bin')));
  rmSync(dir, { recursive: true, force: true });
  return bin;
}

const MIXES: Record<string, string> = {
  'integer loop': INTEGER_LOOP,
  'string copy (rep movsd 4 KiB)': `
  top:
    mov esi, 0x200000
    mov edi, 0x300000
    mov ecx, 1024
    rep movsd
    inc ebp
    jmp top`,
  'byte copy loop': BYTE_COPY_LOOP,
  'paging-heavy (4 MiB stride, CR3 reload every 4096 accesses)': `
    ; page directory at 0x100000 maps 0-64 MiB with 4 KiB pages (tables at 0x101000)
    mov edi, 0x101000
    mov eax, 7
    mov ecx, 16384
  fillpt: mov [edi], eax
    add eax, 0x1000
    add edi, 4
    loop fillpt
    mov edi, 0x100000
    mov eax, 0x101007
    mov ecx, 16
  fillpd: mov [edi], eax
    add eax, 0x1000
    add edi, 4
    loop fillpd
    mov eax, 0x100000
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
  top:
    mov esi, 0x400000
    mov ecx, 4096
  l: mov eax, [esi]
    add eax, ecx
    mov [esi+8], eax
    add esi, 0x1010
    and esi, 0x3ffffff
    dec ecx
    jnz l
    mov eax, cr3
    mov cr3, eax
    jmp top`,
};

/** Dwords REP MOVSD has moved so far: EBP counts whole 4 KiB rounds, ECX counts down in the current one. */
function moved(cpu: CpuT): number {
  const ecx = cpu.getRegister('ecx');
  return cpu.getRegister('ebp') * 1024 + (ecx === 0 ? 0 : 1024 - ecx);
}
// The FPU mix runs once the x87 unit (core/cpu/fpu/index.ts, exporting X87) is present.
type X87Ctor = new (host: import('../../core/cpu').FpuHost) => import('../../core/cpu').X87Unit;
const fpuIndex = path.join(root, 'core', 'cpu', 'fpu', 'index.ts');
let X87: X87Ctor | undefined;
if (existsSync(fpuIndex)) {
  X87 = ((await import(pathToFileURL(fpuIndex).href)) as { X87?: X87Ctor }).X87;
  MIXES['FPU (fld/fmul/fadd/fsqrt/fstp, fcomi)'] = `
    fninit
  top:
    fld qword [0x200000]
    fmul qword [0x200008]
    fadd st0, st0
    fsqrt
    fld1
    fcomip st0, st1
    fstp qword [0x200010]
    jmp top`;
} else if (!json) console.log('(FPU mix skipped: core/cpu/fpu/index.ts is not in this checkout)');

const BUDGET = Number(process.env.BENCH_INSTRUCTIONS ?? 30_000_000);
// BENCH_ONLY=substring runs only the workloads whose name contains it.
const only = process.env.BENCH_ONLY;
const wanted = (name: string): boolean => only === undefined || name.includes(only);
for (const [name, body] of Object.entries(MIXES)) {
  if (!wanted(name)) continue;
  const code = assemble(`BITS 32\nORG 0x10000\n${body}\n`);
  const memory = GuestMemory.allocate(128 << 20);
  memory.write(0x10000, code);
  memory.view.setFloat64(0x200000, 1.5, true);
  memory.view.setFloat64(0x200008, 2.25, true);
  const fpuFactory = X87 ? (host: import('../../core/cpu').FpuHost) => new X87!(host) : undefined;
  const cpu = new Cpu({ memory, ports: new PortBus(), mmio: new MmioBus(), fpu: fpuFactory });
  cpu.enterFlatProtectedMode({ eip: 0x10000, esp: 0x90000 });
  cpu.run(2_000_000); // warm up the JIT
  // Best of three runs, in CPU time of this process (the machine is shared; wall clock is noisier).
  let best = 0;
  let bestMiB = 0;
  for (let round = 0; round < 3; round++) {
    const before = cpu.instructionCount;
    const movedBefore = moved(cpu);
    const t0 = process.cpuUsage();
    const reason = cpu.run(BUDGET / 3);
    const used = process.cpuUsage(t0);
    const secs = (used.user + used.system) / 1e6;
    if (reason !== 'budget') throw new Error(`bench: ${name} stopped with ${reason} at eip ${cpu.getRegister('eip').toString(16)}`);
    best = Math.max(best, (cpu.instructionCount - before) / secs);
    bestMiB = Math.max(bestMiB, ((moved(cpu) - movedBefore) * 4) / secs / 2 ** 20);
  }
  report(name, best / 1e6, name.startsWith('string') ? `  (${bestMiB.toFixed(0)} MiB/s copied)` : '');
}

// The Linux boot on the whole PC (devices, timers, APIC): Debian's kernel is entered through
// the boot protocol and its decompressor runs for the first several hundred M instructions.
const KERNEL_WARMUP = 20_000_000;
const KERNEL_ROUND = Number(process.env.BENCH_KERNEL_INSTRUCTIONS ?? 40_000_000);
const guest = path.join(here, '.cache', 'guest');
const KERNEL_NAME = 'Linux kernel decompressor (full PC, first ~140 M instructions)';
if (!wanted(KERNEL_NAME)) { /* not asked for */ } else if (existsSync(path.join(guest, 'vmlinuz')) && existsSync(path.join(root, 'core', 'vmm', 'machine', 'pc-machine.ts'))) {
  const { PcMachine } = await load<{ PcMachine: typeof PcMachineT }>('core/vmm/machine/pc-machine.ts');
  const spec: MachineSpec = {
    memoryMB: 256,
    kernel: { name: 'vmlinuz', data: new Uint8Array(readFileSync(path.join(guest, 'vmlinuz'))) },
    initrd: { name: 'initrd.img', data: new Uint8Array(readFileSync(path.join(guest, 'initrd.img'))) },
    cmdline: 'console=ttyS0 cryptomgr.notests',
    debugExit: false,
    noReboot: true,
    apic: true,
  };
  const machine = new PcMachine(spec, GuestMemory.allocate(spec.memoryMB << 20));
  machine.boot();
  const runTo = (target: number): void => {
    while (machine.cpu.instructionCount < target) {
      const reason = machine.runSlice(Math.min(100_000, target - machine.cpu.instructionCount));
      if (reason !== 'budget' && reason !== 'halt') throw new Error(`bench: the kernel stopped with ${reason}`);
    }
  };
  runTo(KERNEL_WARMUP);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const before = machine.cpu.instructionCount;
    const t0 = process.cpuUsage();
    runTo(before + KERNEL_ROUND);
    const used = process.cpuUsage(t0);
    best = Math.max(best, (machine.cpu.instructionCount - before) / ((used.user + used.system) / 1e6));
  }
  report(KERNEL_NAME, best / 1e6);
} else if (!json) console.log('(kernel workload skipped: no .cache/guest/vmlinuz; run npm run setup:guest)');
if (json) console.log(JSON.stringify(figures));
