// Tasks: every operation of the host runs as one, with progress, result and error. Each
// change is written to the host database, so Recent Tasks survives a restart; a task that
// was running when the host stopped is marked failed on the next start.
import type { ListQuery, TaskInfo, TaskState } from '../api';
import { Emitter, createLogger, errorMessage } from '../common';
import type { Db } from './db/host-database';

const log = createLogger('tasks');
const KEEP = 5000;

export interface TaskControl {
  progress(percent: number): void;
}

export interface TaskOptions {
  readonly targetId?: string;
  /** Describes the result for the Tasks pane (e.g. the new VM's id). */
  readonly describe?: (result: unknown) => string | undefined;
}

interface TaskRow {
  id: string;
  name: string;
  target: string;
  target_id: string | null;
  state: string;
  progress: number;
  started_at: number;
  finished_at: number | null;
  error: string | null;
  result: string | null;
}

function fromRow(r: TaskRow): TaskInfo {
  return {
    id: r.id,
    name: r.name,
    target: r.target,
    ...(r.target_id ? { targetId: r.target_id } : {}),
    state: r.state as TaskState,
    progress: r.progress,
    startedAt: r.started_at,
    ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    ...(r.result !== null ? { result: r.result } : {}),
  };
}

export function clampLimit(limit: unknown, fallback = 100): number {
  return typeof limit === 'number' && Number.isInteger(limit) && limit > 0 ? Math.min(limit, 1000) : fallback;
}

export class TaskManager {
  private seq: number;
  private readonly onTaskEmitter = new Emitter<TaskInfo>();
  readonly onTask = this.onTaskEmitter.event;

  constructor(private readonly db: Db) {
    const interrupted = db
      .prepare(`UPDATE tasks SET state = 'error', error = 'the host stopped before the task finished', finished_at = ? WHERE state IN ('queued', 'running')`)
      .run(Date.now());
    if (interrupted.changes > 0) log.warn(`${interrupted.changes} task(s) were interrupted by the last stop`);
    this.seq = (db.prepare('SELECT MAX(seq) AS s FROM tasks').get() as { s: number | null }).s ?? 0;
  }

  list(query: ListQuery = {}): readonly TaskInfo[] {
    const limit = clampLimit(query.limit);
    const rows = query.targetId
      ? this.db.prepare('SELECT * FROM tasks WHERE target_id = ? ORDER BY seq DESC LIMIT ?').all(query.targetId, limit)
      : this.db.prepare('SELECT * FROM tasks ORDER BY seq DESC LIMIT ?').all(limit);
    return (rows as TaskRow[]).map(fromRow);
  }

  /** The foundation's name for list(). */
  recent(): readonly TaskInfo[] {
    return this.list({ limit: 200 });
  }

  async run<T>(name: string, target: string, work: (task: TaskControl) => Promise<T> | T, options: TaskOptions = {}): Promise<T> {
    const seq = ++this.seq;
    const id = `task-${seq}`;
    let info: TaskInfo = { id, name, target, ...(options.targetId ? { targetId: options.targetId } : {}), state: 'running', progress: 0, startedAt: Date.now() };
    this.insert(seq, info);
    const update = (next: Partial<TaskInfo>): void => {
      info = { ...info, ...next };
      this.save(info);
    };
    try {
      const result = await work({
        progress: (p) => {
          const progress = Math.max(0, Math.min(100, Math.round(p)));
          if (progress !== info.progress) update({ progress });
        },
      });
      const described = options.describe?.(result);
      update({ state: 'success', progress: 100, finishedAt: Date.now(), ...(described ? { result: described } : {}) });
      return result;
    } catch (err) {
      update({ state: 'error', finishedAt: Date.now(), error: errorMessage(err) });
      throw err;
    }
  }

  private insert(seq: number, t: TaskInfo): void {
    this.write(() =>
      this.db
        .prepare('INSERT INTO tasks (id, seq, name, target, target_id, state, progress, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(t.id, seq, t.name, t.target, t.targetId ?? null, t.state, t.progress, t.startedAt),
    );
    if (seq % 100 === 0) this.write(() => this.db.prepare('DELETE FROM tasks WHERE seq <= ?').run(seq - KEEP));
    this.onTaskEmitter.fire(t);
  }

  private save(t: TaskInfo): void {
    this.write(() =>
      this.db
        .prepare('UPDATE tasks SET state = ?, progress = ?, finished_at = ?, error = ?, result = ? WHERE id = ?')
        .run(t.state, t.progress, t.finishedAt ?? null, t.error ?? null, t.result ?? null, t.id),
    );
    this.onTaskEmitter.fire(t);
  }

  /** A failed write (disk full, database gone) is logged; the operation itself goes on. */
  private write(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      log.error(`cannot record the task in the host database: ${errorMessage(err)}`);
    }
  }

  dispose(): void {
    this.onTaskEmitter.dispose();
  }
}
