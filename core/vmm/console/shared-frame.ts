// One VM screen in a SharedArrayBuffer: a small Int32 header (size, format, generation
// counters), a dirty-tile bitmap and the pixels. The worker's display device writes it as
// a FrameTarget; the host's consoles read it as a FrameSource. Ordering: the writer draws,
// then sets dirty bits and bumps the generation (atomics); the reader clears bits, then
// reads pixels — so a tile drawn during a read is dirty again and sent once more.
import { VmdeskError } from '../../common';
import { type DirtyTiles, type FramePixelFormat, type FrameSource, type FrameTarget, MAX_FRAME_HEIGHT, MAX_FRAME_WIDTH, TILE } from './frame';

const MAGIC = 0x31464d76; // "vMF1"
const H_MAGIC = 0;
const H_WIDTH = 1;
const H_HEIGHT = 2;
const H_FORMAT = 3;
const H_GENERATION = 4;
const H_SIZE_GENERATION = 5;
const H_CAPACITY = 6;
const HEADER_WORDS = 16;
const MAX_TILES = Math.ceil(MAX_FRAME_WIDTH / TILE) * Math.ceil(MAX_FRAME_HEIGHT / TILE);
const BITMAP_WORDS = Math.ceil(MAX_TILES / 32);
const PIXELS_OFFSET = (HEADER_WORDS + BITMAP_WORDS) * 4;

export class SharedFrame implements FrameTarget, FrameSource {
  private readonly header: Int32Array;
  private readonly bitmap: Int32Array;
  private readonly all: Uint32Array;
  private view: Uint32Array;
  private viewSize = -1;

  /** A new frame able to hold `capacityPixels` (e.g. the VGA's VRAM / 4). */
  static allocate(capacityPixels: number, name = 'screen'): SharedFrame {
    if (!Number.isInteger(capacityPixels) || capacityPixels < 0 || capacityPixels > MAX_FRAME_WIDTH * MAX_FRAME_HEIGHT) {
      throw new VmdeskError('usage', `console: a frame of ${capacityPixels} pixels is not possible (at most ${MAX_FRAME_WIDTH}x${MAX_FRAME_HEIGHT})`);
    }
    const buffer = new SharedArrayBuffer(PIXELS_OFFSET + capacityPixels * 4);
    const header = new Int32Array(buffer, 0, HEADER_WORDS);
    header[H_MAGIC] = MAGIC;
    header[H_CAPACITY] = capacityPixels;
    return new SharedFrame(buffer, name);
  }

  /** The other thread's view of a frame made by allocate(). */
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly name = 'screen',
  ) {
    if (buffer.byteLength < PIXELS_OFFSET) throw new VmdeskError('usage', 'console: the shared frame buffer is too small to be one');
    this.header = new Int32Array(buffer, 0, HEADER_WORDS);
    if (this.header[H_MAGIC] !== MAGIC) throw new VmdeskError('usage', 'console: the shared buffer is not a vmdesk frame');
    this.bitmap = new Int32Array(buffer, HEADER_WORDS * 4, BITMAP_WORDS);
    this.all = new Uint32Array(buffer, PIXELS_OFFSET, this.header[H_CAPACITY]!);
    this.view = this.all.subarray(0, 0);
  }

  get capacity(): number {
    return this.all.length;
  }
  get width(): number {
    return Atomics.load(this.header, H_WIDTH);
  }
  get height(): number {
    return Atomics.load(this.header, H_HEIGHT);
  }
  get format(): FramePixelFormat {
    return Atomics.load(this.header, H_FORMAT) === 1 ? 'rgbx' : 'bgrx';
  }
  get generation(): number {
    return Atomics.load(this.header, H_GENERATION);
  }
  get sizeGeneration(): number {
    return Atomics.load(this.header, H_SIZE_GENERATION);
  }

  get pixels(): Uint32Array {
    const size = this.sizeGeneration;
    if (size !== this.viewSize) {
      this.viewSize = size;
      this.view = this.all.subarray(0, Math.min(this.all.length, this.width * this.height));
    }
    return this.view;
  }

  // FrameTarget (the worker side)

  resize(width: number, height: number, format: FramePixelFormat = this.format): void {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || width > MAX_FRAME_WIDTH || height > MAX_FRAME_HEIGHT || width * height > this.all.length) {
      throw new VmdeskError('usage', `console: cannot show ${width}x${height} in a frame of ${this.all.length} pixels`);
    }
    Atomics.store(this.header, H_WIDTH, width);
    Atomics.store(this.header, H_HEIGHT, height);
    Atomics.store(this.header, H_FORMAT, format === 'rgbx' ? 1 : 0);
    Atomics.add(this.header, H_SIZE_GENERATION, 1);
    this.markAllDirty();
  }

  markDirty(x: number, y: number, width: number, height: number): void {
    const w = this.width;
    const h = this.height;
    const x0 = Math.max(0, x | 0);
    const y0 = Math.max(0, y | 0);
    const x1 = Math.min(w, (x + width) | 0);
    const y1 = Math.min(h, (y + height) | 0);
    if (x1 <= x0 || y1 <= y0) return;
    const columns = Math.ceil(w / TILE);
    const tx0 = (x0 / TILE) | 0;
    const tx1 = ((x1 - 1) / TILE) | 0;
    for (let ty = (y0 / TILE) | 0, tyEnd = ((y1 - 1) / TILE) | 0; ty <= tyEnd; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) {
        const bit = ty * columns + tx;
        Atomics.or(this.bitmap, bit >>> 5, 1 << (bit & 31));
      }
    }
    Atomics.add(this.header, H_GENERATION, 1);
  }

  markAllDirty(): void {
    const tiles = Math.ceil(this.width / TILE) * Math.ceil(this.height / TILE);
    for (let word = 0; word * 32 < tiles; word++) {
      const left = tiles - word * 32;
      Atomics.or(this.bitmap, word, left >= 32 ? -1 : (1 << left) - 1);
    }
    Atomics.add(this.header, H_GENERATION, 1);
  }

  // FrameSource (the host side)

  takeDirty(): DirtyTiles {
    const columns = Math.ceil(this.width / TILE);
    const rows = Math.ceil(this.height / TILE);
    const count = columns * rows;
    const tiles = new Uint8Array(count);
    for (let word = 0; word * 32 < count; word++) {
      let bits = Atomics.exchange(this.bitmap, word, 0);
      while (bits !== 0) {
        const low = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const i = word * 32 + low;
        if (i < count) tiles[i] = 1;
      }
    }
    return { columns, rows, tiles };
  }
}
