// The BIOS linker/loader script `etc/table-loader` (QEMU hw/acpi/bios-linker-loader.c
// documents it; SeaBIOS src/fw/romfile_loader.c runs it): 128-byte little-endian commands
// that tell the firmware to allocate fw_cfg files in guest memory, patch pointers between
// them and fix checksums. Plus `buildAcpiFiles`, which lays out a list of ACPI tables into
// `etc/acpi/tables` with an RSDT, an ACPI 1.0 RSDP in `etc/acpi/rsdp` and the script.
import { FwCfgError } from './fw-cfg';
import { FW_CFG_MAX_FILE_NAME } from './keys';

export const LOADER_ALLOCATE = 1;
export const LOADER_ADD_POINTER = 2;
export const LOADER_ADD_CHECKSUM = 3;
export const LOADER_WRITE_POINTER = 4;
/** ALLOCATE zones: anywhere in high memory, or the 0xE0000–0xFFFFF F-segment (where the RSDP must live). */
export const LOADER_ZONE_HIGH = 1;
export const LOADER_ZONE_FSEG = 2;
export const LOADER_COMMAND_SIZE = 128;

export class TableLoaderBuilder {
  private readonly commands: Uint8Array[] = [];

  private command(kind: number): { bytes: Uint8Array; dv: DataView } {
    const bytes = new Uint8Array(LOADER_COMMAND_SIZE);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, kind, true);
    this.commands.push(bytes);
    return { bytes, dv };
  }

  private static name(bytes: Uint8Array, at: number, name: string): void {
    if (name.length === 0 || name.length >= FW_CFG_MAX_FILE_NAME) throw new FwCfgError(`fw-cfg: loader file name "${name}" must be 1–55 characters`);
    for (let i = 0; i < name.length; i++) bytes[at + i] = name.charCodeAt(i) & 0xff;
  }

  /** Load file `file` into guest memory aligned to `align` (a power of two) in `zone`. */
  allocate(file: string, align: number, zone: typeof LOADER_ZONE_HIGH | typeof LOADER_ZONE_FSEG): this {
    if (!(align > 0) || (align & (align - 1)) !== 0) throw new FwCfgError(`fw-cfg: ALLOCATE ${file}: alignment ${align} is not a power of two`);
    const { bytes, dv } = this.command(LOADER_ALLOCATE);
    TableLoaderBuilder.name(bytes, 4, file);
    dv.setUint32(60, align, true);
    bytes[64] = zone;
    return this;
  }

  /** Add the guest address of `srcFile` to the `size`-byte little-endian value at destFile[offset]. */
  addPointer(destFile: string, offset: number, size: 1 | 2 | 4 | 8, srcFile: string): this {
    const { bytes, dv } = this.command(LOADER_ADD_POINTER);
    TableLoaderBuilder.name(bytes, 4, destFile);
    TableLoaderBuilder.name(bytes, 60, srcFile);
    dv.setUint32(116, offset, true);
    bytes[120] = size;
    return this;
  }

  /** Make the bytes file[start, start+length) sum to zero by adjusting file[offset]. */
  addChecksum(file: string, offset: number, start: number, length: number): this {
    const { bytes, dv } = this.command(LOADER_ADD_CHECKSUM);
    TableLoaderBuilder.name(bytes, 4, file);
    dv.setUint32(60, offset, true);
    dv.setUint32(64, start, true);
    dv.setUint32(68, length, true);
    return this;
  }

  /** Write the guest address of srcFile + srcOffset back into the (writable) fw_cfg file destFile at dstOffset. */
  writePointer(destFile: string, dstOffset: number, size: 1 | 2 | 4 | 8, srcFile: string, srcOffset: number): this {
    const { bytes, dv } = this.command(LOADER_WRITE_POINTER);
    TableLoaderBuilder.name(bytes, 4, destFile);
    TableLoaderBuilder.name(bytes, 60, srcFile);
    dv.setUint32(116, dstOffset, true);
    dv.setUint32(120, srcOffset, true);
    bytes[124] = size;
    return this;
  }

  build(): Uint8Array {
    const out = new Uint8Array(this.commands.length * LOADER_COMMAND_SIZE);
    this.commands.forEach((c, i) => out.set(c, i * LOADER_COMMAND_SIZE));
    return out;
  }
}

export const ACPI_TABLES_FILE = 'etc/acpi/tables';
export const ACPI_RSDP_FILE = 'etc/acpi/rsdp';
export const TABLE_LOADER_FILE = 'etc/table-loader';

export interface AcpiFiles {
  tables: Uint8Array;
  rsdp: Uint8Array;
  loader: Uint8Array;
}

const sig = (t: Uint8Array): string => String.fromCharCode(t[0]!, t[1]!, t[2]!, t[3]!);
const align = (n: number, a: number): number => Math.ceil(n / a) * a;

function putAscii(b: Uint8Array, at: number, s: string, width: number): void {
  for (let i = 0; i < width; i++) b[at + i] = i < s.length ? s.charCodeAt(i) : 0x20;
}

