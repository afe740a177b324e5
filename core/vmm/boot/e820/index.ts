// core/vmm/boot/e820: the PC memory map of PLATFORM.md for a given RAM size.
export * from './e820-map';
