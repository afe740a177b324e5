// core/vmm/boot: kernel loading without firmware: the Linux boot protocol, Multiboot v1, the
// PC e820 map, and loadKernel() which picks between them for `vmdesk run --kernel`.
export * from './common';
export * from './e820';
export * from './linux';
export * from './multiboot';
export * from './load-kernel';
