// Events: what happened to which object (vCenter's VmCreatedEvent, VmPoweredOnEvent…),
// kept in the host database and fired to clients.
import type { EventLevel, HostEvent, ListQuery } from '../api';
import { Emitter, createLogger, errorMessage } from '../common';
import type { Db } from './db/host-database';
import { clampLimit } from './tasks';

const log = createLogger('events');
const KEEP = 20000;

export interface EventInput {
  readonly level?: EventLevel;
  readonly type: string;
  readonly message: string;
  readonly target?: string;
  readonly targetId?: string;
}

interface EventRow {
  id: number;
  time: number;
  level: string;
  type: string;
  message: string;
  target: string | null;
  target_id: string | null;
}

const fromRow = (r: EventRow): HostEvent => ({
  id: r.id,
  time: r.time,
  level: r.level as EventLevel,
  type: r.type,
  message: r.message,
  ...(r.target !== null ? { target: r.target } : {}),
  ...(r.target_id !== null ? { targetId: r.target_id } : {}),
});

export class EventLog {
  private readonly onEventEmitter = new Emitter<HostEvent>();
  readonly onEvent = this.onEventEmitter.event;
  private fallbackId = 0;

  constructor(private readonly db: Db) {}

  log(input: EventInput): HostEvent {
    const level = input.level ?? 'info';
    const time = Date.now();
    let id: number;
    try {
      id = Number(
        this.db
          .prepare('INSERT INTO events (time, level, type, message, target, target_id) VALUES (?, ?, ?, ?, ?, ?)')
          .run(time, level, input.type, input.message, input.target ?? null, input.targetId ?? null).lastInsertRowid,
      );
      if (id % 500 === 0) this.db.prepare('DELETE FROM events WHERE id <= ?').run(id - KEEP);
    } catch (err) {
      log.error(`cannot record the event in the host database: ${errorMessage(err)}`);
      id = --this.fallbackId;
    }
    const event: HostEvent = { id, time, level, type: input.type, message: input.message, ...(input.target ? { target: input.target } : {}), ...(input.targetId ? { targetId: input.targetId } : {}) };
    this.onEventEmitter.fire(event);
    return event;
  }

  list(query: ListQuery = {}): readonly HostEvent[] {
    const limit = clampLimit(query.limit);
    const rows = query.targetId
      ? this.db.prepare('SELECT * FROM events WHERE target_id = ? ORDER BY id DESC LIMIT ?').all(query.targetId, limit)
      : this.db.prepare('SELECT * FROM events ORDER BY id DESC LIMIT ?').all(limit);
    return (rows as EventRow[]).map(fromRow);
  }

  dispose(): void {
    this.onEventEmitter.dispose();
  }
}
