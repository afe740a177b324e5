// core/devices/ide: the PIIX3 IDE controller (PCI 8086:7010) with two channels of ATA disks
// over BlockBackends and ATAPI CD-ROMs, PIO and bus-master DMA. Wiring: `attachIde(ports,
// pci, new Piix3Ide({ memory, irqPrimary: irq(14), irqSecondary: irq(15), primaryMaster: new AtaDisk(backend), secondaryMaster: new AtapiCdrom({ medium }) }))`.
export { Piix3Ide, attachIde, IDE_LEGACY, type Piix3IdeOptions, type Piix3IdeState } from './piix3-ide';
export { IdeChannel, type IdeChannelOptions } from './ide-channel';
export type { IdeChannelState } from './state';
export { AtaDisk, AtapiCdrom, IdeError, type IdeDrive, type DriveIdentity, type TransferModes } from './ide-drives';
export { BusMasterChannel } from './bus-master';
export { ataIdentify, atapiIdentify } from './identify';
export * as ata from './ata-defs';
