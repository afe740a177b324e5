// What the `vmdesk` executables call: runs main() on the process's streams and sets the exit
// code. Kept apart from core/cli/index.ts, whose embedded-host export would load the whole host
// at start-up; this file loads only the argument parser and the command index.
import { main } from './main';

export async function runCli(argv: readonly string[]): Promise<void> {
  const code = await main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    interactive: Boolean(process.stderr.isTTY),
  });
  if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
}
