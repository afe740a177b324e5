// One conversion, source to VM folder: works out what the source is (disk image, block
// device, foreign format, VMware .vmx folder, OVF/OVA), picks the hardware, converts the disks
// into a staging folder, writes NAME.vmx, and renames the folder into place. Anything that
// fails or is cancelled leaves no folder behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConverterError, checkCancelled } from './errors';
import { convertDisk, diskCost, diskFileName } from './disk-conversion';
import type { DiskType } from './disk/write-disk';
import { extractTo, openOvfPackage } from './ovf/ovf-import';
import { ProgressTracker, type ProgressListener } from './progress';
import { StagingFolder } from './staging';
import { type TargetHardware, chooseHardware, writeVmx } from './vm-folder';
import { findVmx, readVmxSource } from './vmx-source';

export type SourceKind = 'disk' | 'vmx' | 'ovf' | 'ova' | 'hot-clone';

export interface ConvertOptions {
  /** The new VM folder; NAME is its basename. */
  readonly to: string;
  readonly memoryMB?: number;
  readonly cpus?: number;
  readonly diskType?: DiskType;
  /** fdatasync each disk before the VM folder appears (default off, as qemu-img convert). */
  readonly sync?: boolean;
  readonly progress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export interface ConvertResult {
  readonly name: string;
  readonly folder: string;
  readonly vmxFile: string;
  readonly sourceKind: SourceKind;
  readonly disks: readonly string[];
  readonly hardware: TargetHardware;
  /** What was derived, clamped or could not be done, one line each. */
  readonly notes: readonly string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$/;

export function vmNameOf(dir: string): string {
  const name = path.basename(path.resolve(dir));
  if (!NAME.test(name)) throw new ConverterError(`convert: "${name}" cannot name a VM (letters, digits, space, dot, dash, underscore; 1-80)`, 'usage');
  return name;
}

export function sourceKindOf(source: string): SourceKind {
  if (!fs.existsSync(source)) throw new ConverterError(`${source}: no such file, folder or device`, 'converter.io');
  const lower = source.toLowerCase();
  if (lower.endsWith('.ova')) return 'ova';
  if (lower.endsWith('.ovf')) return 'ovf';
  if (findVmx(source)) return 'vmx';
  if (fs.statSync(source).isDirectory()) throw new ConverterError(`${source}: a folder without a .vmx; for a file tree use the hot-clone agent (vmdesk converter-agent)`, 'usage');
  return 'disk';
}

/** Runs `work` against a staging folder for `to`; commits on success, removes it otherwise. */
export async function inStaging<T>(to: string, work: (s: StagingFolder) => Promise<T>): Promise<T> {
  const staging = StagingFolder.create(to);
  try {
    const r = await work(staging);
    staging.commit();
    return r;
  } catch (err) {
    staging.abort();
    throw err;
  }
}

export async function convertToVm(source: string, o: ConvertOptions): Promise<ConvertResult> {
  const name = vmNameOf(o.to);
  const kind = sourceKindOf(source);
  const target = { type: o.diskType ?? 'thin', sync: o.sync ?? false };
  const notes: string[] = [];
  const choice = { memoryMB: o.memoryMB, cpus: o.cpus };
  // Check the choice before touching anything.
  chooseHardware({}, choice, []);
  return inStaging(o.to, async (staging) => {
    let disks: string[] = [];
    let hardware: TargetHardware;
    const vmxName = `${name}.vmx`;
    if (kind === 'disk') {
      const tracker = new ProgressTracker(diskCost(source), o.progress);
      hardware = chooseHardware({}, choice, notes);
      const d = await convertDisk(source, diskFileName(name, 0), staging, target, tracker, 'disk 1 of 1', o.signal);
      disks = [d.fileName];
      notes.push(`disk: ${d.sourceFormat} source, ${d.sizeBytes} bytes, ${d.note}`);
      tracker.finish();
      writeVmx(staging.file(vmxName), name, hardware, disks);
    } else if (kind === 'vmx') {
      const src = readVmxSource(findVmx(source)!);
      hardware = chooseHardware(src.hardware, choice, notes);
      const tracker = new ProgressTracker(src.disks.reduce((a, d) => a + diskCost(d), 0), o.progress);
      for (const [i, d] of src.disks.entries()) {
        checkCancelled(o.signal, source);
        const c = await convertDisk(d, diskFileName(name, i), staging, target, tracker, `disk ${i + 1} of ${src.disks.length}`, o.signal);
        if (c.note.startsWith('read by qemu-img')) notes.push(`${path.basename(d)}: ${c.note}`);
        disks.push(c.fileName);
      }
      tracker.finish();
      writeVmx(staging.file(vmxName), name, hardware, disks, src.vmx);
    } else {
      const pkg = openOvfPackage(source);
      if (!pkg.manifestChecked) notes.push(`${pkg.label}: no manifest; file sums were not checked`);
      hardware = chooseHardware(pkg.envelope.hardware, choice, notes);
      const tracker = new ProgressTracker(pkg.disks.reduce((a, d) => a + d.file.size + d.capacityBytes, 0), o.progress);
      for (const [i, d] of pkg.disks.entries()) {
        checkCancelled(o.signal, source);
        let p = d.file.path;
        if (d.file.offset !== 0 || d.file.size !== fs.statSync(d.file.path).size) {
          const step = tracker.step(`extract ${d.file.name}`, d.file.size);
          p = staging.scratch(d.file.name);
          extractTo(d.file, p);
          step(1, 1);
        }
        const c = await convertDisk(p, diskFileName(name, i), staging, target, tracker, `disk ${i + 1} of ${pkg.disks.length}`, o.signal);
        if (c.note.startsWith('read by qemu-img')) notes.push(`${d.file.name}: ${c.note}`);
        if (c.sizeBytes !== d.capacityBytes) notes.push(`${d.file.name}: ${c.sizeBytes} bytes, the envelope says ${d.capacityBytes}`);
        disks.push(c.fileName);
      }
      tracker.finish();
      writeVmx(staging.file(vmxName), name, hardware, disks);
    }
    return { name, folder: path.resolve(o.to), vmxFile: path.join(path.resolve(o.to), vmxName), sourceKind: kind, disks, hardware, notes };
  });
}
