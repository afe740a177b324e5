import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../core/cli/args';

const specs = {
  size: { kind: 'string', short: 's', description: 'size', value: 'N' },
  count: { kind: 'number', description: 'count' },
  json: { kind: 'boolean', description: 'json' },
  disk: { kind: 'strings', description: 'disk' },
} as const;

describe('parseArgs', () => {
  it('reads every kind of option, inline values, short flags and positionals', () => {
    const r = parseArgs(['a.vmdk', '-s', '10G', '--count=3', '--json', '--disk', 'x', '--disk=y', '--', '--not-a-flag'], specs, 'disk');
    expect(r.options).toEqual({ size: '10G', count: 3, json: true, disk: ['x', 'y'] });
    expect(r.positionals).toEqual(['a.vmdk', '--not-a-flag']);
  });

  it('names the problem in one line', () => {
    expect(() => parseArgs(['--count', 'many'], specs, 'disk')).toThrow('disk: --count wants a number, not "many"');
    expect(() => parseArgs(['--size'], specs, 'disk')).toThrow('disk: --size needs a value (N)');
    expect(() => parseArgs(['--json=1'], specs, 'disk')).toThrow('disk: --json takes no value');
    expect(() => parseArgs(['-q'], specs, 'disk')).toThrow('disk: unknown option -q');
  });
});
