// Starts every store and routes the host's event stream to them.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { apiClient } from '../api/provider';
import { useHostStore } from './host';
import { useInventoryStore } from './inventory';
import { useTasksStore } from './tasks';

export const useConnectionStore = defineStore('connection', () => {
  const started = ref(false);
  let unsubscribe: (() => void) | undefined;

  async function start(): Promise<void> {
    if (started.value) return;
    started.value = true;
    const host = useHostStore();
    const inventory = useInventoryStore();
    const tasks = useTasksStore();
    unsubscribe = apiClient().onEvent((m) => {
      switch (m.event) {
        case 'host.stats':
          host.applyStats(m.data);
          break;
        case 'inventory.changed':
          inventory.apply(m.data);
          break;
        case 'task.updated':
          tasks.apply(m.data);
          break;
        case 'event.logged':
          break;
      }
    });
    await Promise.all([host.load(), inventory.load(), tasks.load()]);
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = undefined;
    started.value = false;
  }

  return { started, start, stop };
});
