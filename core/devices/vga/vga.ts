// The VGA core (FreeVGA register reference; IBM VGA technical reference): misc output,
// sequencer, CRT controller (with the CR11 write protect of CR0–CR7), graphics controller,
// attribute controller with its index/data flip-flop (reset by reading input status 1),
// the DAC, and the four planes behind the 0xA0000–0xBFFFF window with read modes 0–1,
// write modes 0–3, chain-4 and odd/even. Plus Bochs VBE DISPI with a linear framebuffer.
//
// VRAM layout (as QEMU keeps it): plane p of plane offset o is byte o*4+p, so chain-4 and
// the linear framebuffer are plain byte addresses. Every write marks the VRAM dirty map; the
// renderer (renderer.ts) reads registers and VRAM to draw. No allocation on the access paths.
import type { AccessSize, MmioDevice, PortDevice } from '../../bus';
import { readBytewise, writeBytewise } from '../types';
import { VramDirtyMap } from './dirty';
import { restoreVga, saveVga, type VgaState } from './state';
import {
  VBE_BPP_ALLOWED,
  VBE_DISPI_8BIT_DAC,
  VBE_DISPI_ENABLED,
  VBE_DISPI_GETCAPS,
  VBE_DISPI_ID0,
  VBE_DISPI_ID5,
  VBE_DISPI_INDEX_BANK,
  VBE_DISPI_INDEX_BPP,
  VBE_DISPI_INDEX_COUNT,
  VBE_DISPI_INDEX_ENABLE,
  VBE_DISPI_INDEX_ID,
  VBE_DISPI_INDEX_VIDEO_MEMORY_64K,
  VBE_DISPI_INDEX_VIRT_HEIGHT,
  VBE_DISPI_INDEX_VIRT_WIDTH,
  VBE_DISPI_INDEX_X_OFFSET,
  VBE_DISPI_INDEX_XRES,
  VBE_DISPI_INDEX_Y_OFFSET,
  VBE_DISPI_INDEX_YRES,
  VBE_DISPI_MAX_BPP,
  VBE_DISPI_MAX_XRES,
  VBE_DISPI_MAX_YRES,
  VBE_DISPI_NOCLEARMEM,
  vbeBytesPerPixel,
} from './vbe-defs';

export const VGA_VRAM_DEFAULT = 16 << 20;

/** 4 bits → 4 bytes of all ones (plane masks). */
const MASK16 = new Uint32Array(16);
for (let i = 0; i < 16; i++) MASK16[i] = (i & 1 ? 0xff : 0) | (i & 2 ? 0xff00 : 0) | (i & 4 ? 0xff0000 : 0) | (i & 8 ? 0xff000000 : 0);

// Writable bits per register (QEMU hw/display/vga.c sr_mask/gr_mask).
const SEQ_MASK = [0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff];
const GC_MASK = [0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff];

export interface VgaOptions {
  /** VRAM size in bytes, a power of two ≥ 1 MiB (default 16 MiB). */
  vramBytes?: number;
  /** Backing store for VRAM (e.g. a SharedArrayBuffer a console thread also maps). */
  vramBuffer?: ArrayBufferLike;
}

export class Vga {
  readonly vram: Uint8Array;
  readonly vram32: Uint32Array;
  readonly vramView: DataView;
  readonly dirty: VramDirtyMap;

  misc = 0;
  featureControl = 0;
  seqIndex = 0;
  readonly seq = new Uint8Array(8);
  crtcIndex = 0;
  readonly crtc = new Uint8Array(0x40);
  gcIndex = 0;
  readonly gc = new Uint8Array(16);
  arIndex = 0;
  arFlipFlop = false;
  readonly ar = new Uint8Array(0x15);
  dacWriteIndex = 0;
  dacReadIndex = 0;
  dacSub = 0;
  dacState = 0;
  pelMask = 0xff;
  /** 256 × RGB, 6-bit values (8-bit with VBE_DISPI_8BIT_DAC). */
  readonly dac = new Uint8Array(768);
  private readonly dacLatch = new Uint8Array(3);
  private retrace = 0;
  private latch = 0;

