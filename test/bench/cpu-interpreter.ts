// Interpreter speed in instructions per second on a few mixes (figures only, no
// thresholds): an integer loop, a REP MOVSD string copy, a byte-copy loop, and a
// paging-heavy mix (paging on, strided accesses over 4 MiB, CR3 reloads). The FPU mix
// joins once the x87 unit is wired in. Run: npx tsx test/bench/cpu-interpreter.ts
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MmioBus, PortBus } from '../../core/bus';
import { Cpu } from '../../core/cpu';
import { GuestMemory } from '../../core/memory';

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
  'integer loop': `
    mov esi, 0x200000
  top:
    add eax, ebx
    xor ecx, eax
    inc edx
    mov [esi], eax
    mov ebx, [esi+4]
    lea edi, [ebx+ecx*2+3]
    shl edi, 3
    cmp edx, 1000
    jne top
    xor edx, edx
    jmp top`,
  'string copy (rep movsd 4 KiB)': `
  top:
    mov esi, 0x200000
    mov edi, 0x300000
    mov ecx, 1024
    rep movsd
    inc ebp
    jmp top`,
  'byte copy loop': `
  top:
    mov esi, 0x200000
    mov edi, 0x300000
    mov ecx, 4096
  l: mov al, [esi]
    mov [edi], al
    inc esi
    inc edi
    dec ecx
    jnz l
    jmp top`,
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
function moved(cpu: Cpu): number {
  const ecx = cpu.getRegister('ecx');
  return cpu.getRegister('ebp') * 1024 + (ecx === 0 ? 0 : 1024 - ecx);
}
// The FPU mix runs once the x87 unit (core/cpu/fpu/index.ts, exporting X87) is present.
type X87Ctor = new (host: import('../../core/cpu').FpuHost) => import('../../core/cpu').X87Unit;
const fpuIndex = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'cpu', 'fpu', 'index.ts');
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
} else console.log('(FPU mix skipped: core/cpu/fpu/index.ts is not in this checkout)');

const BUDGET = Number(process.env.BENCH_INSTRUCTIONS ?? 30_000_000);
for (const [name, body] of Object.entries(MIXES)) {
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
  const extra = name.startsWith('string') ? `  (${bestMiB.toFixed(0)} MiB/s copied)` : '';
  console.log(`${name.padEnd(62)} ${(best / 1e6).toFixed(1).padStart(7)} M instructions/s${extra}`);
}
