// Debian's i686 kernel on the default platform: local APIC, I/O APIC and ACPI. The tick is
// the local APIC timer ("LOC"), and `poweroff -f` reaches the machine through ACPI S5.
import { describeLinuxBoot } from './linux-boot-checks';

describeLinuxBoot('Linux boot with APIC and ACPI', {
  append: '',
  timerRow: /^\s*LOC:/,
  flags: ['fpu', 'tsc', 'msr', 'cx8', 'apic', 'sep', 'cmov', 'pge', 'fxsr'],
});
