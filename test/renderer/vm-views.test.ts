// The VM views over an API client with fixed answers: the wizard sends the create spec the
// user filled in and shows the host's refusal; a VM shows in the tree with its power state;
// its Summary follows stats and console events it subscribed to; the console route renders.
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { bytesToBase64, type InventoryTree, type VmInfo } from '../../core/api';
import App from '../../renderer/src/App.vue';
import { provideApiClient } from '../../renderer/src/api/provider';
import { consoleText } from '../../renderer/src/console-text';
import { MemoryApiClient } from './memory-client';

const vm: VmInfo = {
  id: 'vm-7',
  name: 'web01',
  powerState: 'poweredOn',
  datastore: 'ssd1',
  vmxPath: '[ssd1] web01/web01.vmx',
  hardware: { memoryMB: 512, cpus: 1, guestOS: 'debian12', disks: [{ slot: 'ide0:0', fileName: 'web01.raw', sizeBytes: 2 ** 30 }], boot: 'disk', cpuShares: 1000, networkName: 'VM Network' },
};

const tree: InventoryTree = {
  datacenter: { id: 'datacenter-1', name: 'Datacenter' },
  hosts: [
    {
      id: 'host-esx01',
      name: 'esx01',
      vms: [{ id: vm.id, name: vm.name, powerState: vm.powerState }],
      datastores: [{ id: 'datastore-ssd1', name: 'ssd1', path: '/vmfs/ssd1', capacityBytes: 2 ** 40, freeBytes: 2 ** 39, accessible: true }],
      networks: [{ id: 'network-vm', name: 'VM Network' }],
    },
  ],
};

function client(extra: ConstructorParameters<typeof MemoryApiClient>[0] = {}) {
  return new MemoryApiClient({
    'host.info': { name: 'esx01', cpuModel: 'x', cpuCores: 2, memoryBytes: 2 ** 32, vmdeskVersion: '0', uptimeSeconds: 1, platform: 'Linux' },
    'host.stats': null,
    'session.info': { loginRequired: false },
    'inventory.tree': tree,
    'vm.list': [vm],
    'tasks.list': [],
    'events.list': [],
    'events.subscribe': (p) => ({ ok: true, data: p.topics }),
    'events.unsubscribe': () => ({ ok: true, data: [] }),
    'vm.stats': [],
    'vm.console': { id: vm.id, data: bytesToBase64(new TextEncoder().encode('Debian GNU/Linux 12 web01 ttyS0\r\n\r\nweb01 login: ')), offset: 0, end: 48, powerState: 'poweredOn' },
    ...extra,
  });
}

async function mountApp(c: MemoryApiClient) {
  provideApiClient(c);
  const wrapper = mount(App, { global: { plugins: [createPinia()] }, attachTo: document.body });
  await flushPromises();
  return wrapper;
}

