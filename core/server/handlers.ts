// The API's implementation: one handler per contract method, over a HostAgent. Handlers
// check the shape of what they are given; the host checks the meaning.
import { base64ToBytes, isTopic, type ApiMethod, type ApiParams, type ApiResultOf, type Topic } from '../api';
import { UsageError } from '../common';
import type { HostAgent } from '../vmkernel';
import { convertOnHost } from './converter-handler';
import type { CallContext } from './call-context';

export type ApiHandlers = { [M in ApiMethod]: (params: ApiParams<M>, context: CallContext) => Promise<ApiResultOf<M>> | ApiResultOf<M> };

function id(params: { id?: unknown }, method: string): string {
  if (typeof params.id !== 'string' || params.id === '') throw new UsageError(`api: ${method} needs the VM's id ("vm-N")`);
  return params.id;
}

function topics(params: { topics?: unknown }, method: string): Topic[] {
  const list = params.topics;
  if (!Array.isArray(list) || list.length > 100 || !list.every(isTopic)) {
    throw new UsageError(`api: ${method} needs topics like "stats:vm-1" or "console:vm-1"`);
  }
  return list;
}

export function createHandlers(host: HostAgent): ApiHandlers {
  const vms = host.vms;
  return {
    'host.info': () => host.info(),
    'host.stats': () => host.stats(),
    'inventory.tree': () => host.tree(),
    'session.info': (_p, ctx) => ({ loginRequired: ctx.loginRequired, ...(ctx.user ? { user: ctx.user } : {}) }),

    'vm.list': () => vms.list(),
    'vm.get': (p) => vms.get(id(p, 'vm.get')),
    'vm.create': (p) => vms.create(p),
    'vm.register': (p) => vms.register(p.path),
    'vm.unregister': (p) => vms.unregister(id(p, 'vm.unregister')),
    'vm.reconfigure': (p) => vms.reconfigure({ ...p, id: id(p, 'vm.reconfigure') }),
    'vm.rename': (p) => vms.rename(id(p, 'vm.rename'), p.name),
    'vm.delete': (p) => vms.delete(id(p, 'vm.delete')),
    'vm.powerOn': (p) => vms.powerOn(id(p, 'vm.powerOn')),
    'vm.powerOff': (p) => vms.powerOff(id(p, 'vm.powerOff')),
    'vm.reset': (p) => vms.reset(id(p, 'vm.reset')),
    'vm.shutdown': (p) => vms.shutdown(id(p, 'vm.shutdown')),
    'vm.console': (p) => vms.console(id(p, 'vm.console'), typeof p.since === 'number' ? p.since : undefined),
    'vm.consoleInput': (p) => {
      const bytes = typeof p.data === 'string' && p.data.length <= 65536 ? base64ToBytes(p.data) : null;
      if (!bytes) throw new UsageError('api: vm.consoleInput needs data as base64 (at most 48 KiB)');
      vms.consoleInput(id(p, 'vm.consoleInput'), bytes);
      return null;
    },
    'vm.stats': (p) => vms.statsHistory(id(p, 'vm.stats')),

    'converter.convert': (p) => convertOnHost(host, p),

    'datastore.browse': (p) => {
      if (typeof p.datastore !== 'string') throw new UsageError('api: datastore.browse needs a datastore name');
      if (p.path !== undefined && typeof p.path !== 'string') throw new UsageError('api: datastore.browse path must be a string');
      return host.browse(p.datastore, p.path);
    },
    'tasks.list': (p) => host.tasks.list(p),
    'events.list': (p) => host.events.list(p),
    'events.subscribe': (p, ctx) => {
      for (const t of topics(p, 'events.subscribe')) ctx.topics.add(t);
      return [...ctx.topics];
    },
    'events.unsubscribe': (p, ctx) => {
      for (const t of topics(p, 'events.unsubscribe')) ctx.topics.delete(t);
      return [...ctx.topics];
    },
  };
}
