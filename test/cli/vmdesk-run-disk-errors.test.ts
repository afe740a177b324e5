// `vmdesk run` with disks, CDs, a BIOS and .vmx files: a small boot sector that says hello on
// COM1 and leaves through the debug-exit port proves the whole firmware path end to end in
// seconds; bad input (missing BIOS file, corrupt or locked disk, wrong --boot) is one line.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLock } from '../../core/storage';
import { REPO } from '../support/vmdesk-process';

const bin = path.join(REPO, 'bin', 'vmdesk.mjs');
let dir: string;
let disk: string;

// Prints through the UART at 0x3F8 (polling LSR bit 5), then writes 0x10 to 0x501: exit (0x10 << 1) | 1.
const HELLO_BOOT_SECTOR = `bits 16
org 0x7c00
  xor ax, ax
  mov ds, ax
  mov si, msg
next:
  lodsb
  or al, al
  jz done
  mov ah, al
  mov dx, 0x3fd
busy:
  in al, dx
  test al, 0x20
  jz busy
  mov dx, 0x3f8
  mov al, ah
  out dx, al
  jmp next
done:
  mov al, 0x10
  mov dx, 0x501
  out dx, al
  cli
  hlt
msg: db "hello from the boot sector", 13, 10, 0
times 510-($-$$) db 0
dw 0xaa55
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmdesk-run-disk-err-'));
  fs.writeFileSync(path.join(dir, 'hello.asm'), HELLO_BOOT_SECTOR);
  const sector = path.join(dir, 'hello.bin');
  execFileSync('nasm', ['-f', 'bin', '-o', sector, path.join(dir, 'hello.asm')]);
  const image = Buffer.alloc(1 << 20);
  fs.readFileSync(sector).copy(image, 0);
  disk = path.join(dir, 'hello.img');
  fs.writeFileSync(disk, image);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => spawnSync(process.execPath, [bin, 'run', ...args], { encoding: 'utf8', timeout: 120_000, input: '' });

describe.runIf(fs.existsSync('/usr/share/seabios/bios.bin'))('vmdesk run --disk / .vmx', () => {
  it('boots a raw disk through SeaBIOS: the boot sector talks on COM1 and exits through 0x501', () => {
    const log = path.join(dir, 'fw.log');
    const r = run(['--disk', disk, '--debug-exit', '--firmware-log', log, '--timeout', '100']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello from the boot sector\r\n');
    expect(r.status).toBe((0x10 << 1) | 1);
    expect(fs.readFileSync(log, 'latin1')).toContain('Booting from Hard Disk...');
  });

  it('runs a .vmx directly: memsize and the IDE disk come from the file', () => {
    const vmx = path.join(dir, 'hello.vmx');
    fs.writeFileSync(vmx, ['displayName = "hello"', 'memsize = "48"', 'ide0:0.present = "TRUE"', 'ide0:0.fileName = "hello.img"', ''].join('\n'));
    const log = path.join(dir, 'fw-vmx.log');
    const r = run([vmx, '--debug-exit', '--firmware-log', log, '--timeout', '100']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello from the boot sector\r\n');
    expect(r.status).toBe(33);
    expect(fs.readFileSync(log, 'latin1')).toMatch(/qemu\/e820: addr 0x0000000000100000 len 0x0000000002f00000 \[RAM\]/); // 48 MiB
  });

  it('refuses a disk another host holds the lease lock of, in one line', async () => {
    const lock = await LeaseLock.acquire(disk, { leaseMs: 60_000 });
    try {
      const r = run(['--disk', disk, '--timeout', '5']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^run: --disk ${disk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: locked by .+\\n$`));
    } finally {
      lock.dispose();
    }
  });

  it.each([
    [['--disk', '/no/such.vmdk'], /^run: --disk .*\/no\/such\.vmdk.*\n$/],
    [['--bios', '/no/such.bin', '--disk', 'DISK'], /^run: cannot read --bios \/no\/such\.bin: no such file\n$/],
    [['--disk', 'DISK', '--boot', 'd'], /^run: --boot d needs a --cdrom\n$/],
    [['--disk', 'DISK', '--boot', 'x'], /^run: --boot x: expected c \(disk\) or d \(CD-ROM\)\n$/],
    [['--disk', 'DISK', '--append', 'quiet'], /^run: --initrd and --append need --kernel \(a disk boots its own loader\)\n$/],
  ])('refuses %j in one line', (args, line) => {
    const r = run(args.map((a) => (a === 'DISK' ? disk : a)));
    expect(r.stderr).toMatch(line);
    expect(r.status).not.toBe(0);
  });

  it('refuses a .vmx it cannot use, naming the file and the field', () => {
    const vmx = path.join(dir, 'nameless.vmx');
    fs.writeFileSync(vmx, 'memsize = "64"\n');
    const r = run([vmx]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`run: ${vmx}: displayName is missing\n`);
  });

  it('refuses a corrupt VMDK in one line naming it', () => {
    const bad = path.join(dir, 'bad.vmdk');
    const b = Buffer.alloc(4096);
    b.write('KDMV', 0, 'latin1');
    fs.writeFileSync(bad, b);
    const r = run(['--disk', bad]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^run: --disk .*bad\.vmdk.*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });
});