describe('VM views', () => {
  it('shows the VM in the tree with its power state, and its Summary with live stats and console', async () => {
    const c = client();
    const wrapper = await mountApp(c);
    const item = wrapper.find('[data-vm="web01"]');
    expect(item.attributes('data-power-state')).toBe('poweredOn');
    expect(item.find('.icon').attributes('aria-label')).toBe('Powered On');
    await item.find('button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-field="vm-memory"]').text()).toBe('512 MB');
    expect(wrapper.find('[data-field="disk"]').text()).toBe('web01.raw — 1.00 GB');
    // It boots its disk through the BIOS, so it has a screen: the graphical console is offered.
    expect(wrapper.find('[data-action="launch-screen"]').text()).toBe('Launch Graphical Console');
    expect(c.calls.filter((x) => x.method === 'events.subscribe').map((x) => x.params)).toEqual([{ topics: ['stats:vm-7'] }, { topics: ['console:vm-7'] }]);
    expect(wrapper.find('[data-field="console-preview"]').text()).toContain('web01 login:');

    c.push({
      event: 'vm.stats',
      data: {
        id: vm.id,
        stats: {
          time: 1,
          cpuPercent: 42,
          memoryUsedBytes: 2 ** 27,
          memoryBytes: 2 ** 29,
          diskReadBytes: 3 * 2 ** 20,
          diskWriteBytes: 2 ** 20,
          diskReads: 120,
          diskWrites: 8,
          diskReadRate: 2 ** 20,
          diskWriteRate: 2 ** 19,
          consoleBytes: 0,
        },
      },
    });
    c.push({ event: 'vm.console', data: { id: vm.id, offset: 48, data: bytesToBase64(new TextEncoder().encode('root\r\n')) } });
    await flushPromises();
    const latest = wrapper.findAll('[data-field="latest"]').map((w) => w.text());
    expect(latest).toEqual(['42 %', '128 MB', '1.50 MB/s']);
    expect(wrapper.find('[data-field="disk-read"]').text()).toBe('3.00 MB in 120 requests');
    expect(wrapper.find('[data-field="disk-write"]').text()).toBe('1.00 MB in 8 requests');
    expect(wrapper.find('[data-field="console-preview"]').text()).toContain('web01 login: root');
    expect(wrapper.find('[data-action="power-on"]').attributes('disabled')).toBeDefined();
    expect(wrapper.find('[data-action="power-off"]').attributes('disabled')).toBeUndefined();
    wrapper.unmount();
  });

  it('creates a VM with the wizard and shows the host’s refusal on the last page', async () => {
    let answer: 'refuse' | 'accept' = 'refuse';
    const c = client({
      'vm.create': () =>
        answer === 'refuse' ? { ok: false, error: { code: 'conflict', message: 'vm: a virtual machine named "db01" is already registered on this host' } } : { ok: true, data: vm },
    });
    const wrapper = await mountApp(c);
    await wrapper.find('[data-action="new-vm"]').trigger('click');
    expect(wrapper.find('[data-action="next"]').attributes('disabled')).toBeDefined();
    await wrapper.find('input[name="vm-name"]').setValue('db01');
    await wrapper.find('[data-action="next"]').trigger('click');
    await wrapper.find('input[name="vm-memory"]').setValue(1024);
    await wrapper.find('[data-action="next"]').trigger('click');
    await wrapper.find('input[name="vm-disk-size"]').setValue(20);
    await wrapper.find('input[name="vm-provisioning"][value="eagerzeroedthick"]').setValue(true);
    await wrapper.find('[data-action="next"]').trigger('click');
    await wrapper.find('input[name="vm-boot"][value="kernel"]').setValue(true);
    expect(wrapper.find('[data-action="next"]').attributes('disabled')).toBeDefined();
    await wrapper.find('input[name="vm-kernel"]').setValue('/boot/vmlinuz-6.1.0-686');
    await wrapper.find('input[name="vm-initrd"]').setValue('/boot/initrd.img');
    await wrapper.find('[data-action="next"]').trigger('click');
    await wrapper.find('[data-action="finish"]').trigger('click');
    await flushPromises();
    expect(c.calls.find((x) => x.method === 'vm.create')!.params).toEqual({
      name: 'db01',
      datastore: 'ssd1',
      memoryMB: 1024,
      cpus: 1,
      guestOS: 'other26xlinux',
      boot: 'kernel',
      disk: { sizeGB: 20, provisioning: 'eagerzeroedthick' },
      kernel: { kernel: '/boot/vmlinuz-6.1.0-686', initrd: '/boot/initrd.img', append: 'console=ttyS0' },
    });
    expect(wrapper.find('[role="dialog"] [role="alert"]').text()).toBe('vm: a virtual machine named "db01" is already registered on this host');
    answer = 'accept';
    await wrapper.find('[data-action="finish"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[aria-label="New Virtual Machine"]').exists()).toBe(false);
    wrapper.unmount();
  });

  it('renders the console route as its own window and types into the VM', async () => {
    window.location.hash = '#/vm/vm-7/console';
    const c = client({ 'vm.consoleInput': () => ({ ok: true, data: null }) });
    const wrapper = await mountApp(c);
    expect(wrapper.find('.console-window header strong').text()).toBe('web01');
    expect(wrapper.find('.terminal').text()).toContain('web01 login:');
    // xterm takes keys on its helper textarea.
    const keys = wrapper.find('.terminal textarea');
    await keys.trigger('keydown', { key: 'l', keyCode: 76 });
    await keys.trigger('keydown', { key: 'Enter', keyCode: 13 });
    await keys.trigger('keydown', { key: 'c', keyCode: 67, ctrlKey: true });
    await flushPromises();
    const sent = c.calls.filter((x) => x.method === 'vm.consoleInput').map((x) => atob((x.params as { data: string }).data));
    expect(sent).toEqual(['l', '\r', '\x03']);
    wrapper.unmount();
    window.location.hash = '';
  });

  it('turns console bytes into text as a terminal shows it', () => {
    const bytes = new TextEncoder().encode('\x1b[1;32mOK\x1b[0m boot\r\nabc\bd\r\n\tx\rY');
    expect(consoleText(bytes)).toBe('OK boot\nabd\nY       x');
  });
});
