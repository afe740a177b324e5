// Host facts and live stats for the Summary tab.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HostInfo, HostStats, SessionInfo } from '../../../core/api';
import { apiClient } from '../api/provider';

export const useHostStore = defineStore('host', () => {
  const info = ref<HostInfo | null>(null);
  const stats = ref<HostStats | null>(null);
  const error = ref<string | null>(null);
  const session = ref<SessionInfo | null>(null);

  async function load(): Promise<void> {
    const [i, s, who] = await Promise.all([apiClient().call('host.info', {}), apiClient().call('host.stats', {}), apiClient().call('session.info', {})]);
    if (who.ok) session.value = who.data;
    if (i.ok) {
      info.value = i.data;
      error.value = null;
    } else error.value = i.error.message;
    if (s.ok && s.data) stats.value = s.data;
  }

  function applyStats(next: HostStats): void {
    stats.value = next;
  }

  return { info, stats, error, session, load, applyStats };
});
