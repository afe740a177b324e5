// A small, strict argument parser: every flag is declared, unknown ones are an error
// with one clear line. Values: string, number, boolean, and repeatable strings.
import { UsageError } from '../common';

export type OptionKind = 'string' | 'number' | 'boolean' | 'strings';

export interface OptionSpec {
  readonly kind: OptionKind;
  /** One-letter alias, without the dash. */
  readonly short?: string;
  readonly description: string;
  /** Shown in help after the flag, e.g. "HOST:PORT". */
  readonly value?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S['kind'] extends 'boolean'
  ? boolean
  : S['kind'] extends 'number'
    ? number | undefined
    : S['kind'] extends 'strings'
      ? string[]
      : string | undefined;

export type ParsedOptions<O extends OptionSpecs> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export interface ParsedArgs<O extends OptionSpecs> {
  readonly options: ParsedOptions<O>;
  readonly positionals: string[];
}

export function parseArgs<O extends OptionSpecs>(argv: readonly string[], specs: O, command: string): ParsedArgs<O> {
  const options: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = spec.kind === 'boolean' ? false : spec.kind === 'strings' ? [] : undefined;
  }
  const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([n, s]) => [s.short!, n]));
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else {
      const long = byShort.get(arg.slice(1));
      if (!long) throw new UsageError(`${command}: unknown option ${arg} (see \`vmdesk ${command} --help\`)`);
      name = long;
    }
    const spec = specs[name];
    if (!spec) throw new UsageError(`${command}: unknown option --${name} (see \`vmdesk ${command} --help\`)`);
    if (spec.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`${command}: --${name} takes no value`);
      options[name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${command}: --${name} needs a value${spec.value ? ` (${spec.value})` : ''}`);
    if (spec.kind === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${command}: --${name} wants a number, not "${value}"`);
      options[name] = n;
    } else if (spec.kind === 'strings') {
      (options[name] as string[]).push(value);
    } else {
      options[name] = value;
    }
  }
  return { options: options as ParsedOptions<O>, positionals };
}

/** Help text for a command's options, one line each. */
export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.value ? ` ${s.value}` : ''}`;
    return [flag, s.description + (s.kind === 'strings' ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(0, ...rows.map(([f]) => f.length));
  return rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`).join('\n');
}
