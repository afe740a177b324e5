// core/vmm/boot/multiboot: Multiboot v1 (flat a.out-kludge and ELF32 kernels, modules).
// The VM builder calls loadMultibootKernel(memory, { kernel, kernelName, cmdline, modules }).
export * from './multiboot-header';
export * from './elf32';
export * from './multiboot-info';
export * from './multiboot-loader';
