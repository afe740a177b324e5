// Byte encoders for fw_cfg item contents: fixed-width little-endian numbers (QEMU's
// fw_cfg_add_i16/i32/i64 store little-endian), the `etc/e820` table, `bootorder` and
// `etc/system-states`. No device state here.

export function le16(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff);
}

export function le32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function le64(v: number): Uint8Array {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`fw-cfg: ${v} is not a whole number in 0..2^53`);
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, v % 0x1_0000_0000, true);
  dv.setUint32(4, Math.floor(v / 0x1_0000_0000), true);
  return b;
}

export function asciiz(s: string): Uint8Array {
  const b = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** e820 entry types (ACPI 6.x §15, "System Address Map Interfaces"). */
export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;

export interface E820Entry {
  address: number;
  length: number;
  type: number;
}

/** `etc/e820`: packed { u64 address; u64 length; u32 type } entries, little-endian (20 bytes each). */
export function encodeE820(entries: readonly E820Entry[]): Uint8Array {
  const out = new Uint8Array(entries.length * 20);
  entries.forEach((e, i) => {
    out.set(le64(e.address), i * 20);
    out.set(le64(e.length), i * 20 + 8);
    out.set(le32(e.type), i * 20 + 16);
  });
  return out;
}

/**
 * `bootorder`: one OpenFirmware device path a line, most preferred first, NUL-terminated
 * (SeaBIOS src/boot.c loadBootOrder), e.g. "/pci@i0cf8/ide@1,1/drive@0/disk@0".
 */
export function encodeBootOrder(paths: readonly string[]): Uint8Array {
  return asciiz(paths.map((p) => `${p}\n`).join(''));
}

/**
 * OpenFirmware path of an IDE device (disk or CD-ROM alike) on the PIIX3 at 00:01.1, as
 * SeaBIOS matches it (src/boot.c bootprio_find_ata_device: ".../drive@CHANNEL/disk@UNIT").
 */
export function ideBootPath(channel: 0 | 1, unit: 0 | 1): string {
  return `/pci@i0cf8/ide@1,1/drive@${channel}/disk@${unit}`;
}

/**
 * `etc/system-states`: six bytes, one per S0..S5; bit 7 set means the state is offered,
 * the low bits carry its SLP_TYP value (QEMU hw/acpi/core.c acpi_pm1_cnt_init).
 */
export function encodeSystemStates(states: Partial<Record<0 | 1 | 2 | 3 | 4 | 5, number>>): Uint8Array {
  const out = new Uint8Array(6);
  for (let s = 0; s < 6; s++) {
    const v = states[s as 0];
    if (v !== undefined) out[s] = 0x80 | (v & 7);
  }
  return out;
}
