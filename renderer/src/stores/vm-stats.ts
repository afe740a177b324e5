// Live stats of the VMs being looked at: subscribes to `stats:<id>` while a view wants it.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { VmStats } from '../../../core/api';
import { apiClient } from '../api/provider';

const KEEP = 180;

export const useVmStatsStore = defineStore('vmStats', () => {
  const series = ref<Record<string, VmStats[]>>({});
  const watchers = new Map<string, number>();

  async function watch(id: string): Promise<void> {
    const n = (watchers.get(id) ?? 0) + 1;
    watchers.set(id, n);
    if (n > 1) return;
    await apiClient().call('events.subscribe', { topics: [`stats:${id}`] });
    const r = await apiClient().call('vm.stats', { id });
    if (r.ok) series.value = { ...series.value, [id]: [...r.data] };
  }

  function unwatch(id: string): void {
    const n = (watchers.get(id) ?? 0) - 1;
    if (n > 0) return void watchers.set(id, n);
    watchers.delete(id);
    void apiClient().call('events.unsubscribe', { topics: [`stats:${id}`] });
  }

  function apply(id: string, stats: VmStats): void {
    const prev = series.value[id] ?? [];
    series.value = { ...series.value, [id]: [...prev, stats].slice(-KEEP) };
  }

  return { series, watch, unwatch, apply };
});
