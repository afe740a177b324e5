// The agent's view of the source: every entry under ROOT (lstat, never following symlinks),
// in comparePaths order, without descending into excluded folders (pseudo file systems of a
// live root: proc, sys, run …) or into other mounted file systems than ROOT's.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type EntryMeta, type EntryType, comparePaths } from './protocol';

export const LIVE_ROOT_EXCLUDES = ['proc', 'sys', 'run', 'tmp', 'dev/pts', 'dev/shm', 'mnt', 'media', 'lost+found'];

function typeOf(st: fs.Stats): EntryType | undefined {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return undefined;
}

export function metaOf(root: string, rel: string): EntryMeta | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path.join(root, rel));
  } catch {
    return undefined; // vanished while walking a live system
  }
  const type = typeOf(st);
  if (!type) return undefined;
  const m: EntryMeta = {
    path: rel,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: Math.floor(st.mtimeMs / 1000),
    size: type === 'file' ? st.size : 0,
    ...(type === 'symlink' ? { target: fs.readlinkSync(path.join(root, rel)) } : {}),
    // Linux dev_t: major = bits 8..19, minor = bits 0..7 and 20..31 (<linux/kdev_t.h>, new encoding).
    ...(type === 'char' || type === 'block' ? { major: (st.rdev >> 8) & 0xfff, minor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) } : {}),
  };
  return m;
}

export function walkTree(root: string, excludes: readonly string[] = []): EntryMeta[] {
  const out: EntryMeta[] = [];
  const rootDev = fs.statSync(root).dev;
  const skip = new Set(excludes.map((e) => e.replace(/^\/+|\/+$/g, '')));
  const visit = (rel: string): void => {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(root, rel));
    } catch {
      return;
    }
    names.sort();
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const m = metaOf(root, r);
      if (!m) continue;
      out.push(m);
      if (m.type === 'dir' && !skip.has(r) && fs.lstatSync(path.join(root, r)).dev === rootDev) visit(r);
    }
  };
  visit('');
  out.sort((a, b) => comparePaths(a.path, b.path));
  return out;
}
