// Host machine instructions per guest instruction of the interpreter, this checkout against
// another git revision (default `main`), counted by valgrind (cachegrind, no cache model) on a
// single-threaded V8 (`node --single-threaded`: compiles on the main thread, so the count
// repeats to ~0.1 %). Each mix runs twice, for N and 3N guest instructions; the difference
// over 2N is the steady-state cost, free of start-up and JIT warm-up. Unlike the timed
// benchmarks (cpu-vs-previous.ts, ±30 % on a shared host) this tells a 3 % change apart.
// Prints both figures and the ratio (this / previous); no thresholds.
//
//   npx tsx test/bench/cpu-instructions-vs-previous.ts [--ref REV] [--n GUEST_INSTRUCTIONS]
//
// Needs valgrind (apt-get install valgrind) and nasm. About a minute per mix and revision.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BYTE_COPY_LOOP, CALL_AND_RETURN, INTEGER_LOOP } from './cpu-mixes';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ref = option('--ref') ?? 'main';
const n = Number(option('--n') ?? 5_000_000);
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const MIXES: Record<string, string> = {
  'integer loop': INTEGER_LOOP,
  'byte copy loop': BYTE_COPY_LOOP,
  'call and return': CALL_AND_RETURN,
};

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, argv, { cwd: here, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`bench: ${cmd} could not start (${r.error.message}); install it (apt-get install ${cmd})`);
  if (r.status !== 0) throw new Error(`bench: ${cmd} ${argv.slice(0, 3).join(' ')}… failed: ${r.stderr.trim().slice(-400)}`);
  return r.stdout + r.stderr;
}

const work = mkdtempSync(path.join(tmpdir(), 'vmdesk-cpu-instr-'));
const prevDir = path.join(work, 'prev');
run('git', ['worktree', 'add', '--detach', prevDir, ref]);
const cleanup = (): void => {
  spawnSync('git', ['worktree', 'remove', '--force', prevDir], { cwd: here });
  rmSync(work, { recursive: true, force: true });
};

/** A driver bundled against `root`'s core: loads the mix at 0x10000 and runs GUEST_N instructions. */
async function driver(root: string, name: string): Promise<string> {
  const entry = path.join(work, `${name}.ts`);
  const core = (p: string): string => JSON.stringify(path.join(root, 'core', p));
  writeFileSync(entry, `
    import { readFileSync } from 'node:fs';
    import { MmioBus, PortBus } from ${core('bus/index.ts')};
    import { Cpu } from ${core('cpu/index.ts')};
    import { GuestMemory } from ${core('memory/index.ts')};
    const memory = GuestMemory.allocate(64 << 20);
    memory.write(0x10000, new Uint8Array(readFileSync(process.env.GUEST_BIN)));
    const cpu = new Cpu({ memory, ports: new PortBus(), mmio: new MmioBus() });
    cpu.enterFlatProtectedMode({ eip: 0x10000, esp: 0x90000 });
    const why = cpu.run(Number(process.env.GUEST_N));
    if (why !== 'budget') throw new Error('the mix stopped: ' + why);
  `);
  const out = path.join(work, `${name}.mjs`);
  await build({ entryPoints: [entry], outfile: out, bundle: true, platform: 'node', format: 'esm', logLevel: 'warning' });
  return out;
}

/** Machine instructions valgrind counts for the whole process. */
function machineInstructions(bundle: string, bin: string, guestN: number): number {
  const out = run('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--smc-check=all-non-file', '--cachegrind-out-file=/dev/null',
    process.execPath, '--single-threaded', bundle], { ...process.env, GUEST_BIN: bin, GUEST_N: String(guestN) });
  const m = /I\s+refs:\s+([\d,]+)/.exec(out);
  if (!m) throw new Error(`bench: no instruction count in valgrind's output: ${out.slice(-300)}`);
  return Number(m[1]!.replace(/,/g, ''));
}

try {
  const drivers = { mine: await driver(here, 'mine'), prev: await driver(prevDir, 'prev') };
  const head = run('git', ['rev-parse', '--short', 'HEAD']).trim();
  const dirty = run('git', ['status', '--porcelain', '--', 'core']).trim() !== '' ? '+changes' : '';
  console.log(`cpu-instructions-vs-previous: host instructions per guest instruction, ${n} vs ${3 * n} guest instructions`);
  console.log(`${'mix'.padEnd(18)} ${`this (${head}${dirty})`.padStart(22)} ${ref.padStart(12)}  this/previous`);
  for (const [name, body] of Object.entries(MIXES)) {
    const asm = path.join(work, 'mix.asm');
    const bin = path.join(work, 'mix.bin');
    writeFileSync(asm, `BITS 32\nORG 0x10000\n${body}\n`);
    run('nasm', ['-f', 'bin', '-o', bin, asm]);
    const perGuest = (bundle: string): number => (machineInstructions(bundle, bin, 3 * n) - machineInstructions(bundle, bin, n)) / (2 * n);
    const mine = perGuest(drivers.mine);
    const prev = perGuest(drivers.prev);
    console.log(`${name.padEnd(18)} ${mine.toFixed(1).padStart(22)} ${prev.toFixed(1).padStart(12)}  ${(mine / prev).toFixed(2)}x`);
  }
} finally {
  cleanup();
}
