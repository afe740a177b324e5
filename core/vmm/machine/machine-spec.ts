// Everything needed to build one PC, as plain data that crosses to the VM's worker.
// Kernel, initrd and firmware images are read by the host side and passed as bytes; disks
// are passed as paths and opened by the worker (block backends are file handles).

export interface DiskSpec {
  readonly path: string;
  readonly readOnly: boolean;
}

/** 'c' = first hard disk first, 'd' = CD-ROM first (SeaBIOS bootorder). */
export type BootDevice = 'c' | 'd';

export interface MachineSpec {
  readonly memoryMB: number;
  readonly kernel?: { readonly name: string; readonly data: Uint8Array };
  readonly initrd?: { readonly name: string; readonly data: Uint8Array };
  readonly cmdline?: string;
  /** Boot from reset through this BIOS (SeaBIOS) instead of loading the kernel directly. */
  readonly firmware?: { readonly bios: Uint8Array; readonly vgaBios?: Uint8Array };
  /** IDE hard disks: the first is the primary master (the second, primary slave). */
  readonly disks?: readonly DiskSpec[];
  /** An ISO image in the secondary master ATAPI CD-ROM (always read-only). */
  readonly cdrom?: string;
  readonly bootOrder?: readonly BootDevice[];
  /** The QEMU-style isa-debug-exit port at 0x501 (test guests). */
  readonly debugExit: boolean;
  /** Guest resets end the VM instead of restarting it. */
  readonly noReboot: boolean;
  /** Use the local APIC, I/O APIC and ACPI tables (else PIC and PIT only). */
  readonly apic: boolean;
}