  vbeIndex = 0;
  readonly vbe = new Uint16Array(VBE_DISPI_INDEX_COUNT);
  vbeId = VBE_DISPI_ID5;
  bankOffset = 0;

  /** Bumped when a register that shapes the picture changes (the renderer redraws everything). */
  generation = 0;
  /** Bumped when only the text cursor moved or changed shape. */
  cursorGeneration = 0;

  readonly ioPorts: PortDevice;
  readonly vbePorts: PortDevice;
  readonly legacyWindow: MmioDevice;
  readonly lfb: MmioDevice;

  constructor(options: VgaOptions = {}) {
    const size = options.vramBytes ?? options.vramBuffer?.byteLength ?? VGA_VRAM_DEFAULT;
    if (size < 1 << 20 || (size & (size - 1)) !== 0) throw new RangeError(`vga: VRAM of ${size} bytes is not a power of two of at least 1 MiB`);
    const buffer = options.vramBuffer ?? new ArrayBuffer(size);
    this.vram = new Uint8Array(buffer, 0, size);
    this.vram32 = new Uint32Array(buffer, 0, size >>> 2);
    this.vramView = new DataView(buffer, 0, size);
    this.dirty = new VramDirtyMap(size);
    this.vbe[VBE_DISPI_INDEX_BPP] = 8;

    this.ioPorts = {
      readPort: (offset, size) => readBytewise(offset, size, (o) => this.readIo(0x3b0 + o)),
      writePort: (offset, size, value) => writeBytewise(offset, size, value, (o, v) => this.writeIo(0x3b0 + o, v)),
    };
    this.vbePorts = {
      readPort: (offset) => (offset === 0 ? this.vbeIndex : this.readVbe()),
      writePort: (offset, _size, value) => {
        if (offset === 0) this.vbeIndex = value & 0xffff;
        else this.writeVbe(value & 0xffff);
      },
    };
    this.legacyWindow = {
      readMmio: (offset, size) => {
        if (size === 1) return this.readLegacy(offset);
        let v = 0;
        for (let i = 0; i < size; i++) v |= this.readLegacy(offset + i) << (8 * i);
        return v >>> 0;
      },
      writeMmio: (offset, size, value) => {
        if (size === 1) this.writeLegacy(offset, value & 0xff);
        else for (let i = 0; i < size; i++) this.writeLegacy(offset + i, (value >>> (8 * i)) & 0xff);
      },
    };
    this.lfb = {
      readMmio: (offset, size) => this.readLfb(offset, size),
      writeMmio: (offset, size, value) => this.writeLfb(offset, size, value),
    };
  }

  /** Machine reset: registers to power-on values, VBE off; VRAM keeps its contents. */
  reset(): void {
    this.misc = this.featureControl = 0;
    this.seqIndex = this.crtcIndex = this.gcIndex = this.arIndex = 0;
    this.seq.fill(0);
    this.crtc.fill(0);
    this.gc.fill(0);
    this.ar.fill(0);
    this.arFlipFlop = false;
    this.dacWriteIndex = this.dacReadIndex = this.dacSub = this.dacState = 0;
    this.pelMask = 0xff;
    this.vbeIndex = 0;
    this.vbe.fill(0);
    this.vbe[VBE_DISPI_INDEX_BPP] = 8;
    this.vbeId = VBE_DISPI_ID5;
    this.bankOffset = 0;
    this.generation++;
  }

  get vramSize(): number {
    return this.vram.length;
  }

  // ---- I/O registers ----

  private colorMode(): boolean {
    return (this.misc & 1) !== 0;
  }

