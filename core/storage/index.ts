// core/storage (L1): disk formats (VMDK in all its subformats, raw), block backends for the
// disk controllers, conversion, and datastores with leased locks. Imports only core/common.
export * from './errors';
export { SECTOR_SIZE, type BlockBackend } from './block-backend';
export { RawBackend } from './raw-backend';
export { PositionalFile, isZero } from './file-io';
export { detectFormat, openImage, type ImageFormat } from './image';
export { convertImage, copyData, type ConvertOptions } from './convert';
export { parseSize, formatSize } from './size';
export { diskInfo, type DiskInfo } from './info';
export * from './vmdk';
export * from './qcow2';
export * from './datastore';
