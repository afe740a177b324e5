// Change tracking for the console: a bitmap over VRAM written by the hot paths (one OR per
// write, no allocation), and a tile map over the rendered frame that the renderer fills when
// a re-rendered pixel really changed, turned into rectangles for "what changed since the
// last frame".

/** VRAM granule tracked by one bit: 1 KiB. */
export const VRAM_DIRTY_SHIFT = 10;

export class VramDirtyMap {
  readonly bits: Uint32Array;

  constructor(vramBytes: number) {
    this.bits = new Uint32Array(Math.ceil(vramBytes / (1 << VRAM_DIRTY_SHIFT) / 32));
  }

  mark(offset: number): void {
    const g = offset >>> VRAM_DIRTY_SHIFT;
    this.bits[g >>> 5]! |= 1 << (g & 31);
  }

  markRange(offset: number, length: number): void {
    if (length <= 0) return;
    const last = (offset + length - 1) >>> VRAM_DIRTY_SHIFT;
    for (let g = offset >>> VRAM_DIRTY_SHIFT; g <= last; g++) this.bits[g >>> 5]! |= 1 << (g & 31);
  }

  /** Any granule of [offset, offset+length) written since the last clear? */
  anyIn(offset: number, length: number): boolean {
    if (length <= 0) return false;
    const last = Math.min((offset + length - 1) >>> VRAM_DIRTY_SHIFT, this.bits.length * 32 - 1);
    for (let g = offset >>> VRAM_DIRTY_SHIFT; g <= last; g++) if (this.bits[g >>> 5]! & (1 << (g & 31))) return true;
    return false;
  }

  clear(): void {
    this.bits.fill(0);
  }
}

export interface DirtyRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Size of a change tile on screen. */
export const TILE = 16;

export class TileMap {
  tilesX = 0;
  tilesY = 0;
  tiles = new Uint8Array(0);

  constructor(
    public width = 0,
    public height = 0,
  ) {
    this.resize(width, height);
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.tilesX = Math.ceil(width / TILE);
    this.tilesY = Math.ceil(height / TILE);
    this.tiles = new Uint8Array(this.tilesX * this.tilesY);
  }

  markPixel(x: number, y: number): void {
    this.tiles[((y / TILE) | 0) * this.tilesX + ((x / TILE) | 0)] = 1;
  }

  markAll(): void {
    this.tiles.fill(1);
  }

  /** Rectangles covering the marked tiles (runs per tile row, merged downwards), then clear. */
  takeRects(): DirtyRect[] {
    const rects: DirtyRect[] = [];
    const open = new Map<string, DirtyRect>();
    for (let ty = 0; ty < this.tilesY; ty++) {
      const nextOpen = new Map<string, DirtyRect>();
      let tx = 0;
      while (tx < this.tilesX) {
        if (!this.tiles[ty * this.tilesX + tx]) {
          tx++;
          continue;
        }
        const start = tx;
        while (tx < this.tilesX && this.tiles[ty * this.tilesX + tx]) tx++;
        const key = `${start}:${tx}`;
        const x = start * TILE;
        const width = Math.min(tx * TILE, this.width) - x;
        const y = ty * TILE;
        const height = Math.min(y + TILE, this.height) - y;
        const above = open.get(key);
        if (above) {
          above.height = y + height - above.y;
          nextOpen.set(key, above);
        } else {
          const r = { x, y, width, height };
          rects.push(r);
          nextOpen.set(key, r);
        }
      }
      open.clear();
      for (const [k, v] of nextOpen) open.set(k, v);
    }
    this.tiles.fill(0);
    return rects;
  }
}