  readIo(port: number): number {
    // The CRTC and input status 1 answer at 3Bx (mono) or 3Dx (colour), per misc bit 0.
    if ((port < 0x3c0 && this.colorMode()) || (port >= 0x3d0 && !this.colorMode())) return 0xff;
    switch (port) {
      case 0x3c0:
        return this.arIndex;
      case 0x3c1: {
        const i = this.arIndex & 0x1f;
        return i < 0x15 ? this.ar[i]! : 0;
      }
      case 0x3c2:
        return 0x00; // input status 0
      case 0x3c4:
        return this.seqIndex;
      case 0x3c5:
        return this.seq[this.seqIndex]!;
      case 0x3c6:
        return this.pelMask;
      case 0x3c7:
        return this.dacState;
      case 0x3c8:
        return this.dacWriteIndex;
      case 0x3c9: {
        const v = this.dac[this.dacReadIndex * 3 + this.dacSub]!;
        if (++this.dacSub === 3) {
          this.dacSub = 0;
          this.dacReadIndex = (this.dacReadIndex + 1) & 0xff;
        }
        return v;
      }
      case 0x3ca:
        return this.featureControl;
      case 0x3cc:
        return this.misc;
      case 0x3ce:
        return this.gcIndex;
      case 0x3cf:
        return this.gcIndex < 9 ? this.gc[this.gcIndex]! : 0;
      case 0x3b4:
      case 0x3d4:
        return this.crtcIndex;
      case 0x3b5:
      case 0x3d5:
        return this.crtcIndex < 0x19 ? this.crtc[this.crtcIndex]! : 0;
      case 0x3ba:
      case 0x3da:
        // Reading input status 1 resets the attribute flip-flop to "index" (FreeVGA, 3C0h).
        this.arFlipFlop = false;
        // Display enable (bit 0) and vertical retrace (bit 3) toggle on every read, so wait loops end.
        this.retrace ^= 0x09;
        return this.retrace;
      default:
        return 0xff;
    }
  }

  writeIo(port: number, v: number): void {
    if ((port < 0x3c0 && this.colorMode()) || (port >= 0x3d0 && !this.colorMode())) return;
    switch (port) {
      case 0x3c0:
        if (!this.arFlipFlop) {
          this.arIndex = v & 0x3f;
        } else {
          const i = this.arIndex & 0x1f;
          if (i < 0x10) this.ar[i] = v & 0x3f;
          else if (i === 0x10) this.ar[i] = v & ~0x10;
          else if (i === 0x11) this.ar[i] = v;
          else if (i === 0x12) this.ar[i] = v & 0x3f;
          else if (i === 0x13 || i === 0x14) this.ar[i] = v & 0x0f;
        }
        this.arFlipFlop = !this.arFlipFlop;
        this.generation++;
        return;
      case 0x3c2:
        this.misc = v & ~0x10;
        this.generation++;
        return;
      case 0x3c4:
        this.seqIndex = v & 7;
        return;
      case 0x3c5:
        this.seq[this.seqIndex] = v & SEQ_MASK[this.seqIndex]!;
        this.generation++;
        return;
      case 0x3c6:
        this.pelMask = v;
        return;
      case 0x3c7:
        this.dacReadIndex = v;
        this.dacSub = 0;
        this.dacState = 3;
        return;
      case 0x3c8:
        this.dacWriteIndex = v;
        this.dacSub = 0;
        this.dacState = 0;
        return;
      case 0x3c9:
        this.dacLatch[this.dacSub] = v & (this.vbe[VBE_DISPI_INDEX_ENABLE]! & VBE_DISPI_8BIT_DAC ? 0xff : 0x3f);
        if (++this.dacSub === 3) {
          this.dac.set(this.dacLatch, this.dacWriteIndex * 3);
          this.dacSub = 0;
          this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff;
          this.generation++;
        }
        return;
      case 0x3ce:
        this.gcIndex = v & 0x0f;
        return;
      case 0x3cf:
        if (this.gcIndex < 9) {
          this.gc[this.gcIndex] = v & GC_MASK[this.gcIndex]!;
          this.generation++;
        }
        return;
      case 0x3b4:
      case 0x3d4:
        this.crtcIndex = v & 0x3f;
        return;
      case 0x3b5:
      case 0x3d5:
        this.writeCrtc(this.crtcIndex, v);
        return;
      case 0x3ba:
      case 0x3da:
        this.featureControl = v & 0x10;
        return;
      default:
    }
  }

