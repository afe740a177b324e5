// core/vmm/initramfs: the newc cpio writer (reused by the converter) and the busybox
// initramfs layout the guest-image script builds.
export * from './cpio-newc';
export * from './busybox-initramfs';
