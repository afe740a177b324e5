// Foreign disk formats (qcow2, VDI, VHD, VHDX, QED…) are read by Debian's `qemu-img`
// (package qemu-utils): `qemu-img info` names the format and size, `qemu-img convert -O raw`
// unpacks it into a sparse raw scratch file that our own code then writes as VMDK.
import { spawn, spawnSync } from 'node:child_process';
import { ConverterError } from '../errors';

export interface QemuImageInfo {
  readonly format: string;
  readonly virtualSize: number;
}

export const FOREIGN_FORMATS = ['qcow2', 'qcow', 'vdi', 'vpc', 'vhdx', 'qed', 'parallels', 'dmg', 'cloop'] as const;

function qemuMissing(file: string): ConverterError {
  return new ConverterError(`${file}: reading this format needs qemu-img (Debian package qemu-utils), which is not installed`, 'converter.dependency');
}

export function qemuImgInfo(file: string): QemuImageInfo {
  const r = spawnSync('qemu-img', ['info', '--output=json', file], { encoding: 'utf8' });
  if (r.error) throw qemuMissing(file);
  if (r.status !== 0) throw new ConverterError(`${file}: qemu-img cannot read it: ${r.stderr.trim().split('\n')[0]}`, 'converter.unsupported');
  const info = JSON.parse(r.stdout) as { format?: string; 'virtual-size'?: number };
  if (!info.format || typeof info['virtual-size'] !== 'number') throw new ConverterError(`${file}: qemu-img info gave no format or size`);
  return { format: info.format, virtualSize: info['virtual-size'] };
}

/** `qemu-img convert -p -O raw SRC DST`, reporting its percent; cancellable. */
export function qemuToRaw(src: string, format: string, dst: string, progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-img', ['convert', '-p', '-f', format, '-O', 'raw', src, dst], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const onAbort = (): void => void child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      const m = /\((\d+(?:\.\d+)?)\/100%\)/g;
      let last: RegExpExecArray | null = null;
      for (let x = m.exec(s); x; x = m.exec(s)) last = x;
      if (last) progress?.(Number(last[1]), 100);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', () => reject(qemuMissing(src)));
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (code === 0) return resolve();
      reject(new ConverterError(`${src}: qemu-img convert failed: ${stderr.trim().split('\n')[0] ?? `exit ${code}`}`));
    });
  });
}
