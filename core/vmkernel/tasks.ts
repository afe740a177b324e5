// Tasks: every operation of the host runs as one, with progress, result and error,
// and the recent ones are kept for the Recent Tasks pane.
import type { TaskInfo } from '../api';
import { Emitter, errorMessage } from '../common';

const KEEP = 200;

export interface TaskControl {
  progress(percent: number): void;
}

export class TaskManager {
  private readonly tasks: TaskInfo[] = [];
  private nextId = 1;
  private readonly onTaskEmitter = new Emitter<TaskInfo>();
  readonly onTask = this.onTaskEmitter.event;

  recent(): readonly TaskInfo[] {
    return [...this.tasks].reverse();
  }

  async run<T>(name: string, target: string, work: (task: TaskControl) => Promise<T> | T): Promise<T> {
    const id = `task-${this.nextId++}`;
    let info: TaskInfo = { id, name, target, state: 'running', progress: 0, startedAt: Date.now() };
    this.store(info);
    const update = (next: Partial<TaskInfo>): void => {
      info = { ...info, ...next };
      this.store(info);
    };
    try {
      const result = await work({ progress: (p) => update({ progress: Math.max(0, Math.min(100, Math.round(p))) }) });
      update({ state: 'success', progress: 100, finishedAt: Date.now() });
      return result;
    } catch (err) {
      update({ state: 'error', finishedAt: Date.now(), error: errorMessage(err) });
      throw err;
    }
  }

  private store(info: TaskInfo): void {
    const at = this.tasks.findIndex((t) => t.id === info.id);
    if (at >= 0) this.tasks[at] = info;
    else {
      this.tasks.push(info);
      if (this.tasks.length > KEEP) this.tasks.shift();
    }
    this.onTaskEmitter.fire(info);
  }

  dispose(): void {
    this.onTaskEmitter.dispose();
  }
}
