// Which dialog or menu is open: the New VM wizard, Edit Settings of a VM, a context menu.
import { defineStore } from 'pinia';
import { ref } from 'vue';

export const useUiStore = defineStore('ui', () => {
  const wizardOpen = ref(false);
  const editVmId = ref<string | null>(null);
  const menu = ref<{ vmId: string; x: number; y: number } | null>(null);

  return {
    wizardOpen,
    editVmId,
    menu,
    openWizard: () => void (wizardOpen.value = true),
    closeWizard: () => void (wizardOpen.value = false),
    editVm: (id: string) => void (editVmId.value = id),
    closeEdit: () => void (editVmId.value = null),
    openMenu: (vmId: string, x: number, y: number) => void (menu.value = { vmId, x, y }),
    closeMenu: () => void (menu.value = null),
  };
});
