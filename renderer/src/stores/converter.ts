// The Converter wizard's state and its one call: converter.convert (the host converts and
// registers the VM as a task; the task's progress arrives through the tasks store).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { TaskInfo, VmConvertSpec, VmInfo } from '../../../core/api';
import { apiClient } from '../api/provider';
import { useTasksStore } from './tasks';
import { useVmsStore } from './vms';

export const CONVERT_TASK = 'Convert virtual machine';

export const useConverterStore = defineStore('converter', () => {
  const wizardOpen = ref(false);
  const running = ref<string | null>(null);
  const result = ref<VmInfo | null>(null);
  const problem = ref<string | null>(null);
  const tasks = useTasksStore();

  /** The host's task for the conversion now running (its progress and state). */
  const task = computed<TaskInfo | undefined>(() => (running.value ? tasks.tasks.find((t) => t.name === CONVERT_TASK && t.target === running.value) : undefined));

  async function convert(spec: VmConvertSpec): Promise<string | null> {
    running.value = spec.name;
    result.value = null;
    problem.value = null;
    const r = await apiClient().call('converter.convert', spec);
    await useVmsStore().load();
    if (r.ok) result.value = r.data;
    else problem.value = r.error.message;
    return problem.value;
  }

  function open(): void {
    wizardOpen.value = true;
    running.value = null;
    result.value = null;
    problem.value = null;
  }

  return { wizardOpen, running, result, problem, task, convert, open, close: () => void (wizardOpen.value = false) };
});
