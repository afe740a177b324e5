// Starts every store and routes the host's event stream to them.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { apiClient } from '../api/provider';
import { useConsoleStore } from './console';
import { useEventsStore } from './events';
import { useHostStore } from './host';
import { useInventoryStore } from './inventory';
import { useTasksStore } from './tasks';
import { useVmStatsStore } from './vm-stats';
import { useVmsStore } from './vms';

export const useConnectionStore = defineStore('connection', () => {
  const started = ref(false);
  let unsubscribe: (() => void) | undefined;

  async function start(): Promise<void> {
    if (started.value) return;
    started.value = true;
    const host = useHostStore();
    const inventory = useInventoryStore();
    const tasks = useTasksStore();
    const events = useEventsStore();
    const vms = useVmsStore();
    const stats = useVmStatsStore();
    const consoles = useConsoleStore();
    unsubscribe = apiClient().onEvent((m) => {
      switch (m.event) {
        case 'host.stats':
          host.applyStats(m.data);
          break;
        case 'inventory.changed':
          inventory.apply(m.data);
          void vms.load();
          break;
        case 'task.updated':
          tasks.apply(m.data);
          break;
        case 'event.logged':
          events.apply(m.data);
          break;
        case 'vm.stats':
          stats.apply(m.data.id, m.data.stats);
          break;
        case 'vm.console':
          consoles.apply(m.data);
          break;
      }
    });
    await Promise.all([host.load(), inventory.load(), tasks.load(), events.load(), vms.load()]);
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = undefined;
    started.value = false;
  }

  return { started, start, stop };
});
