// The datastore browser: one folder of one datastore at a time.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DatastoreListing } from '../../../core/api';
import { apiClient } from '../api/provider';

export const useDatastoresStore = defineStore('datastores', () => {
  const listing = ref<DatastoreListing | null>(null);
  const error = ref<string | null>(null);

  async function browse(datastore: string, path = ''): Promise<void> {
    const r = await apiClient().call('datastore.browse', { datastore, path });
    if (r.ok) {
      listing.value = r.data;
      error.value = null;
    } else error.value = r.error.message;
  }

  return { listing, error, browse };
});
