// Assembles the small Multiboot guests of test/cli/guests (nasm) into a temp folder, once per
// test file: hello-serial (greets, echoes a line in upper case) and fault-loop-reset
// (command line "l" spins forever, "t" triple-faults).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'guests');

export function assembleGuest(source: 'hello-serial' | 'fault-loop-reset', dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-guest-'))): string {
  const out = path.join(dir, `${source}.bin`);
  execFileSync('nasm', ['-f', 'bin', '-o', out, path.join(SOURCES, `${source}.asm`)]);
  return out;
}