  private writeCrtc(i: number, v: number): void {
    if (i >= 0x19) return;
    // CR11 bit 7 protects CR0–CR7, except the line compare bit 8 in CR7 bit 4 (FreeVGA, CR11).
    if (this.crtc[0x11]! & 0x80 && i <= 7) {
      if (i === 7) this.crtc[7] = (this.crtc[7]! & ~0x10) | (v & 0x10);
      this.generation++;
      return;
    }
    this.crtc[i] = v;
    if (i >= 0x0a && i <= 0x0f && i !== 0x0c && i !== 0x0d) this.cursorGeneration++;
    else this.generation++;
  }

  // ---- Bochs VBE DISPI ----

  get vbeEnabled(): boolean {
    return (this.vbe[VBE_DISPI_INDEX_ENABLE]! & VBE_DISPI_ENABLED) !== 0;
  }

  get dac8bit(): boolean {
    return (this.vbe[VBE_DISPI_INDEX_ENABLE]! & VBE_DISPI_8BIT_DAC) !== 0;
  }

  /** Bytes per scanline of the VBE mode (virtual width × bytes per pixel). */
  get vbeLineBytes(): number {
    return Math.floor(this.vbe[VBE_DISPI_INDEX_VIRT_WIDTH]! * vbeBytesPerPixel(this.vbe[VBE_DISPI_INDEX_BPP]!));
  }

  /** VRAM offset of the top-left visible pixel (X/Y_OFFSET panning). */
  get vbeStart(): number {
    const bpp = this.vbe[VBE_DISPI_INDEX_BPP]!;
    return this.vbe[VBE_DISPI_INDEX_Y_OFFSET]! * this.vbeLineBytes + Math.floor(this.vbe[VBE_DISPI_INDEX_X_OFFSET]! * vbeBytesPerPixel(bpp));
  }

  private readVbe(): number {
    const i = this.vbeIndex;
    if (i >= VBE_DISPI_INDEX_COUNT) return 0;
    if (this.vbe[VBE_DISPI_INDEX_ENABLE]! & VBE_DISPI_GETCAPS) {
      if (i === VBE_DISPI_INDEX_XRES) return VBE_DISPI_MAX_XRES;
      if (i === VBE_DISPI_INDEX_YRES) return VBE_DISPI_MAX_YRES;
      if (i === VBE_DISPI_INDEX_BPP) return VBE_DISPI_MAX_BPP;
    }
    if (i === VBE_DISPI_INDEX_ID) return this.vbeId;
    if (i === VBE_DISPI_INDEX_VIDEO_MEMORY_64K) return this.vramSize >>> 16;
    return this.vbe[i]!;
  }

  private writeVbe(v: number): void {
    const r = this.vbe;
    switch (this.vbeIndex) {
      case VBE_DISPI_INDEX_ID:
        if (v >= VBE_DISPI_ID0 && v <= VBE_DISPI_ID5) this.vbeId = v;
        return;
      case VBE_DISPI_INDEX_XRES:
        if (v <= VBE_DISPI_MAX_XRES && (v & 7) === 0) r[VBE_DISPI_INDEX_XRES] = v;
        return;
      case VBE_DISPI_INDEX_YRES:
        if (v <= VBE_DISPI_MAX_YRES) r[VBE_DISPI_INDEX_YRES] = v;
        return;
      case VBE_DISPI_INDEX_BPP:
        if (v === 0) v = 8;
        if ((VBE_BPP_ALLOWED as readonly number[]).includes(v)) r[VBE_DISPI_INDEX_BPP] = v;
        return;
      case VBE_DISPI_INDEX_BANK:
        r[VBE_DISPI_INDEX_BANK] = v & ((this.vramSize >>> 16) - 1);
        this.bankOffset = r[VBE_DISPI_INDEX_BANK]! << 16;
        return;
      case VBE_DISPI_INDEX_ENABLE:
        this.writeVbeEnable(v);
        return;
      case VBE_DISPI_INDEX_VIRT_WIDTH: {
        const line = Math.floor(v * vbeBytesPerPixel(r[VBE_DISPI_INDEX_BPP]!));
        if (v < r[VBE_DISPI_INDEX_XRES]! || line === 0) return;
        const h = Math.floor(this.vramSize / line);
        if (h < r[VBE_DISPI_INDEX_YRES]!) return; // does not fit in VRAM
        r[VBE_DISPI_INDEX_VIRT_WIDTH] = v;
        r[VBE_DISPI_INDEX_VIRT_HEIGHT] = Math.min(h, 0xffff);
        this.generation++;
        return;
      }
      case VBE_DISPI_INDEX_X_OFFSET:
      case VBE_DISPI_INDEX_Y_OFFSET:
        r[this.vbeIndex] = v;
        this.generation++;
        return;
      default:
    }
  }

