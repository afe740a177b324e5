// Guest images for boot tests, benchmarks and demo VMs: fetches Debian's i386 kernel (the
// linux-image-*-686 package that linux-image-686 depends on, in its -unsigned build) and
// busybox-static with `apt-get download` into .cache/guest/, using private apt lists and cache
// so the host's apt state is untouched, then builds the busybox initramfs with our own cpio
// writer. Idempotent: a second run finds the outputs and does nothing.
//
//   npx tsx build/guest/fetch.ts          (npm run setup:guest)
//
// Outputs: .cache/guest/vmlinuz, .cache/guest/initrd.img, .cache/guest/manifest.json.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GUEST_PROMPT, GUEST_READY_LINE, buildBusyboxInitramfs } from '../../core/vmm/initramfs';

/** Bump when the initramfs layout changes, so a cached image is rebuilt. */
const LAYOUT_VERSION = 1;
const RANDOM_FILE = { path: '/root/random.bin', size: 1 << 20, seed: 'vmdesk guest random bytes v1' };

export interface GuestManifest {
  readonly layoutVersion: number;
  readonly kernelVersion: string;
  readonly kernelPackage: string;
  readonly kernelPackageVersion: string;
  readonly busyboxPackageVersion: string;
  readonly prompt: string;
  readonly readyLine: string;
  readonly randomFile: { readonly path: string; readonly size: number; readonly md5: string };
}

export interface GuestImages {
  readonly dir: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly manifest: GuestManifest;
}

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultGuestDir = join(repoRoot, '.cache/guest');

/**
 * Fetch and build what is missing; returns the paths and the manifest. Safe to call from
 * several processes at once (test files run in parallel): one builds, the others wait.
 */
export function ensureGuestImages(dir = defaultGuestDir, log: (line: string) => void = () => {}): GuestImages {
  const ready = cachedImages(dir);
  if (ready) {
    log(`guest: up to date in ${dir} (kernel ${ready.manifest.kernelVersion})`);
    return ready;
  }
  mkdirSync(dir, { recursive: true });
  const release = acquireLock(join(dir, '.lock'), log);
  try {
    return cachedImages(dir) ?? buildGuestImages(dir, log);
  } finally {
    release();
  }
}

function cachedImages(dir: string): GuestImages | undefined {
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd.img');
  const manifest = readManifest(join(dir, 'manifest.json'));
  if (manifest && manifest.layoutVersion === LAYOUT_VERSION && existsSync(kernel) && existsSync(initrd)) return { dir, kernel, initrd, manifest };
  return undefined;
}

/** An O_EXCL lock file holding our pid; a lock whose process is gone is taken over. */
function acquireLock(path: string, log: (line: string) => void): () => void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // released between our attempt and the read
    }
    const holder = Number(text);
    // An empty file is a lock being written this instant; only a dead pid is stale.
    if (text !== '' && !isAlive(holder)) {
      rmSync(path, { force: true });
      continue;
    }
    if (waited === 0) log(`guest: waiting for process ${holder} to finish the guest images`);
    Atomics.wait(pause, 0, 0, 200);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function buildGuestImages(dir: string, log: (line: string) => void): GuestImages {
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd.img');
  const manifestPath = join(dir, 'manifest.json');
  const debs = downloadDebs(dir, log);
  const kernelRoot = extract(debs.kernel, join(dir, 'kernel-root'), log);
  const busyboxRoot = extract(debs.busybox, join(dir, 'busybox-root'), log);

  const bootFiles = readdirSync(join(kernelRoot, 'boot')).filter((f) => f.startsWith('vmlinuz-'));
  if (bootFiles.length !== 1) throw new Error(`guest: ${debs.kernel} holds ${bootFiles.length} boot/vmlinuz-* files, expected one`);
  const kernelVersion = bootFiles[0]!.slice('vmlinuz-'.length);
  copyFileSync(join(kernelRoot, 'boot', bootFiles[0]!), kernel + '.tmp');
  renameSync(kernel + '.tmp', kernel);

  const random = deterministicBytes(RANDOM_FILE.seed, RANDOM_FILE.size);
  const image = buildBusyboxInitramfs({
    busybox: readFileSync(join(busyboxRoot, 'bin/busybox')),
    files: [{ path: RANDOM_FILE.path, data: random }],
  });
  writeFileSync(initrd + '.tmp', image);
  renameSync(initrd + '.tmp', initrd);

  const manifest: GuestManifest = {
    layoutVersion: LAYOUT_VERSION,
    kernelVersion,
    kernelPackage: debField(debs.kernel, 'Package'),
    kernelPackageVersion: debField(debs.kernel, 'Version'),
    busyboxPackageVersion: debField(debs.busybox, 'Version'),
    prompt: GUEST_PROMPT,
    readyLine: GUEST_READY_LINE,
    randomFile: { path: RANDOM_FILE.path, size: RANDOM_FILE.size, md5: createHash('md5').update(random).digest('hex') },
  };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  log(`guest: kernel ${kernelVersion}, initrd ${(image.length / 2 ** 20).toFixed(1)} MiB in ${dir}`);
  return { dir, kernel, initrd, manifest };
}

