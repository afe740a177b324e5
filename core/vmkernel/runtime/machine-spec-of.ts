// The MachineSpec of a VM from its .vmx, checked on the host side so a missing kernel, disk
// or ISO is one line before any worker starts (the worker touches only the disks' paths):
//   vmdesk.kernel/.initrd/.append → direct kernel boot (read here, passed as bytes);
//   otherwise SeaBIOS from reset, booting bios.bootOrder's first device (hdd or cdrom).
// Either way the IDE disks (ide0:0 primary master, ide0:1 primary slave) and the CD-ROM
// (ide1:0, `deviceType = "cdrom-image"`, the secondary master) are there for the guest.
// File names are relative to the VM's folder unless absolute or datastore paths.
import fs from 'node:fs';
import path from 'node:path';
import { VmdeskError, errorMessage } from '../../common';
import { openImage } from '../../storage';
import type { MachineSpec } from '../../vmm';
import type { FirmwareImages } from './firmware-images';
import type { VmLaunchSpec } from './vm-runtime';

/** Largest kernel or initrd we read into the VM's spec. */
const MAX_BOOT_FILE = 512 * 2 ** 20;
/** Where each IDE slot sits on the PIIX3: disks on the primary channel, the CD-ROM on the secondary. */
const DISK_SLOTS = ['ide0:0', 'ide0:1'];

function hostPath(spec: VmLaunchSpec, key: string, file: string): string {
  try {
    return spec.resolveFile ? spec.resolveFile(file) : path.resolve(spec.folder, file);
  } catch (err) {
    throw new VmdeskError('bad-request', `vm ${spec.name}: ${key} = "${file}": ${errorMessage(err)}`);
  }
}

function readBootFile(spec: VmLaunchSpec, key: string, file: string): { name: string; data: Uint8Array } {
  const abs = hostPath(spec, key, file);
  let data: Buffer;
  try {
    const st = fs.statSync(abs);
    if (!st.isFile()) throw new Error('not a file');
    if (st.size > MAX_BOOT_FILE) throw new Error(`${st.size} bytes is more than a boot file may be`);
    data = fs.readFileSync(abs);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errorMessage(err);
    throw new VmdeskError('bad-request', `vm ${spec.name}: ${key} = "${file}": cannot read ${abs}: ${why}`);
  }
  return { name: path.basename(abs), data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Opens the image once to prove it is one we read (VMDK, raw or ISO). */
function checkedImage(spec: VmLaunchSpec, key: string, file: string, readOnly: boolean): string {
  const abs = hostPath(spec, key, file);
  const what = readOnly ? 'the image' : 'the disk';
  if (!fs.existsSync(abs)) throw new VmdeskError('bad-request', `vm ${spec.name}: ${key} = "${file}": cannot open ${what} ${abs}: no such file`);
  try {
    openImage(abs, { readOnly: true }).dispose();
  } catch (err) {
    const msg = errorMessage(err);
    const why = msg.startsWith(abs) ? msg.slice(abs.length).replace(/^:\s*/, '') : msg;
    throw new VmdeskError('bad-request', `vm ${spec.name}: ${key} = "${file}": cannot open ${what} ${abs}: ${why}`);
  }
  return abs;
}

export interface MachineSpecInputs {
  /** SeaBIOS, asked for only when the VM boots through the BIOS. */
  readonly firmware: () => FirmwareImages;
}

export function machineSpecOf(spec: VmLaunchSpec, inputs: MachineSpecInputs): MachineSpec {
  const { config } = spec;
  const disks = config.ide.filter((d) => d.type === 'disk');
  const cdroms = config.ide.filter((d) => d.type === 'cdrom');
  for (const d of disks) {
    if (!DISK_SLOTS.includes(d.slot)) {
      throw new VmdeskError('bad-request', `vm ${spec.name}: ${d.slot}.fileName = "${d.fileName}": hard disks go on ide0:0 or ide0:1 (the secondary channel holds the CD-ROM)`);
    }
  }
  if (cdroms.length > 1) throw new VmdeskError('bad-request', `vm ${spec.name}: ${cdroms.map((c) => c.slot).join(' and ')} are both CD-ROMs; this host gives a VM one CD-ROM drive`);
  // What it boots is checked first: a kernel VM with a missing kernel hears about the kernel.
  const boot = config.kernelBoot;
  const kernel = boot
    ? {
        kernel: readBootFile(spec, 'vmdesk.kernel', boot.kernel),
        ...(boot.initrd ? { initrd: readBootFile(spec, 'vmdesk.initrd', boot.initrd) } : {}),
        ...(boot.append !== undefined ? { cmdline: boot.append } : {}),
      }
    : undefined;
  const sorted = [...disks].sort((a, b) => a.slot.localeCompare(b.slot));
  const media = {
    disks: sorted.map((d) => ({ path: checkedImage(spec, `${d.slot}.fileName`, d.fileName, false), readOnly: false })),
    ...(cdroms[0] ? { cdrom: checkedImage(spec, `${cdroms[0].slot}.fileName`, cdroms[0].fileName, true) } : {}),
  };
  const base = { memoryMB: config.memoryMB, debugExit: false, noReboot: false, apic: true, ...media };
  if (kernel) return { ...base, ...kernel };
  const hasDisk = media.disks.length > 0;
  const hasCd = media.cdrom !== undefined;
  const first = config.bootOrder ?? (hasDisk ? 'disk' : 'cdrom');
  if (!hasDisk && !hasCd) {
    throw new VmdeskError('bad-request', `vm ${spec.name}: nothing to boot: it has no hard disk, no CD-ROM image and no kernel (vmdesk.kernel)`);
  }
  if (first === 'cdrom' && !hasCd) throw new VmdeskError('bad-request', `vm ${spec.name}: bios.bootOrder starts with cdrom but the VM has no CD-ROM image`);
  if (first === 'disk' && !hasDisk) throw new VmdeskError('bad-request', `vm ${spec.name}: bios.bootOrder starts with hdd but the VM has no hard disk`);
  // SeaBIOS tries the devices in this order (fw_cfg bootorder), the other one second.
  const bootOrder: ('c' | 'd')[] = first === 'disk' ? (hasCd ? ['c', 'd'] : ['c']) : hasDisk ? ['d', 'c'] : ['d'];
  const { bios, vgaBios } = inputs.firmware();
  return { ...base, firmware: { bios, ...(vgaBios ? { vgaBios } : {}) }, bootOrder };
}
