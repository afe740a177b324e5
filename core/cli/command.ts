// The shape of one `vmdesk` subcommand. Each lives in commands/<name>.ts and is listed
// in commands/index.ts; main.ts only dispatches.
import type { OptionSpecs, ParsedArgs } from './args';

export interface CommandIo {
  readonly stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadStream | NodeJS.ReadableStream;
  /** True when stdout is a terminal (progress bars instead of plain lines). */
  readonly interactive: boolean;
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** Words after `vmdesk`, e.g. ["disk", "create"]. */
  readonly name: readonly string[];
  readonly summary: string;
  /** Usage line after `vmdesk <name>`, e.g. "[--listen HOST:PORT]". */
  readonly usage: string;
  readonly options: O;
  /** Extra help text after the options. */
  readonly details?: string;
  /** Resolves to the process exit code. Throw UsageError for bad input. */
  run(args: ParsedArgs<O>, io: CommandIo): Promise<number>;
}

export function defineCommand<O extends OptionSpecs>(command: Command<O>): Command<O> {
  return command;
}

/**
 * A command as `vmdesk --help` lists it, before its module is loaded (commands/index.ts):
 * `load()` imports the module and gives the command, whose name and summary are the same.
 */
export interface CommandEntry {
  readonly name: readonly string[];
  readonly summary: string;
  load(): Promise<Command>;
}
