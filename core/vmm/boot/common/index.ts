// core/vmm/boot/common: what both boot loaders share: the error type, the kernel-file reader,
// the CPU entry state they return and the flat GDT, and the low-memory layout.
export * from './boot-error';
export * from './kernel-file';
export * from './entry-state';
export * from './low-memory';
