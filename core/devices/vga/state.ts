// Saved state of the VGA: every register, the DAC and VRAM up to its last non-zero 64 KiB
// (base64), so a snapshot of a text console is small.
import { VmdeskError } from '../../common';
import { checkState, DeviceStateError, stateNumber } from '../types';
import type { Vga } from './vga';

export class VgaError extends VmdeskError {
  constructor(message: string) {
    super('vga', message);
  }
}

export const VGA_STATE_VERSION = 1;
export interface VgaState {
  version: typeof VGA_STATE_VERSION;
  scalars: Record<string, number | boolean>;
  seq: number[];
  crtc: number[];
  gc: number[];
  ar: number[];
  dac: string;
  vbe: number[];
  vram: string;
}

const SCALARS = ['misc', 'featureControl', 'seqIndex', 'crtcIndex', 'gcIndex', 'arIndex', 'arFlipFlop', 'dacWriteIndex', 'dacReadIndex', 'dacSub', 'dacState', 'pelMask', 'vbeIndex', 'vbeId', 'bankOffset'] as const;

export function saveVga(vga: Vga): VgaState {
  let last = vga.vram32.length - 1;
  while (last >= 0 && vga.vram32[last] === 0) last--;
  const end = Math.min(vga.vram.length, Math.ceil(((last + 1) * 4) / 0x10000) * 0x10000);
  const scalars: Record<string, number | boolean> = {};
  for (const k of SCALARS) scalars[k] = vga[k];
  return {
    version: VGA_STATE_VERSION,
    scalars,
    seq: Array.from(vga.seq),
    crtc: Array.from(vga.crtc),
    gc: Array.from(vga.gc),
    ar: Array.from(vga.ar),
    dac: Buffer.from(vga.dac).toString('base64'),
    vbe: Array.from(vga.vbe),
    vram: Buffer.from(vga.vram.subarray(0, Math.max(0, end))).toString('base64'),
  };
}

export function restoreVga(vga: Vga, state: VgaState): void {
  checkState('vga', state, VGA_STATE_VERSION);
  const bytes = (name: string, v: unknown, into: Uint8Array | Uint16Array): void => {
    if (!Array.isArray(v) || v.length !== into.length) throw new DeviceStateError(`vga: saved state field ${name} is not ${into.length} numbers`);
    into.set(v.map((x) => Number(x) || 0));
  };
  bytes('seq', state.seq, vga.seq);
  bytes('crtc', state.crtc, vga.crtc);
  bytes('gc', state.gc, vga.gc);
  bytes('ar', state.ar, vga.ar);
  bytes('vbe', state.vbe, vga.vbe);
  const dac = Buffer.from(String(state.dac ?? ''), 'base64');
  if (dac.length !== 768) throw new DeviceStateError('vga: saved state field dac is not 768 bytes');
  vga.dac.set(dac);
  const s = state.scalars ?? {};
  const w = vga as unknown as Record<string, number | boolean>;
  for (const k of SCALARS) w[k] = k === 'arFlipFlop' ? Boolean(s[k]) : stateNumber('vga', s, k);
  const vram = Buffer.from(String(state.vram ?? ''), 'base64');
  if (vram.length > vga.vram.length) throw new DeviceStateError(`vga: saved VRAM of ${vram.length} bytes is larger than ${vga.vram.length}`);
  vga.vram.fill(0);
  vga.vram.set(vram);
  vga.dirty.markRange(0, vga.vram.length);
  vga.generation++;
}
