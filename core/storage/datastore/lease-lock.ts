// Leased locks on a shared directory (local, or NFS shared by several hosts), after VMFS's
// on-disk locks: the holder records its host id and a heartbeat it keeps renewing; another
// host may take the lock only after watching the heartbeat stand still for a whole lease.
//
// Protocol (lock for F is the directory "F.lck/"):
//   The lock is a sequence of generation files gen-000000000001, gen-…2, … Each holds a JSON
//   record {host, pid, owner, leaseMs, heartbeat, state: held|released}. The holder is whoever
//   created the highest generation, while its state is "held" and its heartbeat moves.
//   Acquire: list the directory; let N be the highest generation (0 if none). gen-N must be
//   released, or stale: its (owner, heartbeat) unchanged for leaseMs on OUR clock (no clock
//   comparison between hosts). Then create gen-(N+1) with O_CREAT|O_EXCL. Exactly one
//   contender wins that create (the NFS server orders exclusive creates); losers see EEXIST
//   and start watching gen-(N+1), which is fresh. Then the winner lists again and backs off if
//   a higher generation exists or gen-N has vanished (it was delayed so long that others moved
//   on and cleaned up). Finally it deletes generations below N (never N itself, which is what
//   lets a delayed contender notice). Nothing is ever renamed or unlinked while it may be live.
//   Two breakers of one stale gen-N: both try gen-(N+1); one create fails. Never two holders.
//   Renew: every leaseMs/4 the holder checks that it is still the highest generation and
//   rewrites its record with heartbeat+1 (fsync'd). It considers itself the holder only while
//   its last successful renewal is younger than leaseMs/2: a breaker needs a full lease of
//   silence, so a paused holder stops trusting its lock before anyone may take it.
//   Release: state "released" (the file stays, so generation numbers only grow).
//   A holder that died on this very host need not be waited out: a record with this host's
//   id, written on this machine since its last boot in this pid namespace (`machine`), whose
//   pid no longer exists (kill(pid, 0) fails with ESRCH), is broken at once, the same way as
//   a stale one. Another host cannot see the pid, so it still waits for the lease.
// NFS: exclusive create is atomic on NFSv3/v4; our own create returns fresh directory
// attributes, which invalidates the client's cached listing before the verifying re-list.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Emitter, type Disposable, type Event } from '../../common';
import { LockedError, StorageError } from '../errors';

export const DEFAULT_LEASE_MS = 16_000;

/** The lease to use when none is given: VMDESK_LEASE_MS from the environment, else 16 s. */
export function defaultLeaseMs(): number {
  const env = Number(process.env.VMDESK_LEASE_MS);
  return Number.isFinite(env) && env >= 40 ? env : DEFAULT_LEASE_MS;
}

export interface LockRecord {
  host: string;
  pid: number;
  owner: string;
  leaseMs: number;
  heartbeat: number;
  state: 'held' | 'released';
  /** Wall-clock time of the last renewal, for people reading the file (never compared). */
  time: string;
  /** Wall-clock time the lock was taken (informational). */
  acquiredAt: string;
  /** Where `pid` lives: this machine's boot id and pid namespace (absent where unknown). */
  machine?: string;
}

let machineIdentity: string | null | undefined;

/** This machine's boot and pid namespace: pids are comparable only within both (Linux /proc). */
function thisMachine(): string | undefined {
  if (machineIdentity === undefined) {
    try {
      const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      machineIdentity = boot ? `${boot} ${fs.readlinkSync('/proc/self/ns/pid')}` : null;
    } catch {
      machineIdentity = null;
    }
  }
  return machineIdentity ?? undefined;
}

function processGone(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: it lives, as another user
  }
}

/**
 * True when `record` is held by a process of host `hostId` on this machine that no longer
 * exists (killed, crashed): the lock may be broken without waiting for its lease.
 */
export function heldByDeadLocalProcess(record: LockRecord, hostId: string): boolean {
  const here = thisMachine();
  return record.state === 'held' && record.host === hostId && here !== undefined && record.machine === here && processGone(record.pid);
}

