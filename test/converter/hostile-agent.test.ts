// A hostile or broken agent cannot make the converter write outside the clone: paths with
// "..", paths under a symlink it sent, and a file sent over a symlink are refused or replace
// the link, never its target; nothing is left behind.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hotCloneToVm } from '../../core/converter';
import { frame } from '../../core/converter/hotclone/protocol';
import { leftovers, tempDir } from './helpers';

let dir: string;
let outside: string;

beforeAll(() => {
  dir = tempDir('converter-hostile');
  outside = path.join(dir, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'victim'), 'original\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const meta = (p: string, type: string, extra: object = {}) => ({ path: p, type, mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 0, ...extra });

/** An "agent" that accepts any auth and sends `frames` (built per connection). */
async function fakeAgent(frames: Buffer[]): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((s) => {
    s.write(frame({ t: 'hello', protocol: 'vmdesk-converter-agent/1', nonce: 'ab'.repeat(32) }));
    s.once('data', () => {
      s.write(frame({ t: 'ready', entries: frames.length, bytes: 0 }));
      for (const f of frames) s.write(f);
      s.end();
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('a hostile agent', () => {
  const cases: [string, Buffer[], RegExp][] = [
    ['a path with ..', [frame({ t: 'entry', i: 0, meta: meta('../outside/victim', 'file'), from: 0 })], /refusing the path "\.\.\/outside\/victim"/],
    [
      'a path under a symlink it sent',
      [frame({ t: 'entry', i: 0, meta: meta('evil', 'symlink', { target: '' }), from: 0 }), frame({ t: 'entry', i: 1, meta: meta('evil/victim', 'file'), from: 0 })],
      /refusing "evil\/victim": it lies under the symlink evil/,
    ],
  ];
  for (const [what, frames, message] of cases) {
    it(`${what}: refused, the outside file untouched, nothing left`, async () => {
      // The symlink points at the real outside folder.
      const fixed = frames.map((f) => (f.includes('"symlink"') ? frame({ t: 'entry', i: 0, meta: meta('evil', 'symlink', { target: outside }), from: 0 }) : f));
      const agent = await fakeAgent(fixed);
      try {
        await expect(hotCloneToVm(`agent://127.0.0.1:${agent.port}`, { to: path.join(dir, 'h1'), token: 'whatever-token' })).rejects.toThrow(message);
      } finally {
        agent.close();
      }
      expect(fs.readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('original\n');
      expect(leftovers(dir, 'h1')).toEqual([]);
    });
  }

  it('a file sent over a symlink replaces the link, not its target', async () => {
    const agent = await fakeAgent([
      frame({ t: 'entry', i: 0, meta: meta('link', 'symlink', { target: path.join(outside, 'victim') }), from: 0 }),
      frame({ t: 'entry', i: 1, meta: meta('link', 'file', { size: 4 }), from: 0 }),
      frame({ t: 'data', i: 1, offset: 0 }, Buffer.from('pwnd')),
      frame({ t: 'eof', i: 1, size: 4 }),
      frame({ t: 'done', entries: 2 }),
    ]);
    try {
      const r = await hotCloneToVm(`agent://127.0.0.1:${agent.port}`, { to: path.join(dir, 'h2'), token: 'whatever-token' });
      expect(r.disks).toEqual(['h2.vmdk']);
    } finally {
      agent.close();
    }
    expect(fs.readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('original\n');
  });
});
