// The MachineSpec of a VM from its .vmx: memory, the APIC platform and, for direct kernel
// boot, the kernel and initrd read here on the host side (the worker touches no paths).
// Paths in vmdesk.kernel/.initrd are relative to the VM's folder unless absolute.
import fs from 'node:fs';
import path from 'node:path';
import { VmdeskError, errorMessage } from '../../common';
import type { MachineSpec } from '../../vmm';
import type { VmLaunchSpec } from './vm-runtime';

/** Largest kernel or initrd we read into the VM's spec. */
const MAX_BOOT_FILE = 512 * 2 ** 20;

function readBootFile(spec: VmLaunchSpec, key: string, file: string): { name: string; data: Uint8Array } {
  const abs = path.resolve(spec.folder, file);
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

export function machineSpecOf(spec: VmLaunchSpec): MachineSpec {
  const boot = spec.config.kernelBoot;
  if (!boot) {
    throw new VmdeskError(
      'unavailable',
      `vm ${spec.name}: booting from its disk or CD-ROM needs the BIOS, which this host cannot run yet; give it a kernel to boot directly (vmdesk.kernel)`,
    );
  }
  return {
    memoryMB: spec.config.memoryMB,
    kernel: readBootFile(spec, 'vmdesk.kernel', boot.kernel),
    ...(boot.initrd ? { initrd: readBootFile(spec, 'vmdesk.initrd', boot.initrd) } : {}),
    ...(boot.append !== undefined ? { cmdline: boot.append } : {}),
    debugExit: false,
    noReboot: false,
    apic: true,
  };
}
