// The lazy command index (core/cli/commands/index.ts): every entry loads the command it
// names, with the same words and summary `vmdesk --help` shows for it (so the index cannot
// drift from the commands), `--help` lists them all, and a command's --help shows its options.
import { describe, expect, it } from 'vitest';
import { main } from '../../core/cli';
import { commands } from '../../core/cli/commands';

function capture(): { io: Parameters<typeof main>[1]; out: () => string } {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
  return { io: { stdout: sink, stderr: sink, stdin: process.stdin, interactive: false }, out: () => out };
}

describe('the command index', () => {
  it('has one entry per command, each loading the command with its own words and summary', async () => {
    const names = commands.map((c) => c.name.join(' '));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['run', 'serve', 'convert', 'export', 'converter-agent', 'disk convert', 'vm power-on', 'vm delete']));
    for (const entry of commands) {
      const c = await entry.load();
      expect({ name: c.name, summary: c.summary }).toEqual({ name: entry.name, summary: entry.summary });
      expect(typeof c.run).toBe('function');
    }
  });

  it('--help lists every command with its summary', async () => {
    const { io, out } = capture();
    expect(await main(['--help'], io)).toBe(0);
    for (const entry of commands) expect(out()).toMatch(new RegExp(`^  ${entry.name.join(' ')}\\s+${entry.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });

  it('a command\'s --help loads it and shows its options', async () => {
    const { io, out } = capture();
    expect(await main(['convert', '--help'], io)).toBe(0);
    expect(out()).toContain('usage: vmdesk convert SOURCE (--to DIR');
    expect(out()).toContain('--disk-type');
    expect(out()).toContain('--server URL');
  });
});