function readManifest(path: string): GuestManifest | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as GuestManifest;
  } catch {
    return undefined;
  }
}

/** Download (once) the two .deb files into DIR/debs with apt state kept under DIR/apt. */
function downloadDebs(dir: string, log: (line: string) => void): { kernel: string; busybox: string } {
  const debDir = join(dir, 'debs');
  const found = (): { kernel?: string; busybox?: string } => {
    if (!existsSync(debDir)) return {};
    const names = readdirSync(debDir);
    const kernel = names.find((n) => /^linux-image-.*-686(-unsigned)?_.*_i386\.deb$/.test(n));
    const busybox = names.find((n) => /^busybox-static_.*_i386\.deb$/.test(n));
    return { kernel: kernel && join(debDir, kernel), busybox: busybox && join(debDir, busybox) };
  };
  const have = found();
  if (have.kernel && have.busybox) return { kernel: have.kernel, busybox: have.busybox };

  const aptDir = join(dir, 'apt');
  for (const d of [join(aptDir, 'lists/partial'), join(aptDir, 'cache/archives/partial'), debDir]) mkdirSync(d, { recursive: true });
  // Private lists and cache, i386 only: the host's /var/lib/apt and /var/cache/apt stay as they are.
  const o = [
    '-oAPT::Architecture=i386',
    '-oAPT::Architectures=i386',
    `-oDir::State::Lists=${join(aptDir, 'lists')}`,
    `-oDir::Cache=${join(aptDir, 'cache')}`,
    '-oAPT::Sandbox::User=root',
    '-qq',
  ];
  log('guest: apt-get update (i386 lists, private to .cache/guest)');
  run('apt-get', [...o, 'update'], dir);
  const depends = run('apt-cache', [...o, 'depends', 'linux-image-686'], dir);
  const dep = /Depends:\s*(linux-image-\S+-686)\b/.exec(depends)?.[1];
  if (!dep) throw new Error(`guest: cannot find the kernel package linux-image-686 depends on; apt-cache said:\n${depends}`);
  // Debian signs its i386 kernels; the -unsigned build is the same kernel without the PE signature.
  const unsigned = `${dep}-unsigned`;
  const kernelPkg = hasPackage(o, unsigned, dir) ? unsigned : dep;
  log(`guest: apt-get download ${kernelPkg} busybox-static`);
  run('apt-get', [...o, 'download', kernelPkg, 'busybox-static'], debDir);
  const got = found();
  if (!got.kernel || !got.busybox) throw new Error(`guest: apt-get download left no ${got.kernel ? 'busybox-static' : kernelPkg} .deb in ${debDir}`);
  return { kernel: got.kernel, busybox: got.busybox };
}

function hasPackage(o: string[], name: string, cwd: string): boolean {
  try {
    return /Version:/.test(run('apt-cache', [...o, 'show', name], cwd));
  } catch {
    return false;
  }
}

function extract(deb: string, into: string, log: (line: string) => void): string {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  log(`guest: dpkg-deb -x ${deb.split('/').pop()}`);
  run('dpkg-deb', ['-x', deb, into], dirname(deb));
  return into;
}

function debField(deb: string, field: string): string {
  return run('dpkg-deb', ['-f', deb, field], dirname(deb)).trim();
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`guest: ${cmd} ${args.filter((a) => !a.startsWith('-o')).join(' ')} failed: ${(e.stderr || e.message).trim().split('\n').pop()}`);
  }
}

/** Reproducible "random" bytes: SHA-256 in counter mode over a seed. */
export function deterministicBytes(seed: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let block = 0, at = 0; at < size; block++, at += 32) {
    const h = createHash('sha256').update(`${seed}:${block}`).digest();
    out.set(h.subarray(0, Math.min(32, size - at)), at);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const images = ensureGuestImages(defaultGuestDir, (line) => console.log(line));
    console.log(`guest: ${images.kernel}\nguest: ${images.initrd}\nguest: ${join(images.dir, 'manifest.json')}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
