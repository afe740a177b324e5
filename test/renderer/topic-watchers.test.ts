// Two views of one VM share its event subscription: the first watch subscribes and loads the
// history, the console keeps taking live output while either view is open, and only the
// last one to leave unsubscribes (after which output for that VM is dropped).
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { bytesToBase64, type VmStats } from '../../core/api';
import { provideApiClient } from '../../renderer/src/api/provider';
import { useConsoleStore } from '../../renderer/src/stores/console';
import { useVmStatsStore } from '../../renderer/src/stores/vm-stats';
import { MemoryApiClient } from './memory-client';

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

describe('per-VM topic watchers', () => {
  it('one subscription for two console views, unsubscribed when the last one leaves', async () => {
    const c = new MemoryApiClient({
      'events.subscribe': (p) => ({ ok: true, data: p.topics }),
      'events.unsubscribe': (p) => ({ ok: true, data: p.topics }),
      'vm.console': () => ({ ok: true, data: { id: 'vm-1', offset: 0, end: 5, powerState: 'poweredOn', data: bytesToBase64(new TextEncoder().encode('boot\n')) } }),
    });
    provideApiClient(c);
    setActivePinia(createPinia());
    const consoles = useConsoleStore();
    const topics = (m: string) => c.calls.filter((x) => x.method === m).map((x) => x.params);

    await consoles.watch('vm-1');
    await consoles.watch('vm-1');
    expect(topics('events.subscribe')).toEqual([{ topics: ['console:vm-1'] }]);
    expect(topics('vm.console')).toEqual([{ id: 'vm-1' }]);
    expect(text(consoles.consoles['vm-1']?.bytes)).toBe('boot\n');

    consoles.unwatch('vm-1');
    consoles.apply({ id: 'vm-1', offset: 5, data: bytesToBase64(new TextEncoder().encode('login: ')) });
    expect(text(consoles.consoles['vm-1']?.bytes)).toBe('boot\nlogin: ');
    expect(topics('events.unsubscribe')).toEqual([]);

    consoles.unwatch('vm-1');
    expect(topics('events.unsubscribe')).toEqual([{ topics: ['console:vm-1'] }]);
    consoles.apply({ id: 'vm-1', offset: 12, data: bytesToBase64(new TextEncoder().encode('root')) });
    expect(text(consoles.consoles['vm-1']?.bytes)).toBe('boot\nlogin: ');
  });

  it('stats: the first watch subscribes to stats:<id> and loads the series so far', async () => {
    const sample: VmStats = { time: 1, cpuPercent: 5, memoryUsedBytes: 1, memoryBytes: 2, diskReadBytes: 0, diskWriteBytes: 0, diskReads: 0, diskWrites: 0, diskReadRate: 0, diskWriteRate: 0, consoleBytes: 0 };
    const c = new MemoryApiClient({
      'events.subscribe': (p) => ({ ok: true, data: p.topics }),
      'events.unsubscribe': (p) => ({ ok: true, data: p.topics }),
      'vm.stats': () => ({ ok: true, data: [sample] }),
    });
    provideApiClient(c);
    setActivePinia(createPinia());
    const stats = useVmStatsStore();
    await stats.watch('vm-2');
    await stats.watch('vm-2');
    stats.unwatch('vm-2');
    stats.unwatch('vm-2');
    expect(c.calls.map((x) => [x.method, x.params])).toEqual([
      ['events.subscribe', { topics: ['stats:vm-2'] }],
      ['vm.stats', { id: 'vm-2' }],
      ['events.unsubscribe', { topics: ['stats:vm-2'] }],
    ]);
    expect(stats.series['vm-2']).toEqual([sample]);
  });
});
