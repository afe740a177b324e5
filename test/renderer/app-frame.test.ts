// The VirtualCenter frame renders the inventory, the host Summary and Recent Tasks from
// what the API client returns, and follows the event stream.
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import type { HostInfo, InventoryTree } from '../../core/api';
import App from '../../renderer/src/App.vue';
import { provideApiClient } from '../../renderer/src/api/provider';
import { MemoryApiClient } from './memory-client';

const info: HostInfo = {
  name: 'esx01.lab',
  cpuModel: 'Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz',
  cpuCores: 28,
  memoryBytes: 256 * 2 ** 30,
  vmdeskVersion: '0.1.0',
  uptimeSeconds: 7200,
  platform: 'Linux 6.1.0 x64',
};

const tree: InventoryTree = {
  datacenter: { id: 'datacenter-1', name: 'Datacenter' },
  hosts: [
    {
      id: 'host-esx01',
      name: 'esx01.lab',
      vms: [],
      datastores: [{ id: 'datastore-ssd1', name: 'ssd1', path: '/vmfs/ssd1', capacityBytes: 2 * 2 ** 40, freeBytes: 2 ** 40, accessible: true }],
      networks: [{ id: 'network-vm', name: 'VM Network' }],
    },
  ],
};

async function mountApp() {
  const client = new MemoryApiClient({
    'host.info': info,
    'host.stats': null,
    'inventory.tree': tree,
    'vm.list': [],
    'events.list': [],
    'session.info': { loginRequired: false },
    'tasks.list': [{ id: 'task-1', name: 'Refresh datastores', target: 'esx01.lab', state: 'success', progress: 100, startedAt: 1, finishedAt: 2 }],
  });
  provideApiClient(client);
  const wrapper = mount(App, { global: { plugins: [createPinia()] } });
  await flushPromises();
  return { wrapper, client };
}

describe('app frame', () => {
  it('shows the host and its datastore in the tree and the host Summary first', async () => {
    const { wrapper } = await mountApp();
    expect(wrapper.find('[data-host="esx01.lab"]').exists()).toBe(true);
    expect(wrapper.find('[data-datastore="ssd1"]').text()).toContain('ssd1');
    expect(wrapper.find('[role="tab"][aria-selected="true"]').text()).toBe('Summary');
    expect(wrapper.find('[data-field="cpu-model"]').text()).toBe(info.cpuModel);
    expect(wrapper.find('[data-field="cpu-cores"]').text()).toBe('28');
    expect(wrapper.find('[data-field="memory"]').text()).toBe('256 GB');
    expect(wrapper.find('[data-task="Refresh datastores"]').text()).toContain('Completed');
  });

  it('shows a datastore’s capacity when it is selected', async () => {
    const { wrapper } = await mountApp();
    await wrapper.find('[data-datastore="ssd1"] button').trigger('click');
    expect(wrapper.find('[data-field="capacity"]').text()).toBe('2.00 TB');
    expect(wrapper.find('[data-field="free"]').text()).toBe('1.00 TB');
  });

  it('updates CPU usage and tasks from the event stream', async () => {
    const { wrapper, client } = await mountApp();
    expect(wrapper.find('[data-field="cpu-usage"]').text()).toBe('—');
    client.push({ event: 'host.stats', data: { time: 3, cpuPercent: 37.4, memoryUsedBytes: 2 ** 30, memoryBytes: 2 ** 31 } });
    client.push({ event: 'task.updated', data: { id: 'task-2', name: 'Power On virtual machine', target: 'vm1', state: 'running', progress: 40, startedAt: 5 } });
    await flushPromises();
    expect(wrapper.find('[data-field="cpu-usage"]').text()).toBe('37 %');
    expect(wrapper.find('[data-task="Power On virtual machine"]').text()).toContain('40 %');
  });
});
