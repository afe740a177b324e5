// Reference counts for the per-VM event topics a store follows while views want them
// (`stats:<id>`, `console:<id>`): the first watch of a VM subscribes to its topic and then
// loads what the host already has; the last unwatch unsubscribes. Several views of one VM
// share one subscription. It owns the counting and the (un)subscribe calls, not the data.
import type { Topic } from '../../../core/api';
import { apiClient } from '../api/provider';

export interface TopicWatchers {
  /** One more view wants this VM; the first one subscribes and then runs `load`. */
  watch(id: string): Promise<void>;
  /** One view less; the last one unsubscribes. */
  unwatch(id: string): void;
  /** Whether any view watches this VM (events for others are dropped). */
  has(id: string): boolean;
}

export function topicWatchers(kind: 'stats' | 'console', load: (id: string) => Promise<void>): TopicWatchers {
  const counts = new Map<string, number>();
  const topic = (id: string): Topic => `${kind}:${id}`;
  return {
    async watch(id) {
      const n = (counts.get(id) ?? 0) + 1;
      counts.set(id, n);
      if (n > 1) return;
      await apiClient().call('events.subscribe', { topics: [topic(id)] });
      await load(id);
    },
    unwatch(id) {
      const n = (counts.get(id) ?? 0) - 1;
      if (n > 0) return void counts.set(id, n);
      counts.delete(id);
      void apiClient().call('events.unsubscribe', { topics: [topic(id)] });
    },
    has: (id) => counts.has(id),
  };
}
