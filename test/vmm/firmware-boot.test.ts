// PcMachine's firmware path: Debian's SeaBIOS from the reset vector over our IDE, VGA and
// fw_cfg, booting a boot sector from a raw disk or an El Torito CD by the spec's boot order,
// with its debug console captured, our ACPI tables placed by its table loader, and a second
// boot after a reset (the BIOS shadow at 0xE0000 is put back).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestMemory } from '../../core/memory';
import type { BootDevice, MachineSpec } from '../../core/vmm/machine/machine-spec';
import { PcMachine } from '../../core/vmm/machine/pc-machine';

const BIOS = '/usr/share/seabios/bios-256k.bin';
const VGABIOS = '/usr/share/seabios/vgabios-stdvga.bin';
const asm = path.resolve(__dirname, '../devices/fw-cfg/firmware/boot-sector.asm');
let dir: string;
let disk: string;
let iso: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-firmware-'));
  const hd = path.join(dir, 'hd.bin');
  const cd = path.join(dir, 'cd.bin');
  execFileSync('nasm', ['-f', 'bin', '-DLBA=1', '-DOFF=0', '-o', hd, asm]);
  execFileSync('nasm', ['-f', 'bin', '-DLBA=16', '-DOFF=1', '-o', cd, asm]);
  const image = Buffer.alloc(4 << 20);
  fs.readFileSync(hd).copy(image, 0);
  Buffer.from('HDD LBA1 READ OK\r\n\0').copy(image, 512);
  disk = path.join(dir, 'disk.img');
  fs.writeFileSync(disk, image);
  const root = path.join(dir, 'cdroot');
  fs.mkdirSync(root);
  const boot = Buffer.alloc(2048);
  fs.readFileSync(cd).copy(boot, 0);
  fs.writeFileSync(path.join(root, 'boot.img'), boot);
  iso = path.join(dir, 'boot.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-o', iso, '-b', 'boot.img', '-no-emul-boot', '-boot-load-size', '4', root], { stdio: 'ignore' });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function machine(opts: { cdrom?: string; bootOrder: BootDevice[]; disk?: boolean }): { m: PcMachine; log: () => string } {
  const spec: MachineSpec = {
    memoryMB: 32,
    debugExit: false,
    noReboot: false,
    apic: true,
    firmware: { bios: new Uint8Array(fs.readFileSync(BIOS)), vgaBios: new Uint8Array(fs.readFileSync(VGABIOS)) },
    disks: opts.disk === false ? [] : [{ path: disk, readOnly: true }],
    cdrom: opts.cdrom,
    bootOrder: opts.bootOrder,
  };
  const m = new PcMachine(spec, GuestMemory.allocate(32 << 20));
  let log = '';
  return {
    m,
    log: () => {
      const b = m.firmware!.debugLog.take();
      if (b) log += Buffer.from(b).toString('latin1');
      return log;
    },
  };
}

/** Run slices (the guest clock runs in real time) until the log shows `text` or the budget ends. */
function runUntil(m: PcMachine, log: () => string, text: string, slices = 6000): string {
  m.clock.resume();
  for (let i = 0; i < slices && !log().includes(text); i++) {
    const r = m.runSlice(50_000);
    if (r === 'triple-fault' || r === 'shutdown') throw new Error(`guest stopped: ${r}`);
  }
  return log();
}

function screenLine(m: PcMachine, row: number): string {
  let line = '';
  for (let c = 0; c < 80; c++) line += String.fromCharCode(m.firmware!.vga.vram[(row * 80 + c) * 4]!);
  return line.trimEnd();
}

describe.runIf(fs.existsSync(BIOS) && fs.existsSync(VGABIOS))('PcMachine firmware boot', () => {
  it('starts SeaBIOS at the reset vector and boots the first disk through INT 13h; banner on the VGA text screen', () => {
    const { m, log } = machine({ bootOrder: ['c'] });
    m.boot();
    const d = runUntil(m, log, 'HDD LBA1 READ OK');
    expect(d).toContain('Found QEMU fw_cfg');
    expect(d).toMatch(/qemu\/e820: addr 0x0000000000100000 len 0x0000000001f00000 \[RAM\]/);
    expect(d).toContain('ata0-0: VMDESK HARDDISK ATA-6 Hard-Disk (4 MiBytes)');
    expect(d).toContain('Booting from Hard Disk...');
    expect(d).toContain('HDD LBA1 READ OK');
    expect(screenLine(m, 0)).toMatch(/^SeaBIOS \(version 1\./);
    m.close();
  });

  it('places our ACPI tables through the table loader (RSDT by VMDESK, not SeaBIOS\'s own)', () => {
    const { m, log } = machine({ bootOrder: ['c'] });
    m.boot();
    runUntil(m, log, 'HDD LBA1 READ OK');
    const mem = m.memory.u8;
    let rsdp = -1;
    for (let a = 0xe0000; a < 0x100000 && rsdp < 0; a += 16) if (Buffer.from(mem.subarray(a, a + 8)).toString('latin1') === 'RSD PTR ') rsdp = a;
    expect(rsdp).toBeGreaterThan(0);
    const rsdt = m.memory.view.getUint32(rsdp + 16, true);
    expect(Buffer.from(mem.subarray(rsdt, rsdt + 4)).toString('latin1')).toBe('RSDT');
    expect(Buffer.from(mem.subarray(rsdt + 10, rsdt + 16)).toString('latin1')).toBe('VMDESK');
    m.close();
  });

  it('boots the CD-ROM first with boot order d, and the disk again after a reset', () => {
    const { m, log } = machine({ cdrom: iso, bootOrder: ['d', 'c'] });
    m.boot();
    const d = runUntil(m, log, 'CD001');
    expect(d).toContain('DVD/CD [ata1-0: VMDESK CD-ROM ATAPI-6 DVD/CD]');
    expect(d).toContain('Booting from DVD/CD...');
    expect(d).toContain('CD001');
    // A reset starts over from F000:FFF0 with the BIOS's shadow copy restored: the same boot again.
    m.cpu.reset();
    m.boot();
    const count = (t: string, what: string): number => t.split(what).length - 1;
    const firstReads = count(d, 'CD001');
    let after = log();
    for (let i = 0; i < 6000 && count(after, 'CD001') < 2 * firstReads; i++) {
      m.runSlice(50_000);
      after = log();
    }
    expect(count(after, 'Booting from DVD/CD...')).toBe(2);
    expect(count(after, 'CD001')).toBe(2 * firstReads);
    m.close();
  });

  it('refuses a BIOS image of an impossible size in one line', () => {
    const spec: MachineSpec = { memoryMB: 32, debugExit: false, noReboot: false, apic: true, firmware: { bios: new Uint8Array(1000) }, disks: [] };
    expect(() => new PcMachine(spec, GuestMemory.allocate(32 << 20))).toThrow(/^firmware: the BIOS image is 1000 bytes; expected a multiple of 64 KiB from 128 KiB to 16 MiB$/);
  });
});
