// The AML encoder against Debian's iasl: the same namespace written as ASL and compiled by
// iasl must give the same bytes as our encoder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AcpiError, PC_ACPI_PLATFORM, aml, dsdtBody } from '../../../core/vmm/acpi';

const work = mkdtempSync(join(tmpdir(), 'vmdesk-aml-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function compileAsl(body: string): Uint8Array {
  const src = join(work, 'test.asl');
  writeFileSync(src, `DefinitionBlock ("", "DSDT", 1, "VMDESK", "VMDESKPC", 1)\n{\n${body}\n}\n`);
  execFileSync('iasl', ['-p', join(work, 'test'), src], { cwd: work, stdio: 'pipe' });
  return new Uint8Array(readFileSync(join(work, 'test.aml'))).subarray(36); // AML after the table header
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('AML encoder vs iasl', () => {
  it('encodes our DSDT body exactly as iasl compiles its ASL', () => {
    const asl = `
      Scope (_SB)
      {
        Device (PCI0)
        {
          Name (_HID, EisaId ("PNP0A03"))
          Name (_UID, Zero)
          Name (_CRS, ResourceTemplate ()
          {
            WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, 0x0000, 0x00FF, 0x0000, 0x0100,,,)
            IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08,)
            WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0x0000, 0x0000, 0x0CF7, 0x0000, 0x0CF8,,,, TypeStatic, DenseTranslation)
            WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0x0000, 0x0D00, 0xFFFF, 0x0000, 0xF300,,,, TypeStatic, DenseTranslation)
            DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite, 0x00000000, 0x000A0000, 0x000BFFFF, 0x00000000, 0x00020000,,,, AddressRangeMemory, TypeStatic)
            DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite, 0x00000000, 0x10000000, 0xFEBFFFFF, 0x00000000, 0xEEC00000,,,, AddressRangeMemory, TypeStatic)
          })
        }
      }
      Name (_S5, Package (0x02) { Zero, Zero })`;
    expect(hex(dsdtBody(PC_ACPI_PLATFORM, 256 * 2 ** 20))).toBe(hex(compileAsl(asl)));
  });

  it('encodes scopes, devices, methods, EISA IDs, strings, integers and long packages', () => {
    const longElements = Array.from({ length: 40 }, (_, i) => 0x10 + i);
    const asl = `
      Scope (_SB)
      {
        Device (PCI0)
        {
          Name (_HID, EisaId ("PNP0A03"))
          Name (_UID, 0x1234)
          Name (BIG, 0x12345678)
          Name (STR, "vmdesk")
          Method (_STA, 0, NotSerialized) { Return (0x0F) }
        }
      }
      Name (_SB.PCI0.ONE, One)
      Name (LONG, Package (0x28) { ${longElements.map((n) => '0x' + n.toString(16).toUpperCase()).join(', ')} })`;
    const ours = aml.concat([
      aml.scope('_SB', [
        aml.device('PCI0', [
          aml.name('_HID', aml.eisaId('PNP0A03')),
          aml.name('_UID', aml.integer(0x1234)),
          aml.name('BIG', aml.integer(0x12345678)),
          aml.name('STR', aml.string('vmdesk')),
          aml.method('_STA', 0, false, [aml.returnOp(aml.integer(0x0f))]),
        ]),
      ]),
      aml.name('_SB.PCI0.ONE', aml.integer(1)),
      aml.name('LONG', aml.pkg(longElements.map((n) => aml.integer(n)))),
    ]);
    expect(hex(ours)).toBe(hex(compileAsl(asl)));
  });
});

describe('AML encoder details', () => {
  it('switches PkgLength to two bytes at 63 bytes of content', () => {
    expect([...aml.pkgLength(62)]).toEqual([63]);
    expect([...aml.pkgLength(63)]).toEqual([0x40 | (65 & 0xf), 65 >> 4]);
    expect(aml.pkgLength(5000).length).toBe(3);
  });

  it('encodes root, parent and multi-segment name paths', () => {
    expect(hex(aml.nameString('\\_SB'))).toBe('5c5f53425f');
    expect(hex(aml.nameString('^^AB'))).toBe('5e5e41425f5f');
    expect(hex(aml.nameString('\\_SB.PCI0'))).toBe('5c2e5f53425f50434930');
    expect(hex(aml.nameString('A.B.C'))).toBe('2f03415f5f5f425f5f5f435f5f5f');
  });

  it('picks the shortest integer form', () => {
    expect([...aml.integer(0)]).toEqual([0x00]);
    expect([...aml.integer(1)]).toEqual([0x01]);
    expect([...aml.integer(0xff)]).toEqual([0x0a, 0xff]);
    expect([...aml.integer(0x100)]).toEqual([0x0b, 0x00, 0x01]);
    expect([...aml.integer(0x10000)]).toEqual([0x0c, 0x00, 0x00, 0x01, 0x00]);
    expect(aml.integer(2n ** 32n).length).toBe(9);
  });

  it('EISAID("PNP0A03") is 0x030AD041', () => {
    expect([...aml.eisaId('PNP0A03')]).toEqual([0x0c, 0x41, 0xd0, 0x0a, 0x03]);
  });

  it('refuses names and values AML cannot hold', () => {
    expect(() => aml.name('1ABC', aml.integer(0))).toThrow(AcpiError);
    expect(() => aml.name('TOOLONG', aml.integer(0))).toThrow(/not an ACPI name segment/);
    expect(() => aml.integer(-1)).toThrow(/outside 0\.\.2\^64-1/);
    expect(() => aml.pkg(new Array(256).fill(aml.integer(0)))).toThrow(/at most 255 elements/);
    expect(() => aml.string('caf\u00e9')).toThrow(/outside ASCII/);
    expect(() => aml.eisaId('pnp0a03')).toThrow(/not an EISA ID/);
  });
});
