// Leased locks between real processes: the second waits or fails, takes over only after a
// dead holder's lease ran out, a paused holder learns it lost the lock, and there are never
// two holders. Short leases keep the test quick.
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inspectLock, LeaseLock, LockedError } from '../../core/storage';
import { bundleFixture, tempDir } from './helpers';

let holder: string;
const LEASE = 1200;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = tempDir('lock');
  holder = bundleFixture('lock-holder', dir);
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Proc {
  child: ChildProcess;
  lines: string[];
  /** performance.now() when each line arrived. */
  times: number[];
  stderr: () => string;
  exited: Promise<number | null>;
  waitFor: (text: string, timeoutMs?: number) => Promise<number>;
}

function start(...args: string[]): Proc {
  const child = spawn(process.execPath, [holder, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  const times: number[] = [];
  let err = '';
  let partial = '';
  const waiters: { text: string; resolve: (t: number) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      times.push(performance.now());
      for (const w of waiters.filter((w) => l.startsWith(w.text))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(performance.now());
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    lines,
    times,
    stderr: () => err,
    exited,
    waitFor: (text, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const i = lines.findIndex((l) => l.startsWith(text));
        if (i >= 0) return resolve(times[i]!);
        const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}"; got ${JSON.stringify(lines)} ${err}`)), timeoutMs);
        waiters.push({ text, resolve: (t) => (clearTimeout(timer), resolve(t)) });
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const killed = (p: Proc) => new Promise<number>((r) => p.child.on('exit', () => r(performance.now())));

describe('LeaseLock in one process', () => {
  it('a second acquire fails at once with timeout 0, and succeeds after release', async () => {
    const target = path.join(dir, 'one.vmdk');
    const a = await LeaseLock.acquire(target, { leaseMs: LEASE, hostId: 'esx-a' });
    expect(a.held).toBe(true);
    expect(inspectLock(target)).toMatchObject({ state: 'held', record: { host: 'esx-a' } });
    const err = await LeaseLock.acquire(target, { leaseMs: LEASE, hostId: 'esx-b', timeoutMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toMatch(/one\.vmdk: locked by host esx-a \(pid \d+\)/);
    a.release();
    expect(inspectLock(target).state).toBe('free');
    const b = await LeaseLock.acquire(target, { leaseMs: LEASE, hostId: 'esx-b', timeoutMs: 0 });
    expect(b.generation).toBe(a.generation + 1);
    b.dispose();
  });
});

describe('LeaseLock between processes', () => {
  it('the second waits while the first lives, and takes over only after its lease ran out', async () => {
    const target = path.join(dir, 'two.vmdk');
    const a = start(target, String(LEASE), 'host-a', 'hold');
    await a.waitFor('acquired');
    const b = start(target, String(LEASE), 'host-b', 'hold');
    await sleep(LEASE * 2); // two leases: A keeps renewing, B must keep waiting
    expect(b.lines).toEqual([]);
    const failing = start(target, String(LEASE), 'host-c', 'hold', '0');
    expect(await failing.exited).toBe(3);
    expect(failing.stderr().trim()).toMatch(/^.*two\.vmdk: locked by host host-a \(pid \d+\); its lease of 1.2 s runs out only after its heartbeat stops$/);
    const died = killed(a);
    a.child.kill('SIGKILL');
    const deathAt = await died;
    const takenAt = await b.waitFor('acquired');
    expect(takenAt).toBeGreaterThan(deathAt);
    expect(b.lines).toEqual(['acquired 2']);
    // The lease is honoured: B created its generation at least a lease after A's last
    // heartbeat (both records carry this host's clock; A's file stays as generation 1).
    const lockDir = `${target}.lck`;
    const aLast = Date.parse(JSON.parse(fs.readFileSync(path.join(lockDir, 'gen-000000000001'), 'utf8')).time);
    const bFirst = Date.parse(JSON.parse(fs.readFileSync(path.join(lockDir, 'gen-000000000002'), 'utf8')).acquiredAt);
    expect(bFirst - aLast).toBeGreaterThanOrEqual(LEASE);
  });

  it('a paused holder loses the lock to a waiter and notices when it resumes', async () => {
    const target = path.join(dir, 'pause.vmdk');
    const a = start(target, String(LEASE), 'host-a', 'hold');
    await a.waitFor('acquired');
    const b = start(target, String(LEASE), 'host-b', 'hold');
    await sleep(LEASE);
    a.child.kill('SIGSTOP');
    await b.waitFor('acquired');
    a.child.kill('SIGCONT');
    await a.waitFor('lost');
    expect(inspectLock(target).record?.host).toBe('host-b');
  });

  it('synchronous work that blocks the event loop keeps the lock only by calling heartbeat()', async () => {
    const target = path.join(dir, 'busy.vmdk');
    // A longer lease than the others: renewals fsync, and a loaded CI disk can stall one for
    // a good part of a short lease.
    const lease = LEASE * 2;
    const lock = await LeaseLock.acquire(target, { leaseMs: lease, hostId: 'host-busy' });
    const waiter = start(target, String(lease), 'host-w', 'hold');
    await sleep(300); // the waiter is watching
    const busy = (ms: number, beat: boolean) => {
      const end = performance.now() + ms;
      while (performance.now() < end) if (beat) lock.heartbeat();
    };
    busy(lease * 3, true); // e.g. a long consolidate with heartbeats between chunks
    await sleep(100);
    expect(waiter.lines).toEqual([]);
    expect(lock.held).toBe(true);
    busy(lease * 2.5, false); // the same work without heartbeats: the lease runs out
    await waiter.waitFor('acquired');
    expect(lock.held).toBe(false);
    expect(() => lock.heartbeat()).toThrow(/lock no longer held by this host/);
    lock.dispose();
  });

  it('three waiters on a dead holder: exactly one breaks the lock', async () => {
    const target = path.join(dir, 'race.vmdk');
    const a = start(target, String(LEASE), 'host-a', 'hold');
    await a.waitFor('acquired');
    const waiters = ['b', 'c', 'd'].map((h) => start(target, String(LEASE), `host-${h}`, 'hold'));
    await sleep(200);
    a.child.kill('SIGKILL');
    await Promise.race(waiters.map((w) => w.waitFor('acquired')));
    await sleep(LEASE * 3); // the winner keeps renewing; the others must keep waiting
    const winners = waiters.filter((w) => w.lines.includes('acquired 2'));
    expect(winners.length).toBe(1);
    expect(waiters.flatMap((w) => w.lines)).toEqual(['acquired 2']);
  });

  it('a holder SIGKILLed on this host is broken at once by this host, while another host waits for its lease', async () => {
    const target = path.join(dir, 'killed.vmdk');
    const lease = 60_000; // far longer than the test: only the dead-process rule can take it
    const a = start(target, String(lease), 'host-a', 'hold');
    await a.waitFor('acquired');
    const live = await LeaseLock.acquire(target, { leaseMs: lease, hostId: 'host-a', timeoutMs: 0 }).catch((e: unknown) => e);
    expect(live).toBeInstanceOf(LockedError); // the same host id, but its process lives
    const died = killed(a);
    a.child.kill('SIGKILL');
    await died;
    const other = await LeaseLock.acquire(target, { leaseMs: lease, hostId: 'host-b', timeoutMs: 0 }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(LockedError);
    expect((other as Error).message).toMatch(/killed\.vmdk: locked by host host-a \(pid \d+\)/);
    const mine = await LeaseLock.acquire(target, { leaseMs: lease, hostId: 'host-a', timeoutMs: 0 });
    expect(mine.generation).toBe(2);
    expect(inspectLock(target)).toMatchObject({ state: 'held', generation: 2, record: { host: 'host-a', pid: process.pid } });
    mine.dispose();
  });

  it('a dead pid in a record from another machine or boot (same host id) is not taken for dead', async () => {
    const target = path.join(dir, 'elsewhere.vmdk');
    const lease = 60_000;
    const a = start(target, String(lease), 'host-a', 'hold');
    await a.waitFor('acquired');
    const died = killed(a);
    a.child.kill('SIGKILL');
    await died;
    // The same record as if written by a host that shares the datastore and its host id.
    const file = path.join(`${target}.lck`, 'gen-000000000001');
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { machine?: string };
    expect(record.machine).toMatch(/^\S+ pid:\[\d+\]$/);
    fs.writeFileSync(file, JSON.stringify({ ...record, machine: 'another-boot pid:[1]' }));
    const err = await LeaseLock.acquire(target, { leaseMs: lease, hostId: 'host-a', timeoutMs: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
  });

  it('four processes contending, one killed while holding: never two holders', async () => {
    const target = path.join(dir, 'stress.vmdk');
    const owner = path.join(dir, 'owner.txt');
    const victim = start(target, '1000', 'host-v', 'hold');
    await victim.waitFor('acquired');
    const workers = ['a', 'b', 'c', 'd'].map((h) => start(target, '1000', `host-${h}`, 'stress', '12', owner));
    await sleep(100);
    victim.child.kill('SIGKILL');
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
    const all = workers.flatMap((w) => w.lines);
    expect(all.filter((l) => l === 'violation')).toEqual([]);
    expect(all.filter((l) => l === 'done').length).toBe(4);
    // Generation numbers were handed out once each.
    const gens = all.filter((l) => l.startsWith('acquired')).map((l) => Number(l.split(' ')[1]));
    expect(new Set(gens).size).toBe(gens.length);
    // Every round ran (a round a starved worker lost is counted as "lost", not a violation).
    expect(gens.length).toBe(48);
  }, 60_000);
});
