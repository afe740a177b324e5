// core/vmm/boot/linux: the Linux x86 boot protocol (bzImage, 32-bit entry). The VM builder
// calls loadLinuxKernel(memory, { kernel, kernelName, initrd, cmdline, acpiRsdp }) and loads
// the returned `entry` into the vCPU.
export * from './setup-header';
export * from './boot-params';
export * from './linux-loader';
