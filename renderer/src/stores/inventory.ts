// The inventory tree and which node is selected.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DatastoreSummary, HostNode, InventoryTree, VmSummary } from '../../../core/api';
import { apiClient } from '../api/provider';

export type Selection =
  | { kind: 'datacenter' }
  | { kind: 'host'; id: string }
  | { kind: 'vm'; id: string }
  | { kind: 'datastore'; id: string }
  | { kind: 'network'; id: string };

export const useInventoryStore = defineStore('inventory', () => {
  const tree = ref<InventoryTree | null>(null);
  const error = ref<string | null>(null);
  const selection = ref<Selection>({ kind: 'datacenter' });

  async function load(): Promise<void> {
    const r = await apiClient().call('inventory.tree', {});
    if (r.ok) {
      apply(r.data);
      error.value = null;
    } else error.value = r.error.message;
  }

  function apply(next: InventoryTree): void {
    const first = tree.value === null;
    tree.value = next;
    if (first && next.hosts[0]) selection.value = { kind: 'host', id: next.hosts[0].id };
    // A VM that went away (deleted, unregistered) leaves its host selected.
    const s = selection.value;
    if (s.kind === 'vm' && !next.hosts.some((h) => h.vms.some((v) => v.id === s.id)) && next.hosts[0]) {
      selection.value = { kind: 'host', id: next.hosts[0].id };
    }
  }

  function select(next: Selection): void {
    selection.value = next;
  }

  const selectedHost = computed<HostNode | undefined>(() => {
    const s = selection.value;
    const hosts = tree.value?.hosts ?? [];
    if (s.kind === 'host') return hosts.find((h) => h.id === s.id);
    if (s.kind === 'datastore') return hosts.find((h) => h.datastores.some((d) => d.id === s.id));
    if (s.kind === 'vm') return hosts.find((h) => h.vms.some((v) => v.id === s.id));
    return undefined;
  });

  /** The selected datastore or VM, looked up in every host's `list`; undefined for another kind. */
  function selectedIn<T extends { readonly id: string }>(kind: 'datastore' | 'vm', list: (h: HostNode) => readonly T[]): T | undefined {
    const s = selection.value;
    if (s.kind === 'datacenter' || s.kind !== kind) return undefined;
    return (tree.value?.hosts ?? []).flatMap(list).find((x) => x.id === s.id);
  }

  const selectedDatastore = computed<DatastoreSummary | undefined>(() => selectedIn('datastore', (h) => h.datastores));
  const selectedVm = computed<VmSummary | undefined>(() => selectedIn('vm', (h) => h.vms));

  const datastores = computed<DatastoreSummary[]>(() => (tree.value?.hosts ?? []).flatMap((h) => h.datastores));

  return { tree, error, selection, load, apply, select, selectedHost, selectedDatastore, selectedVm, datastores };
});
