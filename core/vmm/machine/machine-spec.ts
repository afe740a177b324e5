// Everything needed to build one PC, as plain data that crosses to the VM's worker.
// Files are read by the host side and passed as bytes, so the worker touches no paths.

export interface MachineSpec {
  readonly memoryMB: number;
  readonly kernel?: { readonly name: string; readonly data: Uint8Array };
  readonly initrd?: { readonly name: string; readonly data: Uint8Array };
  readonly cmdline?: string;
  /** The QEMU-style isa-debug-exit port at 0x501 (test guests). */
  readonly debugExit: boolean;
  /** Guest resets end the VM instead of restarting it. */
  readonly noReboot: boolean;
  /** Use the local APIC, I/O APIC and ACPI tables (else PIC and PIT only). */
  readonly apic: boolean;
}
