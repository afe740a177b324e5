// The Converter wizard over an API client with fixed answers: reachable from the toolbar, it
// sends the converter.convert spec the user filled in, follows the host task's progress, and
// shows the result, or the host's error naming the file and the check that failed.
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import type { ApiResult, InventoryTree, TaskInfo, VmInfo } from '../../core/api';
import App from '../../renderer/src/App.vue';
import { provideApiClient } from '../../renderer/src/api/provider';
import { MemoryApiClient } from './memory-client';

const tree: InventoryTree = {
  datacenter: { id: 'datacenter-1', name: 'Datacenter' },
  hosts: [
    {
      id: 'host-esx01',
      name: 'esx01',
      vms: [],
      datastores: [{ id: 'datastore-ssd1', name: 'ssd1', path: '/vmfs/ssd1', capacityBytes: 2 ** 40, freeBytes: 2 ** 39, accessible: true }],
      networks: [{ id: 'network-vm', name: 'VM Network' }],
    },
  ],
};

const converted: VmInfo = { id: 'vm-3', name: 'p2v01', powerState: 'poweredOff', datastore: 'ssd1', vmxPath: '[ssd1] p2v01/p2v01.vmx', hardware: null };

function client(convert: (p: unknown) => Promise<ApiResult<VmInfo>>) {
  return new MemoryApiClient({
    'host.info': { name: 'esx01', cpuModel: 'x', cpuCores: 2, memoryBytes: 2 ** 32, vmdeskVersion: '0', uptimeSeconds: 1, platform: 'Linux' },
    'host.stats': null,
    'session.info': { loginRequired: false },
    'inventory.tree': tree,
    'vm.list': [],
    'tasks.list': [],
    'events.list': [],
    'events.subscribe': (p) => ({ ok: true, data: p.topics }),
    'events.unsubscribe': () => ({ ok: true, data: [] }),
    'converter.convert': convert as never,
  });
}

async function openWizard(c: MemoryApiClient) {
  provideApiClient(c);
  const wrapper = mount(App, { global: { plugins: [createPinia()] }, attachTo: document.body });
  await flushPromises();
  await wrapper.find('[data-action="open-converter"]').trigger('click');
  expect(wrapper.find('[aria-label="Converter"]').exists()).toBe(true);
  return wrapper;
}

const task = (progress: number, state: TaskInfo['state'] = 'running'): TaskInfo => ({ id: 'task-9', name: 'Convert virtual machine', target: 'p2v01', state, progress, startedAt: 1 });

describe('Converter wizard', () => {
  it('walks source, destination, options and summary, then follows the task to the result', async () => {
    let finish!: (r: ApiResult<VmInfo>) => void;
    const c = client(() => new Promise((resolve) => (finish = resolve)));
    const wrapper = await openWizard(c);
    expect(wrapper.find('[data-action="next"]').attributes('disabled')).toBeDefined();
    await wrapper.find('input[name="conv-kind"][value="ovf"]').setValue(true);
    await wrapper.find('input[name="conv-source"]').setValue('/exports/app.ova');
    await wrapper.find('[data-action="next"]').trigger('click');
    expect(wrapper.find('input[name="conv-host"]').element).toHaveProperty('value', 'esx01');
    expect(wrapper.find('select[name="conv-datastore"]').element).toHaveProperty('value', 'ssd1');
    await wrapper.find('[data-action="next"]').trigger('click');
    await wrapper.find('input[name="conv-name"]').setValue('p2v01');
    await wrapper.find('input[name="conv-derive"]').setValue(false);
    await wrapper.find('input[name="conv-memory"]').setValue(512);
    await wrapper.find('input[name="conv-disk-type"][value="thick"]').setValue(true);
    await wrapper.find('[data-action="next"]').trigger('click');
    expect(wrapper.find('.review').text()).toContain('[ssd1] p2v01/p2v01.vmx on esx01');
    await wrapper.find('[data-action="finish"]').trigger('click');
    expect(c.calls.find((x) => x.method === 'converter.convert')!.params).toEqual({ source: '/exports/app.ova', datastore: 'ssd1', name: 'p2v01', diskType: 'thick', memoryMB: 512, cpus: 1 });
    c.push({ event: 'task.updated', data: task(40) });
    await flushPromises();
    expect(wrapper.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('40');
    expect(wrapper.find('[data-action="close"]').attributes('disabled')).toBeDefined();
    finish({ ok: true, data: converted });
    c.push({ event: 'task.updated', data: task(100, 'success') });
    await flushPromises();
    expect(wrapper.find('[data-result]').text()).toBe('Converted and registered: [ssd1] p2v01/p2v01.vmx');
    await wrapper.find('[data-action="close"]').trigger('click');
    expect(wrapper.find('[aria-label="Converter"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('a hot clone needs HOST:PORT and the token; the host\'s error is shown on the progress page', async () => {
    const c = client(async () => ({ ok: false, error: { code: 'forbidden', message: 'converter-agent: authentication failed (wrong token)' } }));
    const wrapper = await openWizard(c);
    await wrapper.find('input[name="conv-kind"][value="agent"]').setValue(true);
    await wrapper.find('input[name="conv-source"]').setValue('10.0.0.5:9443');
    expect(wrapper.find('[data-action="next"]').attributes('disabled')).toBeDefined();
    await wrapper.find('input[name="conv-token"]').setValue('sesame-123');
    await wrapper.find('[data-action="next"]').trigger('click');
    await wrapper.find('[data-action="next"]').trigger('click');
    await wrapper.find('input[name="conv-name"]').setValue('web01');
    await wrapper.find('[data-action="next"]').trigger('click');
    await wrapper.find('[data-action="finish"]').trigger('click');
    await flushPromises();
    expect(c.calls.find((x) => x.method === 'converter.convert')!.params).toEqual({ source: 'agent://10.0.0.5:9443', datastore: 'ssd1', name: 'web01', diskType: 'thin', token: 'sesame-123' });
    expect(wrapper.find('[role="alert"]').text()).toBe('converter-agent: authentication failed (wrong token)');
    expect(wrapper.find('[data-action="back"]').exists()).toBe(true);
    wrapper.unmount();
  });
});
