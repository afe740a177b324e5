// Live stats of the VMs being looked at: subscribes to `stats:<id>` while a view wants it.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { VmStats } from '../../../core/api';
import { apiClient } from '../api/provider';
import { topicWatchers } from './topic-watchers';

const KEEP = 180;

export const useVmStatsStore = defineStore('vmStats', () => {
  const series = ref<Record<string, VmStats[]>>({});
  const { watch, unwatch } = topicWatchers('stats', async (id) => {
    const r = await apiClient().call('vm.stats', { id });
    if (r.ok) series.value = { ...series.value, [id]: [...r.data] };
  });

  function apply(id: string, stats: VmStats): void {
    const prev = series.value[id] ?? [];
    series.value = { ...series.value, [id]: [...prev, stats].slice(-KEEP) };
  }

  return { series, watch, unwatch, apply };
});
