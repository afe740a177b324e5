// core/devices/fw-cfg: QEMU's firmware configuration interface (selector 0x510, data 0x511,
// DMA 0x514 on a PC) with the PC items SeaBIOS reads and the ACPI linker/loader builder.
// Wiring: `ports.register('fw-cfg', 0x510, 12, new FwCfg({ memory }))`, then
// `addPcFirmwareItems(fwcfg, …)`.
export * from './keys';
export { FwCfg, FwCfgError, type FwCfgOptions, type FwCfgItemOptions, type FwCfgState } from './fw-cfg';
export * from './encode';
export * from './table-loader';
export * from './pc-items';

/** Port range of the device on a PC: 0x510 selector, 0x511 data, 0x514–0x51B DMA address. */
export const FW_CFG_PORT_BASE = 0x510;
export const FW_CFG_PORT_COUNT = 12;
