// Exporting a vmdesk VM as an OVA: each disk as a streamOptimized VMDK (what OVF packages
// carry, and what qemu-img and VMware's tools read), the OVF 1.0 envelope, a manifest of
// SHA256 sums, archived in that order. Built in a staging folder; the .ova appears only whole.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertImage, openImage } from '../../storage';
import { VmxFile, readVmConfig } from '../../vmkernel/vmx';
import { ConverterError, checkCancelled } from '../errors';
import { ProgressTracker, type ProgressListener } from '../progress';
import { formatEnvelope } from './envelope';
import { digestRange, formatManifest } from './manifest';
import { writeTar } from './tar';

export interface ExportOptions {
  readonly progress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export async function exportOva(vmxPath: string, ova: string, o: ExportOptions = {}): Promise<{ ova: string; disks: number }> {
  const out = path.resolve(ova);
  if (fs.existsSync(out)) throw new ConverterError(`${out}: already exists`, 'converter.exists');
  const vmx = VmxFile.parse(fs.readFileSync(vmxPath, 'utf8'), vmxPath);
  const config = readVmConfig(vmx);
  const dir = path.dirname(vmxPath);
  const name = config.displayName;
  const disks = config.ide.filter((d) => d.type === 'disk').map((d) => path.resolve(dir, d.fileName));
  const sizes = disks.map((d) => {
    const b = openImage(d, { readOnly: true });
    try {
      return b.sizeBytes;
    } finally {
      b.dispose();
    }
  });
  const work = fs.mkdtempSync(path.join(path.dirname(out), `.${path.basename(out)}.exporting-`));
  const tracker = new ProgressTracker(sizes.reduce((a, b) => a + b, 0) * 2 + 1, o.progress);
  try {
    const base = name.replace(/[^\w.-]+/g, '_');
    const entries: { href: string; fileSize: number; capacityBytes: number; path: string }[] = [];
    for (const [i, d] of disks.entries()) {
      checkCancelled(o.signal, out);
      const href = `${base}-disk${i + 1}.vmdk`;
      const p = path.join(work, href);
      const step = tracker.step(`disk ${i + 1} of ${disks.length}`, sizes[i]!);
      // Checked between disks: a throw inside the copy would leave its reads in flight.
      await convertImage(d, p, { format: 'vmdk', subformat: 'streamOptimized', progress: step });
      checkCancelled(o.signal, out);
      entries.push({ href, fileSize: fs.statSync(p).size, capacityBytes: sizes[i]!, path: p });
    }
    const ovfName = `${base}.ovf`;
    const ovfText = formatEnvelope({ name, hardware: { memoryMB: config.memoryMB, cpus: config.cpus, guestOS: config.guestOS, nics: config.ethernet.map((e) => ({ networkName: e.networkName, virtualDev: e.virtualDev })) }, disks: entries });
    fs.writeFileSync(path.join(work, ovfName), ovfText);
    const mfName = `${base}.mf`;
    const sumStep = tracker.step('manifest', sizes.reduce((a, b) => a + b, 0));
    const lines = [ovfName, ...entries.map((e) => e.href)].map((n, i, all) => {
      sumStep(i, all.length);
      return { algorithm: 'SHA256' as const, name: n, digest: digestRange(path.join(work, n), 'sha256') };
    });
    fs.writeFileSync(path.join(work, mfName), formatManifest(lines));
    checkCancelled(o.signal, out);
    const tmpOva = path.join(work, 'out.ova');
    writeTar(tmpOva, [ovfName, mfName, ...entries.map((e) => e.href)].map((n) => ({ name: n, path: path.join(work, n) })));
    fs.renameSync(tmpOva, out);
    tracker.finish();
    return { ova: out, disks: disks.length };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