export interface LeaseLockOptions {
  hostId?: string;
  leaseMs?: number;
  /** How long acquire() waits for a holder to release or go stale; 0 fails at once. Default: forever. */
  timeoutMs?: number;
  pollMs?: number;
}

const GEN_RE = /^gen-(\d{12})$/;
const genName = (n: number): string => `gen-${String(n).padStart(12, '0')}`;
const seconds = (ms: number): string => (ms < 10_000 ? (ms / 1000).toFixed(1).replace(/\.0$/, '') : String(Math.round(ms / 1000)));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function lockDirOf(target: string): string {
  return `${target}.lck`;
}

function listGens(dir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: number[] = [];
  for (const n of names) {
    const m = GEN_RE.exec(n);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

function readRaw(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function parseRecord(raw: string | undefined): LockRecord | undefined {
  if (raw === undefined) return undefined;
  try {
    const r = JSON.parse(raw) as LockRecord;
    if (typeof r.owner !== 'string' || typeof r.heartbeat !== 'number' || typeof r.leaseMs !== 'number') return undefined;
    return r;
  } catch {
    return undefined; // caught mid-write, or a holder that died between create and write
  }
}

const readRecord = (file: string): LockRecord | undefined => parseRecord(readRaw(file));

export interface LockState {
  state: 'free' | 'held';
  generation: number;
  record?: LockRecord;
}

/** The lock's state as the files say now (a "held" lock may belong to a dead host). */
export function inspectLock(target: string): LockState {
  const dir = lockDirOf(target);
  const gens = listGens(dir);
  const top = gens[gens.length - 1] ?? 0;
  if (top === 0) return { state: 'free', generation: 0 };
  const record = readRecord(path.join(dir, genName(top)));
  if (!record) return { state: 'held', generation: top };
  return { state: record.state === 'released' ? 'free' : 'held', generation: top, record };
}

export class LeaseLock implements Disposable {
  private readonly lostEmitter = new Emitter<void>();
  /** Fires once if another host took the lock (this host was silent for a lease). */
  readonly onLost: Event<void> = this.lostEmitter.event;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew: number;
  private record: LockRecord;
  private state: 'held' | 'lost' | 'released' = 'held';

  private constructor(
    readonly target: string,
    readonly generation: number,
    private readonly fd: number,
    record: LockRecord,
  ) {
    this.record = record;
    this.lastRenew = performance.now();
    this.timer = setInterval(() => this.renew(), Math.max(10, Math.floor(record.leaseMs / 4)));
    this.timer.unref();
  }

  get hostId(): string {
    return this.record.host;
  }

  get leaseMs(): number {
    return this.record.leaseMs;
  }

  /** True while this process may rely on holding the lock. */
  get held(): boolean {
    return this.state === 'held' && performance.now() - this.lastRenew < this.record.leaseMs / 2;
  }

  assertHeld(): void {
    if (!this.held) throw new LockedError(`${this.target}: lock no longer held by this host (lost after missed heartbeats)`);
  }

  static async acquire(target: string, o: LeaseLockOptions = {}): Promise<LeaseLock> {
    const leaseMs = o.leaseMs ?? defaultLeaseMs();
    if (!(leaseMs >= 40)) throw new StorageError(`lease lock: lease of ${leaseMs} ms is too short`);
    const pollMs = o.pollMs ?? Math.max(10, Math.floor(leaseMs / 8));
    const deadline = o.timeoutMs === undefined ? Infinity : performance.now() + o.timeoutMs;
    const dir = lockDirOf(target);
    fs.mkdirSync(dir, { recursive: true });
    const me: LockRecord = {
      host: o.hostId ?? os.hostname(),
      pid: process.pid,
      owner: `${o.hostId ?? os.hostname()}:${process.pid}:${crypto.randomUUID()}`,
      leaseMs,
      heartbeat: 0,
      state: 'held',
      time: new Date().toISOString(),
      acquiredAt: '',
      ...(thisMachine() ? { machine: thisMachine() } : {}),
    };
    let watched: { key: string; since: number } | undefined;
    for (;;) {
      const gens = listGens(dir);
      const top = gens[gens.length - 1] ?? 0;
      let mayTake = top === 0;
      let holder: LockRecord | undefined;
      if (!mayTake) {
        const raw = readRaw(path.join(dir, genName(top)));
        holder = parseRecord(raw);
        if (holder?.state === 'released') mayTake = true;
        else if (holder && heldByDeadLocalProcess(holder, me.host)) mayTake = true;
        else {
          // The whole file is the heartbeat: any change restarts the watch. An unreadable
          // record (a holder killed between create and write) goes stale the same way.
          const key = `${top}:${raw}`;
          const now = performance.now();
          if (watched?.key !== key) watched = { key, since: now };
          // Stale only after a full lease of silence as seen here (the longer of both leases).
          else if (now - watched.since >= Math.max(leaseMs, holder?.leaseMs ?? 0)) mayTake = true;
        }
      }
      if (mayTake) {
        const lock = LeaseLock.tryCreate(target, dir, top, me);
        if (lock) return lock;
        continue;
      }
      if (performance.now() >= deadline) {
        const who = holder ? `host ${holder.host} (pid ${holder.pid})` : 'another host';
        throw new LockedError(`${target}: locked by ${who}; its lease of ${seconds(holder?.leaseMs ?? leaseMs)} s runs out only after its heartbeat stops`);
      }
      await sleep(pollMs);
    }
  }

  private static tryCreate(target: string, dir: string, top: number, me: LockRecord): LeaseLock | undefined {
    const next = top + 1;
    const file = path.join(dir, genName(next));
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR, 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw new StorageError(`${target}: cannot create lock file: ${(err as NodeJS.ErrnoException).code}`, 'storage.io');
    }
    const now = new Date().toISOString();
    me = { ...me, time: now, acquiredAt: now };
    const body = Buffer.from(JSON.stringify(me));
    fs.writeSync(fd, body, 0, body.length, 0);
    fs.fsyncSync(fd);
    const after = listGens(dir);
    const higher = after.some((g) => g > next);
    const predecessorGone = top > 0 && !after.includes(top);
    if (higher || predecessorGone) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      return undefined;
    }
    for (const g of after) if (g < top) fs.rmSync(path.join(dir, genName(g)), { force: true });
    return new LeaseLock(target, next, fd, { ...me });
  }

  private file(): string {
    return path.join(lockDirOf(this.target), genName(this.generation));
  }

  private write(): void {
    const body = Buffer.from(JSON.stringify(this.record));
    fs.writeSync(this.fd, body, 0, body.length, 0);
    fs.ftruncateSync(this.fd, body.length);
    fs.fsyncSync(this.fd);
  }

  /**
   * For long synchronous work that blocks the event loop (and with it the renewal timer):
   * renews when a heartbeat is due and throws if the lock was lost. Call it between chunks.
   */
  heartbeat(): void {
    // Twice as often as the timer would: a renewal's fsync may be slow on a busy disk, and the
    // caller gets no second chance before its window of lease/2 closes.
    if (this.state === 'held' && performance.now() - this.lastRenew >= this.record.leaseMs / 8) this.renew();
    this.assertHeld();
  }

  /** One heartbeat. Public for tests and for callers that want to renew before a long job. */
  renew(): void {
    if (this.state !== 'held') return;
    // Counted from before the write: a breaker may see the new record as soon as it is written.
    const startedAt = performance.now();
    try {
      const gens = listGens(lockDirOf(this.target));
      const stillMine = gens[gens.length - 1] === this.generation && readRecord(this.file())?.owner === this.record.owner;
      if (!stillMine) return this.lose();
      this.record.heartbeat++;
      this.record.time = new Date().toISOString();
      this.write();
      this.lastRenew = startedAt;
    } catch {
      // A failed renewal (server unreachable) just does not move lastRenew; `held` decays.
    }
  }

  private lose(): void {
    this.state = 'lost';
    this.stop();
    this.lostEmitter.fire();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  release(): void {
    if (this.state !== 'held') return;
    this.state = 'released';
    try {
      this.record.state = 'released';
      this.record.heartbeat++;
      this.write();
    } finally {
      this.stop();
    }
  }

  dispose(): void {
    this.release();
    this.lostEmitter.dispose();
  }
}
