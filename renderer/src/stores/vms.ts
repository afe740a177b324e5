// The host's VMs with their settings, and every operation on them. Operations resolve to
// an error message (shown where the user acted) or null.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ApiMethod, ApiResult, VmCreateSpec, VmInfo, VmReconfigureSpec } from '../../../core/api';
import { apiClient } from '../api/provider';

export type PowerOp = 'vm.powerOn' | 'vm.powerOff' | 'vm.reset' | 'vm.shutdown';

export const useVmsStore = defineStore('vms', () => {
  const byId = ref<Record<string, VmInfo>>({});
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    const r = await apiClient().call('vm.list', {});
    if (r.ok) {
      byId.value = Object.fromEntries(r.data.map((v) => [v.id, v]));
      error.value = null;
    } else error.value = r.error.message;
  }

  function settle(r: ApiResult<unknown>): string | null {
    if (r.ok) return null;
    error.value = r.error.message;
    return r.error.message;
  }

  async function afterChange<T>(r: ApiResult<T>): Promise<string | null> {
    const problem = settle(r);
    await load();
    return problem;
  }

  const create = async (spec: VmCreateSpec) => afterChange(await apiClient().call('vm.create', spec));
  const register = async (path: string) => afterChange(await apiClient().call('vm.register', { path }));
  const reconfigure = async (spec: VmReconfigureSpec) => afterChange(await apiClient().call('vm.reconfigure', spec));
  const rename = async (id: string, name: string) => afterChange(await apiClient().call('vm.rename', { id, name }));
  const remove = async (id: string) => afterChange(await apiClient().call('vm.delete', { id }));
  const unregister = async (id: string) => afterChange(await apiClient().call('vm.unregister', { id }));
  const power = async (op: PowerOp, id: string) => afterChange(await apiClient().call(op satisfies ApiMethod, { id }));

  function clearError(): void {
    error.value = null;
  }

  return { byId, error, load, create, register, reconfigure, rename, remove, unregister, power, clearError };
});
