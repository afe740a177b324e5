// Debian's i686 kernel with `noapic acpi=off`: the 8259 PIC and the 8254 PIT alone (IRQ 0
// through XT-PIC is the tick). Without ACPI the kernel has no way to power the board off:
// kernel/reboot.c turns POWER_OFF into HALT, which ends in `cli; hlt` (native_machine_halt),
// and vmdesk run treats a CPU halted with interrupts off as powered off.
import { describeLinuxBoot } from './linux-boot-checks';

describeLinuxBoot('Linux boot on PIC and PIT (noapic acpi=off)', {
  append: 'noapic acpi=off',
  timerRow: /^\s*0:.*\btimer\b/,
  flags: ['fpu', 'tsc', 'msr', 'cx8', 'sep', 'cmov', 'pge', 'fxsr'],
});
