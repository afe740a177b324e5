// core/storage/vmdk: the VMDK format (descriptor, KDMV sparse, COWD, flat, streamOptimized).
export * from './descriptor';
export * from './sparse-header';
export { VmdkDisk, type VmdkOpenOptions, writeFileAtomic } from './vmdk-disk';
export * from './create';
export { writeStreamOptimized, type StreamSource, type StreamWriteOptions } from './stream-writer';
export type { Extent, AllocationRun } from './extent';
export { GrainExtent } from './grain-extent';
export { createSnapshot, consolidate, revert, nextDeltaName, type SnapshotOptions } from './snapshot';
export { checkVmdk, type CheckReport } from './check';
export { growVmdk } from './grow';
