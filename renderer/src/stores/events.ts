// Events: what happened to which object, newest first.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { HostEvent } from '../../../core/api';
import { apiClient } from '../api/provider';

const KEEP = 200;

export const useEventsStore = defineStore('events', () => {
  const events = ref<HostEvent[]>([]);

  async function load(): Promise<void> {
    const r = await apiClient().call('events.list', { limit: KEEP });
    if (r.ok) events.value = [...r.data];
  }

  function apply(event: HostEvent): void {
    events.value = [event, ...events.value.filter((e) => e.id !== event.id)].slice(0, KEEP);
  }

  return { events, load, apply };
});
