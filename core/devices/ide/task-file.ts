// One drive's view of the command block registers (ATA/ATAPI-6 §7). Both drives on a
// channel latch every register write (§9.16, "device selection"); each keeps the value
// written before as the 48-bit "previous content" read back with HOB set (§6.20).
export class TaskFile {
  feature = 0;
  nsector = 0;
  sector = 0;
  lcyl = 0;
  hcyl = 0;
  hobFeature = 0;
  hobNsector = 0;
  hobSector = 0;
  hobLcyl = 0;
  hobHcyl = 0;
  select = 0xa0;
  status = 0;
  error = 0;

  /** Reset signature (§9.12): 01/01 then 00/00 for ATA, 14h/EBh for ATAPI, FFh/FFh for no device. */
  signature(kind: 'disk' | 'cdrom' | undefined): void {
    this.nsector = 1;
    this.sector = 1;
    this.lcyl = kind === 'cdrom' ? 0x14 : kind === 'disk' ? 0 : 0xff;
    this.hcyl = kind === 'cdrom' ? 0xeb : kind === 'disk' ? 0 : 0xff;
    this.select = 0xa0;
  }

  save(): Record<string, number> {
    return { ...this } as unknown as Record<string, number>;
  }

  restore(s: Record<string, unknown>): void {
    for (const k of Object.keys(this) as (keyof TaskFile)[]) {
      const v = s[k];
      if (typeof v === 'number') (this as unknown as Record<string, number>)[k] = v & 0xff;
    }
  }
}
