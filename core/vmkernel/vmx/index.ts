// core/vmkernel/vmx: VMware's .vmx files and the VmConfig view of them.
export { VmxFile, VmxError } from './vmx-file';
export { readVmConfig, writeVmConfig, MEMORY_MB, MAX_CPUS, type VmConfig, type IdeDevice, type SerialPort, type NetworkAdapter, type DirectKernelBoot } from './vm-config';
