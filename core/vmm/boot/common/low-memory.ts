// Where the loaders put their own structures in low RAM (the kernel image starts at 1 MiB).
// Below 0x9FC00, away from the real-mode IVT/BDA, as QEMU and Firecracker lay it out.
export const LOW_MEMORY = {
  /** The flat GDT (32 bytes). */
  gdt: 0x500,
  /** Initial ESP; the stack grows down from just below the zero page. */
  stackTop: 0x7000,
  /** Linux zero page (struct boot_params), or the Multiboot info block and its tables. */
  bootInfo: 0x7000,
  /** Room for bootInfo and what hangs off it (mmap, module list, strings). */
  bootInfoSize: 0x9000,
  /** The kernel command line. */
  cmdline: 0x20000,
  /** Longest command line we place (Linux 2.06+ says its own limit in cmdline_size). */
  cmdlineMax: 0x10000,
  /** Protected-mode kernel load address (boot.rst: "loaded at 0x100000"). */
  kernel: 0x100000,
} as const;
