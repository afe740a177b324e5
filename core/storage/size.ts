// Human sizes: "10G", "512M", "1.5T", "4096" (bytes), binary units as qemu-img and vmkfstools use.
import { UsageError } from '../common';

const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

export function parseSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGTPB]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`${what}: "${text}" is not a size (e.g. 10G, 512M, 4096)`);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new UsageError(`${what}: "${text}" is out of range`);
  return bytes;
}

export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v >= 10 ? 1 : 2)} ${units[i]}`;
}