  private writeVbeEnable(v: number): void {
    const r = this.vbe;
    const was = (r[VBE_DISPI_INDEX_ENABLE]! & VBE_DISPI_ENABLED) !== 0;
    if (v & VBE_DISPI_ENABLED && !was) {
      const xres = r[VBE_DISPI_INDEX_XRES]!;
      const yres = r[VBE_DISPI_INDEX_YRES]!;
      const bpp = r[VBE_DISPI_INDEX_BPP]!;
      const line = Math.floor(xres * vbeBytesPerPixel(bpp));
      if (xres === 0 || yres === 0 || line * yres > this.vramSize) {
        r[VBE_DISPI_INDEX_ENABLE] = v & ~VBE_DISPI_ENABLED & 0xff; // a mode that does not fit stays off
        return;
      }
      r[VBE_DISPI_INDEX_VIRT_WIDTH] = xres;
      r[VBE_DISPI_INDEX_VIRT_HEIGHT] = Math.min(0xffff, Math.floor(this.vramSize / line));
      r[VBE_DISPI_INDEX_X_OFFSET] = 0;
      r[VBE_DISPI_INDEX_Y_OFFSET] = 0;
      if (!(v & VBE_DISPI_NOCLEARMEM)) {
        this.vram.fill(0, 0, line * yres);
        this.dirty.markRange(0, line * yres);
      }
      // Graphics mode, A0000 64 KiB window, chain-4, 256-colour shift: banked access is linear.
      this.gc[6] = (this.gc[6]! & ~0x0c) | 0x05;
      this.gc[5] |= 0x40;
      this.seq[4] |= 0x08;
      this.seq[2] |= 0x0f; // all planes written
    } else if (!(v & VBE_DISPI_ENABLED) && was) {
      this.bankOffset = 0;
      r[VBE_DISPI_INDEX_BANK] = 0;
    }
    r[VBE_DISPI_INDEX_ENABLE] = v & 0xff;
    this.generation++;
  }

  // ---- legacy memory window 0xA0000–0xBFFFF ----

  /** Plane offset (or chain-4 byte address) of a window offset, or -1 outside the mapped range. */
  private windowAddress(offset: number): number {
    switch ((this.gc[6]! >> 2) & 3) {
      case 0:
        return offset;
      case 1:
        return offset < 0x10000 ? offset + this.bankOffset : -1;
      case 2:
        return offset >= 0x10000 && offset < 0x18000 ? offset - 0x10000 : -1;
      default:
        return offset >= 0x18000 ? offset - 0x18000 : -1;
    }
  }

