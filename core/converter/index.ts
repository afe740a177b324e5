// core/converter (L5): P2V/V2V — disk images, block devices, foreign formats (through
// qemu-img), VMware .vmx folders, OVF/OVA and hot clones of running Linux machines become
// vmdesk VM folders; vmdesk VMs export as OVA. Imports storage, vmkernel, vmm, common, api.
export { ConverterError, ConversionCancelledError } from './errors';
export { type ConversionProgress, type ProgressListener } from './progress';
export { convertToVm, sourceKindOf, vmNameOf, type ConvertOptions, type ConvertResult, type SourceKind } from './convert';
export { type DiskType } from './disk/write-disk';
export { exportOva, type ExportOptions } from './ovf/ovf-export';
export { parseEnvelope, type OvfEnvelope } from './ovf/envelope';
export { type TargetHardware } from './vm-folder';
export { hotCloneToVm, isAgentSource, parseAgentSource, type HotCloneOptions } from './hotclone/hot-clone';
export { ConverterAgent, type AgentOptions } from './hotclone/agent';
export { LIVE_ROOT_EXCLUDES } from './hotclone/tree-walk';
