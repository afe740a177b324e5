// Recent Tasks: what the host did and is doing, newest first.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { TaskInfo } from '../../../core/api';
import { apiClient } from '../api/provider';

const KEEP = 100;

export const useTasksStore = defineStore('tasks', () => {
  const tasks = ref<TaskInfo[]>([]);

  async function load(): Promise<void> {
    const r = await apiClient().call('tasks.list', { limit: KEEP });
    if (r.ok) tasks.value = r.data.slice(0, KEEP);
  }

  function apply(task: TaskInfo): void {
    const rest = tasks.value.filter((t) => t.id !== task.id);
    tasks.value = [task, ...rest].sort((a, b) => b.startedAt - a.startedAt || Number(b.id.slice(5)) - Number(a.id.slice(5))).slice(0, KEEP);
  }

  return { tasks, load, apply };
});