  readLegacy(offset: number): number {
    const a = this.windowAddress(offset);
    if (a < 0) return 0xff;
    if (this.seq[4]! & 0x08) return a < this.vram.length ? this.vram[a]! : 0xff; // chain-4
    if (!(this.seq[4]! & 0x04)) {
      // Odd/even: A0 picks plane 0/1 (or 2/3 with the GR4 page bit) (FreeVGA, SR04 and GR04).
      const plane = (this.gc[4]! & 2) | (a & 1);
      return this.vram[((a & ~1) << 1) | plane]!;
    }
    if (a >= this.vram32.length) return 0xff;
    const latch = this.vram32[a]!;
    this.latch = latch;
    if (!(this.gc[5]! & 0x08)) return (latch >>> ((this.gc[4]! & 3) * 8)) & 0xff; // read mode 0
    // Read mode 1: colour compare against GR2 over the planes GR7 selects.
    let r = (latch ^ MASK16[this.gc[2]! & 0xf]!) & MASK16[this.gc[7]! & 0xf]!;
    r |= r >>> 16;
    r |= r >>> 8;
    return ~r & 0xff;
  }

  writeLegacy(offset: number, val: number): void {
    const a = this.windowAddress(offset);
    if (a < 0) return;
    const seq = this.seq;
    const gc = this.gc;
    if (seq[4]! & 0x08) {
      if (a >= this.vram.length) return;
      if (seq[2]! & (1 << (a & 3))) {
        this.vram[a] = val;
        this.dirty.mark(a);
      }
      return;
    }
    if (!(seq[4]! & 0x04)) {
      const plane = (gc[4]! & 2) | (a & 1);
      if (seq[2]! & (1 << plane)) {
        const i = ((a & ~1) << 1) | plane;
        this.vram[i] = val;
        this.dirty.mark(i);
      }
      return;
    }
    if (a >= this.vram32.length) return;
    let v: number;
    let bitMask = gc[8]!;
    const mode = gc[5]! & 3;
    if (mode === 1) {
      v = this.latch;
    } else {
      if (mode === 0) {
        const rot = gc[3]! & 7;
        let b = ((val >>> rot) | (val << (8 - rot))) & 0xff;
        b |= b << 8;
        b |= b << 16;
        // Set/reset replaces the planes GR1 enables with GR0's bits.
        const setMask = MASK16[gc[1]! & 0xf]!;
        v = (b & ~setMask) | (MASK16[gc[0]! & 0xf]! & setMask);
      } else if (mode === 2) {
        v = MASK16[val & 0xf]!;
      } else {
        const rot = gc[3]! & 7;
        const b = ((val >>> rot) | (val << (8 - rot))) & 0xff;
        bitMask &= b;
        v = MASK16[gc[0]! & 0xf]!;
      }
      const latch = this.latch;
      switch ((gc[3]! >> 3) & 3) {
        case 1:
          v &= latch;
          break;
        case 2:
          v |= latch;
          break;
        case 3:
          v ^= latch;
          break;
        default:
      }
      bitMask |= bitMask << 8;
      bitMask |= bitMask << 16;
      v = (v & bitMask) | (latch & ~bitMask);
    }
    const writeMask = MASK16[seq[2]! & 0xf]!;
    this.vram32[a] = (this.vram32[a]! & ~writeMask) | (v & writeMask);
    this.dirty.mark(a << 2);
  }

  save(): VgaState {
    return saveVga(this);
  }

  restore(state: VgaState): void {
    restoreVga(this, state);
  }

  // ---- linear framebuffer (PCI BAR0) ----

  readLfb(offset: number, size: AccessSize): number {
    if (offset + size > this.vram.length) return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
    if (size === 1) return this.vram[offset]!;
    if (size === 2) return this.vramView.getUint16(offset, true);
    return this.vramView.getUint32(offset, true);
  }

  writeLfb(offset: number, size: AccessSize, value: number): void {
    if (offset + size > this.vram.length) return;
    if (size === 4 && (offset & 3) === 0) this.vram32[offset >>> 2] = value;
    else if (size === 1) this.vram[offset] = value;
    else if (size === 2) this.vramView.setUint16(offset, value, true);
    else this.vramView.setUint32(offset, value, true);
    const bits = this.dirty.bits;
    const g = offset >>> 10;
    bits[g >>> 5]! |= 1 << (g & 31);
    if (((offset + size - 1) ^ offset) >>> 10) this.dirty.mark(offset + size - 1);
  }
}