/**
 * Lay out complete ACPI tables (each with its header; FACS and DSDT among them) for the
 * firmware: every table but FACS and DSDT goes into a new RSDT; FADT's FIRMWARE_CTRL
 * (offset 36), DSDT (40) and, when present, X_DSDT (140) become pointers the loader patches;
 * every table but FACS gets its checksum fixed (ACPI 6.x §5.2.6, §5.2.9, §5.2.10).
 */
export function buildAcpiFiles(tableList: readonly Uint8Array[], oemId = 'VMDESK'): AcpiFiles {
  const placed: { table: Uint8Array; at: number; signature: string }[] = [];
  let size = 0;
  for (const t of tableList) {
    if (t.length < 36 && !(t.length >= 64 && sig(t) === 'FACS')) throw new FwCfgError(`fw-cfg: ACPI table of ${t.length} bytes is shorter than its header`);
    const declared = new DataView(t.buffer, t.byteOffset, t.byteLength).getUint32(4, true);
    if (declared !== t.length) throw new FwCfgError(`fw-cfg: ACPI table ${sig(t)} says it is ${declared} bytes but has ${t.length}`);
    // FACS must be 64-byte aligned (ACPI 6.x §5.2.10); align everything to 8 otherwise.
    size = align(size, sig(t) === 'FACS' ? 64 : 8);
    placed.push({ table: t, at: size, signature: sig(t) });
    size += t.length;
  }
  const inRsdt = placed.filter((p) => p.signature !== 'FACS' && p.signature !== 'DSDT');
  size = align(size, 8);
  const rsdtAt = size;
  const rsdtLength = 36 + 4 * inRsdt.length;
  size += rsdtLength;

  const tables = new Uint8Array(size);
  for (const p of placed) tables.set(p.table, p.at);
  const dv = new DataView(tables.buffer);
  const loader = new TableLoaderBuilder();
  loader.allocate(ACPI_TABLES_FILE, 64, LOADER_ZONE_HIGH);
  loader.allocate(ACPI_RSDP_FILE, 16, LOADER_ZONE_FSEG);

  const facs = placed.find((p) => p.signature === 'FACS');
  const dsdt = placed.find((p) => p.signature === 'DSDT');
  const fadt = placed.find((p) => p.signature === 'FACP');
  if (fadt) {
    const len = fadt.table.length;
    if (facs && len >= 40) {
      dv.setUint32(fadt.at + 36, facs.at, true);
      loader.addPointer(ACPI_TABLES_FILE, fadt.at + 36, 4, ACPI_TABLES_FILE);
      if (len >= 140) dv.setBigUint64(fadt.at + 132, 0n, true); // X_FIRMWARE_CTRL must be 0 when FIRMWARE_CTRL is used
    }
    if (dsdt && len >= 44) {
      dv.setUint32(fadt.at + 40, dsdt.at, true);
      loader.addPointer(ACPI_TABLES_FILE, fadt.at + 40, 4, ACPI_TABLES_FILE);
      if (len >= 148) {
        dv.setBigUint64(fadt.at + 140, BigInt(dsdt.at), true);
        loader.addPointer(ACPI_TABLES_FILE, fadt.at + 140, 8, ACPI_TABLES_FILE);
      }
    }
  }

  // RSDT (ACPI 6.x §5.2.7).
  putAscii(tables, rsdtAt, 'RSDT', 4);
  dv.setUint32(rsdtAt + 4, rsdtLength, true);
  tables[rsdtAt + 8] = 1;
  putAscii(tables, rsdtAt + 10, oemId, 6);
  putAscii(tables, rsdtAt + 16, 'VMDESKPC', 8);
  dv.setUint32(rsdtAt + 24, 1, true);
  putAscii(tables, rsdtAt + 28, 'VMDK', 4);
  dv.setUint32(rsdtAt + 32, 1, true);
  inRsdt.forEach((p, i) => {
    dv.setUint32(rsdtAt + 36 + 4 * i, p.at, true);
    loader.addPointer(ACPI_TABLES_FILE, rsdtAt + 36 + 4 * i, 4, ACPI_TABLES_FILE);
  });

  for (const p of placed) {
    if (p.signature === 'FACS') continue;
    tables[p.at + 9] = 0;
    loader.addChecksum(ACPI_TABLES_FILE, p.at + 9, p.at, p.table.length);
  }
  loader.addChecksum(ACPI_TABLES_FILE, rsdtAt + 9, rsdtAt, rsdtLength);

  // RSDP, ACPI 1.0 form (ACPI 6.x §5.2.5.3): 20 bytes, RSDT address at 16.
  const rsdp = new Uint8Array(20);
  putAscii(rsdp, 0, 'RSD PTR ', 8);
  putAscii(rsdp, 9, oemId, 6);
  new DataView(rsdp.buffer).setUint32(16, rsdtAt, true);
  loader.addPointer(ACPI_RSDP_FILE, 16, 4, ACPI_TABLES_FILE);
  loader.addChecksum(ACPI_RSDP_FILE, 8, 0, 20);
  return { tables, rsdp, loader: loader.build() };
}
