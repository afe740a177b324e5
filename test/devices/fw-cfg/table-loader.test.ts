// The ACPI linker/loader script, run by an interpreter that follows SeaBIOS
// src/fw/romfile_loader.c: ALLOCATE places files, ADD_POINTER adds the source file's
// address to the little-endian value in place, ADD_CHECKSUM subtracts the byte sum.
import { describe, expect, it } from 'vitest';
import { buildAcpiFiles, LOADER_ADD_CHECKSUM, LOADER_ADD_POINTER, LOADER_ALLOCATE, LOADER_ZONE_FSEG, TableLoaderBuilder } from '../../../core/devices/fw-cfg';

function table(signature: string, length: number): Uint8Array {
  const t = new Uint8Array(length);
  for (let i = 0; i < 4; i++) t[i] = signature.charCodeAt(i);
  new DataView(t.buffer).setUint32(4, length, true);
  t[8] = 1;
  t[36 % length] = 0x5a;
  return t;
}

function facs(): Uint8Array {
  const t = new Uint8Array(64);
  t.set([0x46, 0x41, 0x43, 0x53]);
  new DataView(t.buffer).setUint32(4, 64, true);
  return t;
}

/** A firmware-side loader: files in a flat memory, allocated high from 0x100000 or in 0xE0000. */
function runLoader(script: Uint8Array, files: Record<string, Uint8Array>) {
  const mem = new Uint8Array(0x200000);
  const dv = new DataView(mem.buffer);
  const where = new Map<string, number>();
  let high = 0x100000;
  let fseg = 0xe0000;
  const name = (at: number): string => {
    let s = '';
    for (let i = 0; i < 56 && script[at + i] !== 0; i++) s += String.fromCharCode(script[at + i]!);
    return s;
  };
  const sdv = new DataView(script.buffer, script.byteOffset);
  for (let c = 0; c < script.length; c += 128) {
    const cmd = sdv.getUint32(c, true);
    if (cmd === LOADER_ALLOCATE) {
      const f = files[name(c + 4)]!;
      const align = sdv.getUint32(c + 60, true);
      const zone = script[c + 64]!;
      let at = zone === LOADER_ZONE_FSEG ? fseg : high;
      at = Math.ceil(at / align) * align;
      mem.set(f, at);
      where.set(name(c + 4), at);
      if (zone === LOADER_ZONE_FSEG) fseg = at + f.length;
      else high = at + f.length;
    } else if (cmd === LOADER_ADD_POINTER) {
      const dest = where.get(name(c + 4))!;
      const src = where.get(name(c + 60))!;
      const off = sdv.getUint32(c + 116, true);
      const size = script[c + 120]!;
      if (size === 4) dv.setUint32(dest + off, dv.getUint32(dest + off, true) + src, true);
      else dv.setBigUint64(dest + off, dv.getBigUint64(dest + off, true) + BigInt(src), true);
    } else if (cmd === LOADER_ADD_CHECKSUM) {
      const base = where.get(name(c + 4))!;
      const off = sdv.getUint32(c + 60, true);
      const start = sdv.getUint32(c + 64, true);
      const len = sdv.getUint32(c + 68, true);
      let sum = 0;
      for (let i = 0; i < len; i++) sum += mem[base + start + i]!;
      mem[base + off] = (mem[base + off]! - sum) & 0xff;
    }
  }
  return { mem, dv, where };
}

const sum = (b: Uint8Array): number => b.reduce((a, x) => (a + x) & 0xff, 0);

describe('ACPI tables through the BIOS linker/loader', () => {
  it('produces an RSDP in the F-segment that leads to checksummed RSDT, FADT, DSDT, FACS and MADT', () => {
    const fadt = table('FACP', 244);
    const files = buildAcpiFiles([fadt, facs(), table('DSDT', 100), table('APIC', 72)]);
    const { mem, dv, where } = runLoader(files.loader, {
      'etc/acpi/tables': files.tables,
      'etc/acpi/rsdp': files.rsdp,
    });
    const rsdp = where.get('etc/acpi/rsdp')!;
    expect(rsdp).toBeGreaterThanOrEqual(0xe0000);
    expect(rsdp % 16).toBe(0);
    expect(String.fromCharCode(...mem.subarray(rsdp, rsdp + 8))).toBe('RSD PTR ');
    expect(sum(mem.subarray(rsdp, rsdp + 20))).toBe(0);
    const rsdt = dv.getUint32(rsdp + 16, true);
    expect(String.fromCharCode(...mem.subarray(rsdt, rsdt + 4))).toBe('RSDT');
    const rsdtLen = dv.getUint32(rsdt + 4, true);
    expect(sum(mem.subarray(rsdt, rsdt + rsdtLen))).toBe(0);
    const entries = [...Array((rsdtLen - 36) / 4).keys()].map((i) => dv.getUint32(rsdt + 36 + 4 * i, true));
    const sigs = entries.map((a) => String.fromCharCode(...mem.subarray(a, a + 4)));
    expect(sigs).toEqual(['FACP', 'APIC']);
    for (const a of entries) expect(sum(mem.subarray(a, a + dv.getUint32(a + 4, true)))).toBe(0);
    const fadtAt = entries[0]!;
    const facsAt = dv.getUint32(fadtAt + 36, true);
    const dsdtAt = dv.getUint32(fadtAt + 40, true);
    expect(String.fromCharCode(...mem.subarray(facsAt, facsAt + 4))).toBe('FACS');
    expect(facsAt % 64).toBe(0);
    expect(String.fromCharCode(...mem.subarray(dsdtAt, dsdtAt + 4))).toBe('DSDT');
    expect(Number(dv.getBigUint64(fadtAt + 140, true))).toBe(dsdtAt);
    expect(sum(mem.subarray(dsdtAt, dsdtAt + 100))).toBe(0);
  });

  it('rejects a table whose length field disagrees with its bytes', () => {
    const t = table('APIC', 72);
    expect(() => buildAcpiFiles([t.subarray(0, 60)])).toThrow(/fw-cfg: ACPI table APIC says it is 72 bytes but has 60/);
  });

  it('encodes commands as 128-byte records with the documented field offsets', () => {
    const script = new TableLoaderBuilder().allocate('etc/a', 64, 1).addPointer('etc/a', 12, 4, 'etc/b').addChecksum('etc/a', 9, 0, 36).build();
    expect(script.length).toBe(384);
    const dv = new DataView(script.buffer);
    expect(dv.getUint32(0, true)).toBe(1);
    expect(dv.getUint32(60, true)).toBe(64);
    expect(script[64]).toBe(1);
    expect(dv.getUint32(128, true)).toBe(2);
    expect(String.fromCharCode(...script.subarray(128 + 60, 128 + 65))).toBe('etc/b');
    expect(dv.getUint32(128 + 116, true)).toBe(12);
    expect(script[128 + 120]).toBe(4);
    expect(dv.getUint32(256 + 68, true)).toBe(36);
    expect(() => new TableLoaderBuilder().allocate('x', 3, 1)).toThrow(/power of two/);
  });
});
