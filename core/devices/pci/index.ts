// core/devices/pci: configuration mechanism #1 (0xCF8/0xCFC, reset control 0xCF9), bus 0,
// config spaces with BAR sizing, and the 440FX host bridge and PIIX3 ISA bridge.
export { PciConfigSpace, type PciIdentity, type BarDefinition } from './config-space';
export { PciBus, PciBusError, PciFunctionBase, type PciFunction, type PciBusState } from './pci-bus';
export { PciConfigMechanism1, type PciConfigMechanismOptions, type PciConfigMechanismState } from './config-mechanism';
export { HostBridge440fx, IsaBridgePiix3 } from './chipset';
