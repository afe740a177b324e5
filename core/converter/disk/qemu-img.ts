// Foreign disk formats (qcow2, VDI, VHD, VHDX, QED…) are read by Debian's `qemu-img`
// (package qemu-utils): `qemu-img info` names the format and size, and `qemu-img convert`
// writes the guest-visible bytes into our own VMDK writer through a local NBD socket
// (nbd-sink.ts), skipping zeros, so no raw copy of the disk is ever stored.
import { spawn, spawnSync } from 'node:child_process';
import { ConversionCancelledError, ConverterError } from '../errors';
import { type NbdDisk, NbdSink } from './nbd-sink';

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

/** Runs `qemu-img ARGS` with -p, reporting its percent; cancellable (SIGTERM). */
function runQemuImg(src: string, args: readonly string[], progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('qemu-img', args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
      if (signal?.aborted) return reject(new ConversionCancelledError(src));
      if (code === 0) return resolve();
      reject(new ConverterError(`${src}: qemu-img convert failed: ${stderr.trim().split('\n')[0] || `exit ${code}`}`));
    });
  });
}

/**
 * qemu-img reads SRC (any format it knows, backing chains included) and writes it into
 * `disk` (a new, all-zero disk of the same size) over NBD. `--target-is-zero` with `-n` makes
 * it skip zero areas instead of writing them; writes arrive in order (no -W), so grains are
 * laid out as the guest sees them.
 */
export async function qemuConvertInto(src: string, format: string, disk: NbdDisk, progress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<void> {
  const sink = await NbdSink.listen(disk);
  try {
    try {
      await runQemuImg(src, ['convert', '-p', '-n', '--target-is-zero', '-f', format, '-O', 'raw', src, sink.url], progress, signal);
    } catch (err) {
      // A failed write of ours makes qemu-img fail too; ours says why (a full disk…).
      if (sink.error && !(err instanceof ConversionCancelledError)) throw new ConverterError(`${src}: writing the converted disk failed: ${sink.error.message}`, 'converter.io');
      throw err;
    }
    if (!sink.connected) throw new ConverterError(`${src}: qemu-img finished without writing the disk`);
    // qemu-img has exited, so its socket is closed: this settles at once.
    await sink.finished.catch((err: Error) => {
      throw new ConverterError(`${src}: writing the converted disk failed: ${err.message}`, 'converter.io');
    });
  } finally {
    sink.close();
    // Writes already handed to the disk finish before the caller closes it.
    await sink.drained();
  }
}
