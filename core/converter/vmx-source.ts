// A VMware VM folder (.vmx + disks) as a source: its disks on any controller (ide, scsi,
// sata, nvme) become IDE disks of the new VM, in controller order; the .vmx is rewritten,
// keeping keys we do not own (VMware's tools, annotations).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VmxFile } from '../vmkernel/vmx';
import { ConverterError } from './errors';
import type { TargetHardware, TargetNic } from './vm-folder';

export interface VmxSource {
  readonly vmx: VmxFile;
  readonly disks: readonly string[];
  readonly hardware: Partial<TargetHardware>;
}

const DISK_KEY = /^(ide|scsi|sata|nvme)(\d+):(\d+)\.filename$/i;

/** The .vmx of `p`: the file itself, or the one .vmx in a folder. */
export function findVmx(p: string): string | undefined {
  if (p.toLowerCase().endsWith('.vmx') && fs.statSync(p).isFile()) return p;
  if (!fs.statSync(p).isDirectory()) return undefined;
  const vmxs = fs.readdirSync(p).filter((f) => f.toLowerCase().endsWith('.vmx'));
  if (vmxs.length > 1) throw new ConverterError(`${p}: holds ${vmxs.length} .vmx files (${vmxs.join(', ')}); name the one to convert`, 'usage');
  return vmxs.length ? path.join(p, vmxs[0]!) : undefined;
}

export function readVmxSource(file: string): VmxSource {
  const vmx = VmxFile.parse(fs.readFileSync(file, 'utf8'), file);
  const dir = path.dirname(file);
  const found: { order: number[]; file: string }[] = [];
  const busOrder = ['ide', 'scsi', 'sata', 'nvme'];
  for (const [key, value] of vmx.entries()) {
    const m = DISK_KEY.exec(key);
    if (!m) continue;
    const dev = `${m[1]}${m[2]}:${m[3]}`;
    const present = vmx.get(`${dev}.present`);
    const type = (vmx.get(`${dev}.deviceType`) ?? 'disk').toLowerCase();
    if (present !== undefined && !/^(true|1|yes)$/i.test(present)) continue;
    if (type.startsWith('cdrom') || type.includes('passthru') || !value.toLowerCase().endsWith('.vmdk')) continue;
    const abs = path.resolve(dir, value);
    if (!fs.existsSync(abs)) throw new ConverterError(`${file}: ${key} = "${value}": the disk is missing`, 'converter.io');
    found.push({ order: [busOrder.indexOf(m[1]!.toLowerCase()), Number(m[2]), Number(m[3])], file: abs });
  }
  found.sort((a, b) => a.order[0]! - b.order[0]! || a.order[1]! - b.order[1]! || a.order[2]! - b.order[2]!);
  const num = (k: string): number | undefined => (vmx.get(k) && /^\d+$/.test(vmx.get(k)!) ? Number(vmx.get(k)) : undefined);
  const nics: TargetNic[] = [];
  for (let i = 0; i < 10; i++) {
    if (!/^(true|1|yes)$/i.test(vmx.get(`ethernet${i}.present`) ?? '')) continue;
    const mac = vmx.get(`ethernet${i}.address`);
    nics.push({ networkName: vmx.get(`ethernet${i}.networkName`) ?? 'VM Network', ...(mac ? { macAddress: mac } : {}) });
  }
  // Keys about the old disks and controllers go; writeVmConfig writes ours.
  for (const [key] of vmx.entries()) if (/^(scsi|sata|nvme)\d+/i.test(key) || /^ide\d+:\d+\./i.test(key)) vmx.delete(key);
  return {
    vmx,
    disks: found.map((f) => f.file),
    hardware: { memoryMB: num('memsize'), cpus: num('numvcpus'), guestOS: vmx.get('guestOS'), nics: nics.length ? nics : undefined },
  };
}
