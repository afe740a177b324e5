// Assembles the Multiboot test guests (test/guests/*.asm) into .cache/guests/. A guest is a
// flat binary (nasm -f bin, a.out kludge) unless its source has a line "; ld: FLAGS", in which
// case it becomes an ELF32 executable (nasm -f elf32, then ld -m elf_i386 FLAGS). A guest is
// rebuilt only when its source or the runtime in lib/ is newer than the output.
//
//   npx tsx test/guests/build.ts        prints one "name path" line per guest
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const guestSourceDir = dirname(fileURLToPath(import.meta.url));
export const guestOutDir = resolve(guestSourceDir, '../../.cache/guests');

export interface TestGuest {
  readonly name: string;
  readonly path: string;
  readonly format: 'flat' | 'elf';
}

export function buildTestGuests(outDir = guestOutDir): TestGuest[] {
  mkdirSync(outDir, { recursive: true });
  const libDir = join(guestSourceDir, 'lib');
  const libTime = Math.max(statSync(fileURLToPath(import.meta.url)).mtimeMs, ...readdirSync(libDir).map((f) => statSync(join(libDir, f)).mtimeMs));
  const sources = readdirSync(guestSourceDir).filter((f) => f.endsWith('.asm')).sort();
  return sources.map((file) => {
    const src = join(guestSourceDir, file);
    const name = basename(file, '.asm');
    const ldFlags = /^; ld: (.+)$/m.exec(readFileSync(src, 'utf8'))?.[1]?.trim().split(/\s+/);
    const format = ldFlags ? 'elf' : 'flat';
    const out = join(outDir, `${name}.${format === 'elf' ? 'elf' : 'bin'}`);
    const fresh = existsSync(out) && statSync(out).mtimeMs >= Math.max(statSync(src).mtimeMs, libTime);
    if (!fresh) {
      // Build beside the output and rename: test files that build at the same time never
      // see a half-written guest.
      const tmp = `${out}.${process.pid}.tmp`;
      if (ldFlags) {
        const obj = `${tmp}.o`;
        run('nasm', ['-f', 'elf32', '-I', guestSourceDir + '/', '-o', obj, src]);
        run('ld', ['-m', 'elf_i386', ...ldFlags, '-o', tmp, obj]);
        rmSync(obj, { force: true });
      } else {
        run('nasm', ['-f', 'bin', '-I', guestSourceDir + '/', '-o', tmp, src]);
      }
      renameSync(tmp, out);
    }
    return { name, path: out, format };
  });
}

function run(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`guests: ${cmd} failed: ${(e.stderr?.toString() || e.message).trim()}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const g of buildTestGuests()) console.log(`${g.name} ${g.path}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
