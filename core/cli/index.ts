// core/cli (L6): the `vmdesk` command. The bin script calls `runCli`.
import { main } from './main';

export { main, commandHelp, EXIT_USAGE } from './main';
export type { Command, CommandIo } from './command';
export { startEmbeddedHost, type EmbeddedHost } from './embedded-host';

export async function runCli(argv: readonly string[]): Promise<void> {
  const code = await main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    interactive: Boolean(process.stderr.isTTY),
  });
  if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
}
