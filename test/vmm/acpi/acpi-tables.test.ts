// The ACPI tables, read back the way Linux finds them and checked by Debian's ACPICA tools
// (iasl's disassembler and acpiexec, the same ACPICA code Linux runs).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestMemory } from '../../../core/memory';
import { FADT, FADT_PWR_BUTTON, FADT_RESET_REG_SUP, IAPC_8042, PC_ACPI_PLATFORM, byteSum, installAcpiTables, layoutAcpiTables } from '../../../core/vmm/acpi';
import { E820_RESERVED, pcE820Map } from '../../../core/vmm/boot';

const work = mkdtempSync(join(tmpdir(), 'vmdesk-acpi-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const memory = GuestMemory.allocate(64 * 2 ** 20);
const installed = installAcpiTables(memory);
const v = memory.view;
const sig = (a: number, n = 4) => new TextDecoder().decode(memory.read(a, n));
const tableAt = (a: number) => memory.read(a, v.getUint32(a + 4, true));

/** Linux's acpi_find_root_pointer: 16-byte steps over 0xE0000-0xFFFFF, signature + checksum. */
function scanForRsdp(): number | undefined {
  for (let a = 0xe0000; a < 0x100000; a += 16) if (sig(a, 8) === 'RSD PTR ' && byteSum(memory.read(a, 20)) === 0) return a;
  return undefined;
}

function rsdtEntries(): Map<string, number> {
  const rsdt = v.getUint32(installed.rsdp + 16, true);
  const out = new Map<string, number>([['RSDT', rsdt]]);
  const len = v.getUint32(rsdt + 4, true);
  for (let at = rsdt + 36; at < rsdt + len; at += 4) {
    const t = v.getUint32(at, true);
    out.set(sig(t), t);
  }
  return out;
}

describe('table set in guest memory', () => {
  it('has an RSDP rev 0 that a BIOS-area scan finds', () => {
    expect(scanForRsdp()).toBe(installed.rsdp);
    expect(v.getUint8(installed.rsdp + 15)).toBe(0);
    // The tables sit in a range the e820 map reserves, so the kernel never hands it out as RAM.
    const area = pcE820Map(memory.size).find((e) => e.addr <= installed.rsdp && installed.rsdp < e.addr + e.size);
    expect(area?.type).toBe(E820_RESERVED);
  });

  it('links RSDT -> FADT, MADT and FADT -> FACS, DSDT, every checksum right', () => {
    const t = rsdtEntries();
    expect([...t.keys()].sort()).toEqual(['APIC', 'FACP', 'RSDT']);
    const fadt = t.get('FACP')!;
    const facs = v.getUint32(fadt + FADT.firmwareCtrl, true);
    const dsdt = v.getUint32(fadt + FADT.dsdt, true);
    expect(sig(facs)).toBe('FACS');
    expect(facs % 64).toBe(0);
    expect(v.getUint32(facs + 4, true)).toBe(64);
    expect(sig(dsdt)).toBe('DSDT');
    expect(Number(v.getBigUint64(fadt + FADT.xDsdt, true))).toBe(dsdt);
    expect(Number(v.getBigUint64(fadt + FADT.xFirmwareCtrl, true))).toBe(facs);
    for (const addr of [...t.values(), dsdt]) expect(byteSum(tableAt(addr)), sig(addr)).toBe(0);
  });

  it('describes PLATFORM.md in the FADT', () => {
    const f = rsdtEntries().get('FACP')!;
    expect(v.getUint8(f + 8)).toBe(3);
    expect(v.getUint32(f + 4, true)).toBe(244);
    expect(v.getUint16(f + FADT.sciInt, true)).toBe(9);
    expect(v.getUint32(f + FADT.smiCmd, true)).toBe(0);
    expect(v.getUint32(f + FADT.pm1aEvtBlk, true)).toBe(0x600);
    expect(v.getUint32(f + FADT.pm1aCntBlk, true)).toBe(0x604);
    expect(v.getUint32(f + FADT.pmTmrBlk, true)).toBe(0x608);
    expect(v.getUint32(f + FADT.gpe0Blk, true)).toBe(0x620);
    expect([v.getUint8(f + FADT.pm1EvtLen), v.getUint8(f + FADT.pm1CntLen), v.getUint8(f + FADT.pmTmrLen), v.getUint8(f + FADT.gpe0BlkLen)]).toEqual([4, 2, 4, 4]);
    const flags = v.getUint32(f + FADT.flags, true);
    expect(flags & FADT_RESET_REG_SUP).toBe(FADT_RESET_REG_SUP);
    expect(flags & FADT_PWR_BUTTON).toBe(0); // fixed-feature power button
    expect(flags & (1 << 8)).toBe(0); // TMR_VAL_EXT clear: the PM timer is 24 bits
    expect(v.getUint16(f + FADT.iapcBootArch, true) & IAPC_8042).toBe(IAPC_8042);
    // RESET_REG: System I/O, 8 bits, at 0xCF9; RESET_VALUE 6.
    expect([v.getUint8(f + FADT.resetReg), v.getUint8(f + FADT.resetReg + 1)]).toEqual([1, 8]);
    expect(Number(v.getBigUint64(f + FADT.resetReg + 4, true))).toBe(0xcf9);
    expect(v.getUint8(f + FADT.resetValue)).toBe(6);
    // X_ blocks agree with the legacy ones.
    expect(Number(v.getBigUint64(f + FADT.xPm1aEvtBlk + 4, true))).toBe(0x600);
    expect(Number(v.getBigUint64(f + FADT.xPmTmrBlk + 4, true))).toBe(0x608);
  });

  it('lists the LAPIC, the I/O APIC and the overrides in the MADT', () => {
    const m = rsdtEntries().get('APIC')!;
    expect(v.getUint32(m + 36, true)).toBe(0xfee00000);
    expect(v.getUint32(m + 40, true) & 1).toBe(1);
    const entries: number[][] = [];
    for (let at = m + 44; at < m + v.getUint32(m + 4, true); at += v.getUint8(at + 1)) entries.push([...memory.read(at, v.getUint8(at + 1))]);
    const u32 = (e: number[], o: number) => (e[o]! | (e[o + 1]! << 8) | (e[o + 2]! << 16) | (e[o + 3]! << 24)) >>> 0;
    const lapics = entries.filter((e) => e[0] === 0);
    expect(lapics.map((e) => ({ apicId: e[3], enabled: u32(e, 4) & 1 }))).toEqual([{ apicId: 0, enabled: 1 }]);
    const ioapics = entries.filter((e) => e[0] === 1);
    expect(ioapics.map((e) => ({ id: e[2], base: u32(e, 4), gsiBase: u32(e, 8) }))).toEqual([{ id: 1, base: 0xfec00000, gsiBase: 0 }]);
    const overrides = entries.filter((e) => e[0] === 2).map((e) => ({ bus: e[2], irq: e[3], gsi: u32(e, 4), flags: e[8]! | (e[9]! << 8) }));
    expect(overrides).toEqual([
      { bus: 0, irq: 0, gsi: 2, flags: 0x5 }, // edge, active high
      { bus: 0, irq: 9, gsi: 9, flags: 0xd }, // level, active high
    ]);
  });

  it('refuses RAM that does not reach the BIOS area', () => {
    expect(() => installAcpiTables(GuestMemory.allocate(512 * 1024))).toThrow(/acpi: guest RAM .* does not reach the BIOS area/);
  });
});

describe('checked by ACPICA (acpica-tools)', () => {
  const files = new Map<string, string>();
  for (const t of layoutAcpiTables(256 * 2 ** 20, PC_ACPI_PLATFORM).tables) {
    const path = join(work, `${t.signature.replace(/ /g, '')}.dat`);
    writeFileSync(path, t.bytes);
    files.set(t.signature, path);
  }
  const disassemble = (signature: string): string => {
    const path = files.get(signature)!;
    execFileSync('iasl', ['-d', path], { cwd: work, stdio: 'pipe' });
    return readFileSync(path.replace(/\.dat$/, '.dsl'), 'utf8');
  };

  it('iasl disassembles the DSDT to \\_SB.PCI0 and Name (_S5, Package {Zero, Zero})', () => {
    const dsl = disassemble('DSDT');
    expect(dsl.replace(/\s+/g, ' ')).toContain('Device (PCI0) { Name (_HID, EisaId ("PNP0A03") /* PCI Bus */)');
    expect(dsl).toMatch(/DefinitionBlock \("", "DSDT", 1, "VMDESK", "VMDESKPC", 0x00000001\)/);
    expect(dsl.replace(/\s+/g, ' ')).toContain('Name (_S5, Package (0x02) // _S5_: S5 System State { Zero, Zero })');
  });

  it('iasl decodes the FADT and MADT fields Linux reads', () => {
    const fadt = disassemble('FACP').replace(/ +/g, ' ');
    expect(fadt).toContain('SCI Interrupt : 0009');
    expect(fadt).toContain('Reset Register Supported (V2) : 1');
    expect(fadt).toContain('Control Method Power Button (V1) : 0');
    expect(fadt).toMatch(/Reset Register : .*\n(.*\n){4}\[078h 0120 8\] Address : 0000000000000CF9\n\s*\[080h 0128 1\] Value to cause reset : 06/);
    const madt = disassemble('APIC').replace(/ +/g, ' ');
    expect(madt.match(/Subtable Type : 02 \[Interrupt Source Override\]/g)).toHaveLength(2);
    expect(madt).toContain('I/O Apic ID : 01');
  });

  it('acpiexec loads the set without a warning and evaluates \\_S5', () => {
    const args = ['-b', 'evaluate _S5', ...['FACP', 'FACS', 'APIC', 'DSDT'].map((s) => files.get(s)!)];
    const out = execFileSync('acpiexec', args, { cwd: work, encoding: 'utf8', stdio: 'pipe' });
    expect(out).not.toMatch(/Warning|Error|checksum/i);
    expect(out).toContain('ACPI AML tables successfully acquired and loaded');
    // The GPE0 block (2 status + 2 enable bytes = 16 GPEs) hangs on SCI 9.
    expect(out).toContain('Initialized GPE 00 to 0F [_GPE] 2 regs on interrupt 0x9 (SCI)');
    expect(out.replace(/\s+/g, ' ')).toContain('[Package] Contains 2 Elements: [Integer] = 0000000000000000 [Integer] = 0000000000000000');
  });

  it('acpiexec finds the PCI host bridge and decodes its _CRS windows', () => {
    const args = ['-b', 'resources \\_SB.PCI0', ...['FACP', 'FACS', 'APIC', 'DSDT'].map((s) => files.get(s)!)];
    const out = execFileSync('acpiexec', args, { cwd: work, encoding: 'utf8', stdio: 'pipe' }).replace(/ +/g, ' ');
    expect(out).not.toMatch(/Warning|Error/i);
    expect(out).toContain('Resource Type : Bus Number Range');
    // I/O around the config ports, the VGA hole, and RAM end (256 MiB) up to the I/O APIC.
    for (const range of ['Address Minimum : 0000\n Address Maximum : 0CF7', 'Address Minimum : 0D00\n Address Maximum : FFFF', 'Address Minimum : 000A0000\n Address Maximum : 000BFFFF', 'Address Minimum : 10000000\n Address Maximum : FEBFFFFF']) {
      expect(out).toContain(range);
    }
  });
});
