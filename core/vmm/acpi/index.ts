// core/vmm/acpi: the ACPI tables of the PC platform (RSDP, RSDT, FADT, FACS, MADT, DSDT with
// hand-encoded AML). The VM builder calls installAcpiTables(memory) and hands the returned
// `rsdp` to the Linux loader.
export * from './platform';
export * from './table-writer';
export * as aml from './aml';
export * as amlResources from './aml-resources';
export * from './rsdp';
export * from './rsdt';
export * from './fadt';
export * from './facs';
export * from './madt';
export * from './dsdt';
export * from './acpi-tables';
