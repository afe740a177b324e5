// Serial consoles: the output of each watched VM (history, then live chunks in order) and
// typing into it. Bytes stay bytes; the terminal view decodes them.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { base64ToBytes, bytesToBase64, type ConsoleChunk } from '../../../core/api';
import { apiClient } from '../api/provider';
import { topicWatchers } from './topic-watchers';

const KEEP = 256 * 1024;

interface ConsoleState {
  bytes: Uint8Array;
  /** Offset just past the last byte received. */
  end: number;
}

export const useConsoleStore = defineStore('console', () => {
  const consoles = ref<Record<string, ConsoleState>>({});
  const error = ref<string | null>(null);

  function append(id: string, offset: number, data: Uint8Array): void {
    const cur = consoles.value[id] ?? { bytes: new Uint8Array(), end: 0 };
    const skip = Math.max(0, cur.end - offset);
    if (skip >= data.length && offset <= cur.end) return;
    const fresh = data.subarray(skip);
    const joined = new Uint8Array(cur.bytes.length + fresh.length);
    joined.set(cur.bytes);
    joined.set(fresh, cur.bytes.length);
    consoles.value = { ...consoles.value, [id]: { bytes: joined.length > KEEP ? joined.slice(-KEEP) : joined, end: Math.max(cur.end, offset + data.length) } };
  }

  const watchers = topicWatchers('console', async (id) => {
    const r = await apiClient().call('vm.console', { id });
    if (r.ok) append(id, r.data.offset, base64ToBytes(r.data.data) ?? new Uint8Array());
    else error.value = r.error.message;
  });

  function apply(chunk: ConsoleChunk): void {
    if (!watchers.has(chunk.id)) return;
    append(chunk.id, chunk.offset, base64ToBytes(chunk.data) ?? new Uint8Array());
  }

  async function type(id: string, text: string): Promise<void> {
    const r = await apiClient().call('vm.consoleInput', { id, data: bytesToBase64(new TextEncoder().encode(text)) });
    error.value = r.ok ? null : r.error.message;
  }

  return { consoles, error, watch: watchers.watch, unwatch: watchers.unwatch, apply, type };
});
