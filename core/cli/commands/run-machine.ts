// What `vmdesk run` turns its flags (or a .vmx) into: the MachineSpec, after checking on the
// host side that every file is there, readable and well-formed, so a bad disk, a missing BIOS
// or a locked VMDK is one clear line before any worker starts.
import fs from 'node:fs';
import path from 'node:path';
import { UsageError, VmdeskError, errorMessage } from '../../common';
import { LeaseLock, openImage } from '../../storage';
import type { MachineSpec } from '../../vmm';
import { VmxFile, readVmConfig } from '../../vmkernel/vmx';

export const DEFAULT_BIOS = ['/usr/share/seabios/bios-256k.bin', '/usr/share/seabios/bios.bin'];
export const DEFAULT_VGA_BIOS = '/usr/share/seabios/vgabios-stdvga.bin';

export function readGuestFile(flag: string, file: string): { name: string; data: Uint8Array } {
  try {
    const data = fs.readFileSync(file);
    if (data.length === 0) throw new Error('the file is empty');
    return { name: path.basename(file), data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'it is a directory' : errorMessage(err);
    throw new VmdeskError('usage', `run: cannot read ${flag} ${file}: ${why}`);
  }
}

/** The guest's boot inputs, from flags or a .vmx. */
export interface BootInputs {
  memoryMB?: number;
  kernel?: string;
  initrd?: string;
  append?: string;
  disks: string[];
  cdrom?: string;
  boot?: string;
  bios?: string;
}

/** Read a .vmx into boot inputs: memsize, ide disks and CD, vmdesk.kernel/initrd/append (paths relative to the .vmx). */
export function inputsFromVmx(file: string): BootInputs {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VmdeskError('usage', `run: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : errorMessage(err)}`);
  }
  let config: ReturnType<typeof readVmConfig>;
  try {
    config = readVmConfig(VmxFile.parse(text, file));
  } catch (err) {
    throw new VmdeskError('usage', `run: ${errorMessage(err)}`);
  }
  const dir = path.dirname(file);
  const at = (p: string): string => path.resolve(dir, p);
  const cd = config.ide.find((d) => d.type === 'cdrom');
  return {
    memoryMB: config.memoryMB,
    kernel: config.kernelBoot ? at(config.kernelBoot.kernel) : undefined,
    initrd: config.kernelBoot?.initrd ? at(config.kernelBoot.initrd) : undefined,
    append: config.kernelBoot?.append,
    disks: config.ide.filter((d) => d.type === 'disk').map((d) => at(d.fileName)),
    cdrom: cd ? at(cd.fileName) : undefined,
    boot: config.bootOrder === 'cdrom' ? 'd' : config.bootOrder === 'disk' ? 'c' : undefined,
  };
}

/** Open `file` once to prove it is a disk image we read (one line naming the file otherwise). */
function checkImage(flag: string, file: string): void {
  try {
    openImage(file, { readOnly: true }).dispose();
  } catch (err) {
    const msg = errorMessage(err);
    throw new VmdeskError('usage', `run: ${flag} ${msg.includes(file) ? msg : `${file}: ${msg}`}`);
  }
}

/** Take the lease locks of the writable disks for as long as the VM runs; one line if one is held elsewhere. */
export async function lockDisks(files: readonly string[]): Promise<LeaseLock[]> {
  const locks: LeaseLock[] = [];
  try {
    for (const f of files) {
      try {
        locks.push(await LeaseLock.acquire(f, { timeoutMs: 0 }));
      } catch (err) {
        throw new VmdeskError('usage', `run: --disk ${errorMessage(err)}`);
      }
    }
    return locks;
  } catch (err) {
    for (const l of locks) l.dispose();
    throw err;
  }
}

function firstBios(): string | undefined {
  return DEFAULT_BIOS.find((f) => fs.existsSync(f));
}

export function buildSpec(inputs: BootInputs, flags: { debugExit: boolean; noReboot: boolean; memoryMB: number }): MachineSpec {
  const { disks, cdrom } = inputs;
  const base = { memoryMB: flags.memoryMB, debugExit: flags.debugExit, noReboot: flags.noReboot, apic: true };
  if (disks.length > 2) throw new UsageError(`run: at most 2 --disk (got ${disks.length}); the second IDE channel holds the CD-ROM`);
  for (const d of disks) checkImage('--disk', d);
  if (cdrom) checkImage('--cdrom', cdrom);
  const media = {
    disks: disks.map((p) => ({ path: path.resolve(p), readOnly: false })),
    cdrom: cdrom ? path.resolve(cdrom) : undefined,
  };
  // A kernel given means direct boot; disks and CD are still there for the guest to use.
  if (inputs.kernel) {
    if (inputs.boot) throw new UsageError('run: --boot chooses a firmware boot device; it does not go with --kernel');
    if (inputs.bios) throw new UsageError('run: --bios does not go with --kernel (direct kernel boot runs no BIOS)');
    return {
      ...base,
      ...media,
      kernel: readGuestFile('--kernel', inputs.kernel),
      initrd: inputs.initrd ? readGuestFile('--initrd', inputs.initrd) : undefined,
      cmdline: inputs.append,
    };
  }
  if (disks.length === 0 && !cdrom) throw new UsageError('run: nothing to boot; give --kernel F, --disk F or --cdrom F (or a .vmx)');
  if (inputs.initrd || inputs.append !== undefined) throw new UsageError('run: --initrd and --append need --kernel (a disk boots its own loader)');
  const boot = inputs.boot ?? (disks.length > 0 ? 'c' : 'd');
  if (boot !== 'c' && boot !== 'd') throw new UsageError(`run: --boot ${boot}: expected c (disk) or d (CD-ROM)`);
  if (boot === 'c' && disks.length === 0) throw new UsageError('run: --boot c needs a --disk');
  if (boot === 'd' && !cdrom) throw new UsageError('run: --boot d needs a --cdrom');
  const biosFile = inputs.bios ?? firstBios();
  if (!biosFile) throw new VmdeskError('usage', "run: no BIOS image; install Debian's seabios or pass --bios F");
  const bios = readGuestFile('--bios', biosFile).data;
  const vgaBios = fs.existsSync(DEFAULT_VGA_BIOS) ? readGuestFile('VGA BIOS', DEFAULT_VGA_BIOS).data : undefined;
  return {
    ...base,
    ...media,
    firmware: { bios, vgaBios },
    bootOrder: boot === 'c' ? (cdrom ? ['c', 'd'] : ['c']) : disks.length > 0 ? ['d', 'c'] : ['d'],
  };
}
