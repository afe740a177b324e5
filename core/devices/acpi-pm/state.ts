// Saved state of the ACPI PM block. The PM timer itself is derived from the clock.
export const ACPI_PM_STATE_VERSION = 1;

export interface AcpiPmState {
  version: typeof ACPI_PM_STATE_VERSION;
  status: number;
  enable: number;
  control: number;
  gpeStatus: number;
  gpeEnable: number;
  lastCarry: number;
}
