// Our newc writer against GNU cpio: what we write, the real `cpio -t` lists and `cpio -i`
// extracts with the same names, bytes, modes, links and device numbers.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CpioEntry, CpioError, CpioNewcWriter, writeCpioNewc } from '../../../core/vmm/initramfs';

const work = mkdtempSync(join(tmpdir(), 'vmdesk-cpio-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

// Names and sizes of every residue mod 4, so each padding case occurs.
const entries: CpioEntry[] = [
  { type: 'dir', path: 'd', mode: 0o750, mtime: 1_700_000_000 },
  { type: 'dir', path: '/d/sub/' },
  ...[0, 1, 2, 3, 4, 5, 6, 7, 4097].map((size, i): CpioEntry => ({ type: 'file', path: `d/${'f'.repeat(i + 1)}`, data: bytes(size, i), mode: 0o600 + i, mtime: 1_600_000_000 + i })),
  { type: 'file', path: 'd/sub/exec', data: new TextEncoder().encode('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { type: 'symlink', path: 'd/link', target: 'sub/exec' },
  { type: 'chardev', path: 'd/console', major: 5, minor: 1 },
  { type: 'blockdev', path: 'd/disk', major: 8, minor: 16, mode: 0o660 },
];

function cpio(args: string[], input: Uint8Array, cwd = work): string {
  return execFileSync('cpio', args, { input, cwd, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('newc archives read by GNU cpio', () => {
  const archive = writeCpioNewc(entries, { mtime: 1_234_567_890 });

  it('has 070701 headers, 4-byte alignment, a trailer and 512-byte blocks', () => {
    const text = new TextDecoder('latin1').decode(archive);
    expect(text.startsWith('070701')).toBe(true);
    expect(archive.length % 512).toBe(0);
    expect(text).toContain('TRAILER!!!\0');
    // Walk the members by their own header fields.
    let at = 0;
    const names: string[] = [];
    for (;;) {
      expect(at % 4).toBe(0);
      expect(text.slice(at, at + 6)).toBe('070701');
      const field = (i: number) => parseInt(text.slice(at + 6 + 8 * i, at + 14 + 8 * i), 16);
      const nameSize = field(11);
      const fileSize = field(6);
      const name = text.slice(at + 110, at + 110 + nameSize - 1);
      at += (110 + nameSize + 3) & ~3;
      at += (fileSize + 3) & ~3;
      if (name === 'TRAILER!!!') break;
      names.push(name);
    }
    expect(names).toEqual(entries.map((e) => e.path.replace(/^\/+|\/+$/g, '')));
  });

  it('lists with cpio -t', () => {
    const listed = cpio(['-t', '--quiet'], archive).trim().split('\n');
    expect(listed).toEqual(entries.map((e) => e.path.replace(/^\/+|\/+$/g, '')));
  });

  it('extracts with cpio -i: bytes, modes, mtimes, symlinks, device nodes', () => {
    const out = join(work, 'x');
    mkdirSync(out);
    cpio(['-idm', '--quiet', '--no-absolute-filenames'], archive, out);
    for (const e of entries) {
      const path = join(out, e.path);
      const st = lstatSync(path);
      const name = e.path;
      switch (e.type) {
        case 'file':
          expect(st.isFile(), name).toBe(true);
          expect(Buffer.from(readFileSync(path)).equals(Buffer.from(e.data)), name).toBe(true);
          expect(st.mode & 0o7777, name).toBe(e.mode ?? 0o644);
          expect(Math.floor(st.mtimeMs / 1000), name).toBe(e.mtime ?? 1_234_567_890);
          break;
        case 'dir':
          expect(st.isDirectory(), name).toBe(true);
          break;
        case 'symlink':
          expect(st.isSymbolicLink(), name).toBe(true);
          expect(readlinkSync(path)).toBe(e.target);
          break;
        case 'chardev':
        case 'blockdev':
          expect(e.type === 'chardev' ? st.isCharacterDevice() : st.isBlockDevice(), name).toBe(true);
          // Linux dev_t: major in bits 8-19, minor in 0-7 (for small numbers).
          expect([st.rdev >> 8, st.rdev & 0xff], name).toEqual([e.major, e.minor]);
          expect(st.mode & 0o7777).toBe(e.mode ?? 0o600);
          break;
      }
    }
    expect(lstatSync(join(out, 'd')).mode & 0o7777).toBe(0o750);
  });

  it('streams the same bytes through the sink as the one-shot writer', () => {
    const chunks: Uint8Array[] = [];
    const w = new CpioNewcWriter((c) => chunks.push(c), { mtime: 1_234_567_890 });
    for (const e of entries) w.add(e);
    w.finish();
    expect(Buffer.concat(chunks).equals(Buffer.from(archive))).toBe(true);
    expect(w.size).toBe(archive.length);
  });
});

describe('bad members', () => {
  const write = (e: CpioEntry[]) => () => writeCpioNewc(e);
  it('are refused with one clear line', () => {
    expect(write([{ type: 'dir', path: 'a' }, { type: 'dir', path: '/a' }])).toThrow(/cpio: member a is added twice/);
    expect(write([{ type: 'dir', path: '/' }])).toThrow(/cpio: member path "\/" names no file/);
    expect(write([{ type: 'file', path: 'a/../../etc/passwd', data: new Uint8Array() }])).toThrow(/climbs out of the archive/);
    expect(write([{ type: 'file', path: 'x', data: new Uint8Array(), mode: 0o10000 }])).toThrow(/is not a permission mask/);
    expect(write([{ type: 'symlink', path: 'l', target: '' }])).toThrow(/empty target/);
    expect(write([{ type: 'dir', path: 'TRAILER!!!' }])).toThrow(CpioError);
    expect(write([{ type: 'file', path: 'x', data: new Uint8Array(), mtime: -1 }])).toThrow(/mtime -1 does not fit/);
  });
});
