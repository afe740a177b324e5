// The `vmdesk` command: finds the subcommand by its words, parses its flags, runs it.
// Bad input ends in one line on stderr and a non-zero exit, never a stack trace.
import { UsageError, VmdeskError, errorMessage } from '../common';
import { formatOptions, parseArgs } from './args';
import type { Command, CommandEntry, CommandIo } from './command';
import { commands } from './commands';
import { VMDESK_VERSION } from './version';

export const EXIT_USAGE = 2;

function findCommand(argv: readonly string[]): { command: CommandEntry; rest: string[] } | undefined {
  let best: CommandEntry | undefined;
  for (const c of commands) {
    if (c.name.every((w, i) => argv[i] === w) && (!best || c.name.length > best.name.length)) best = c;
  }
  return best ? { command: best, rest: argv.slice(best.name.length) } : undefined;
}

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.join(' ').length));
  return [
    `vmdesk ${VMDESK_VERSION}: desktop virtualization — hypervisor, VirtualCenter and converter`,
    '',
    'usage: vmdesk <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'vmdesk <command> --help shows the options of a command.',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  const opts = formatOptions(c.options);
  return [
    `usage: vmdesk ${c.name.join(' ')} ${c.usage}`.trimEnd(),
    '',
    c.summary,
    ...(opts ? ['', 'options:', opts, '      --help  show this help'] : []),
    ...(c.details ? ['', c.details] : []),
  ].join('\n');
}

export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout.write(topHelp() + '\n');
      return argv.length === 0 ? EXIT_USAGE : 0;
    }
    if (argv[0] === '--version' || argv[0] === '-V') {
      io.stdout.write(`vmdesk ${VMDESK_VERSION}\n`);
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      const what = argv[0]!.startsWith('-') ? `unknown option ${argv[0]}` : `unknown command "${argv.join(' ')}"`;
      throw new UsageError(`vmdesk: ${what} (see \`vmdesk --help\`)`);
    }
    const { rest } = found;
    // Only now is the command's module (and what it needs) loaded.
    const command = await found.command.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(commandHelp(command) + '\n');
      return 0;
    }
    const args = parseArgs(rest, command.options, command.name.join(' '));
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(err.message + '\n');
      return EXIT_USAGE;
    }
    if (err instanceof VmdeskError) {
      io.stderr.write(err.message + '\n');
      return 1;
    }
    io.stderr.write(`vmdesk: internal error: ${errorMessage(err)}\n`);
    if (process.env.VMDESK_DEBUG) io.stderr.write(String((err as Error)?.stack) + '\n');
    return 1;
  }
}
