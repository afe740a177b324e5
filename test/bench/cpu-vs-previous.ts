// A/B of the interpreter: this checkout's core/ against another git revision's (default
// `main`), on the same workloads (test/bench/cpu-interpreter.ts: the asm mixes and the
// Debian kernel's decompressor). The other revision is checked out as a detached git
// worktree in a temp folder; the runs alternate A, B, A, B… and each workload keeps its best
// figure. Prints both figures and the ratio (this / previous); no thresholds.
//
//   npx tsx test/bench/cpu-vs-previous.ts [--ref REV] [--rounds N] [--boot]
//
// --boot also bundles both checkouts (build/bundle.mjs) and boots the kernel to the shell
// prompt with each `vmdesk run` (both at once, so a shared machine's load falls on both
// alike), printing the CPU seconds the whole process used up to the prompt.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ref = option('--ref') ?? 'main';
const rounds = Number(option('--rounds') ?? 2);
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bench = path.join(here, 'test', 'bench', 'cpu-interpreter.ts');

function git(...a: string[]): string {
  const r = spawnSync('git', a, { cwd: here, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: git ${a.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

const prevDir = mkdtempSync(path.join(tmpdir(), 'vmdesk-cpu-prev-'));
git('worktree', 'add', '--detach', prevDir, ref);
const cleanup = (): void => {
  spawnSync('git', ['worktree', 'remove', '--force', prevDir], { cwd: here });
  rmSync(prevDir, { recursive: true, force: true });
};

function runFigures(root: string): Record<string, number> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', bench, '--root', root, '--json'], { cwd: here, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench: cpu-interpreter.ts --root ${root} failed: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
}

/** CPU seconds of `node ROOT/dist-electron/vmdesk.cjs run …` until the shell prompt appears. */
function bootCpuSeconds(root: string, prompt: string): Promise<number> {
  const guest = path.join(here, '.cache', 'guest');
  const child = spawn(process.execPath, [
    path.join(root, 'dist-electron', 'vmdesk.cjs'), 'run', '--kernel', path.join(guest, 'vmlinuz'), '--initrd',
    path.join(guest, 'initrd.img'), '--append', 'console=ttyS0 cryptomgr.notests', '--memory', '256', '--serial', 'stdio',
  ], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (!text.includes(prompt)) return;
      // /proc/PID/stat fields 14 and 15: utime and stime of every thread of the process.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      child.kill('SIGKILL');
      resolve((Number(f[11]) + Number(f[12])) / ticks);
    });
    child.once('exit', (code) => reject(new Error(`bench: vmdesk run in ${root} ended (${code}) before the prompt`)));
  });
}

try {
  const mine: Record<string, number> = {};
  const prev: Record<string, number> = {};
  const keepBest = (into: Record<string, number>, got: Record<string, number>): void => {
    for (const [k, v] of Object.entries(got)) into[k] = Math.max(into[k] ?? 0, v);
  };
  for (let i = 0; i < rounds; i++) {
    keepBest(prev, runFigures(prevDir));
    keepBest(mine, runFigures(here));
  }
  const head = git('rev-parse', '--short', 'HEAD');
  const prevHead = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: prevDir, encoding: 'utf8' }).stdout.trim();
  console.log(`M instructions/s (CPU time, best of ${rounds} alternating runs): ${ref} (${prevHead}) vs this checkout (${head}, with local changes)`);
  console.log(`${'workload'.padEnd(64)} ${'previous'.padStart(9)} ${'this'.padStart(9)} ${'ratio'.padStart(7)}`);
  for (const name of Object.keys(mine)) {
    const p = prev[name];
    const m = mine[name]!;
    const ratio = p ? (m / p).toFixed(2) + '×' : '—';
    console.log(`${name.padEnd(64)} ${(p ?? NaN).toFixed(1).padStart(9)} ${m.toFixed(1).padStart(9)} ${ratio.padStart(7)}`);
  }
  if (args.includes('--boot')) {
    symlinkSync(path.join(here, 'node_modules'), path.join(prevDir, 'node_modules'));
    for (const root of [prevDir, here]) {
      const r = spawnSync(process.execPath, [path.join(root, 'build', 'bundle.mjs')], { cwd: root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench: bundling ${root} failed: ${r.stderr.trim()}`);
    }
    const prompt = (JSON.parse(readFileSync(path.join(here, '.cache', 'guest', 'manifest.json'), 'utf8')) as { prompt: string }).prompt;
    const [p, m] = await Promise.all([bootCpuSeconds(prevDir, prompt), bootCpuSeconds(here, prompt)]);
    console.log(`${'Linux boot to the prompt, CPU seconds of vmdesk run (bundle)'.padEnd(64)} ${p.toFixed(1).padStart(9)} ${m.toFixed(1).padStart(9)} ${((p / m).toFixed(2) + '×').padStart(7)}`);
  }
} finally {
  cleanup();
}
