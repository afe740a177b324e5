// core/storage/qcow2: a read-only reader of QEMU's qcow2 format (versions 2 and 3), for converters.
export { Qcow2Image } from './qcow2-image';
export { QCOW2_MAGIC, type Qcow2Header, parseQcow2Header } from './qcow2-header';
