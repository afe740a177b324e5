// What one RFB client has on its screen, exactly: every pixel rectangle is copied from the
// frame into this shadow first and encoded from it, and CopyRects are applied to it as the
// client applies them. So the server knows the client's pixels without races against the
// guest drawing, and can (1) skip dirty tiles whose pixels the client already has (a guest
// that redraws an unchanged screen costs nothing on the wire) and (2) find vertical scrolls
// of the frame relative to the client's screen and send them as CopyRect (RFC 6143 §7.7.2).
import { type FrameSource, TILE } from '../../vmm/console';
import type { Rect } from './encodings';

/** A scroll is looked for when the dirty band is at least this many rows high. */
const MIN_SCROLL_BAND = 2 * TILE;
const SAMPLES = 8;
const MAX_SAME_ROWS = 4;
const MAX_OFFSETS = 16;

export interface VerticalCopy {
  /** Destination rectangle (full width); the source is the same rectangle at srcY. */
  readonly dst: Rect;
  readonly srcY: number;
}

function rowHash(px: Uint32Array, offset: number, width: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < width; i++) h = Math.imul(h ^ px[offset + i]!, 0x01000193);
  return h;
}

export class ClientShadow {
  readonly pixels: Uint32Array;
  /** Tiles the client has received (its other pixels are unknown). */
  private readonly valid: Uint8Array;
  readonly columns: number;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint32Array(width * height);
    this.columns = Math.ceil(width / TILE);
    this.valid = new Uint8Array(this.columns * Math.ceil(height / TILE));
  }

  /** Takes the rectangle's current frame pixels (what is about to be sent). */
  capture(frame: FrameSource, r: Rect): void {
    const src = frame.pixels;
    const fw = frame.width;
    for (let y = r.y; y < r.y + r.h; y++) this.pixels.set(src.subarray(y * fw + r.x, y * fw + r.x + r.w), y * this.width + r.x);
    const tx1 = Math.ceil((r.x + r.w) / TILE);
    const ty1 = Math.ceil((r.y + r.h) / TILE);
    for (let ty = Math.floor(r.y / TILE); ty < ty1; ty++) {
      for (let tx = Math.floor(r.x / TILE); tx < tx1; tx++) {
        // Valid only when the whole tile (as far as the screen goes) was captured.
        const covered = tx * TILE >= r.x && Math.min((tx + 1) * TILE, this.width) <= r.x + r.w && ty * TILE >= r.y && Math.min((ty + 1) * TILE, this.height) <= r.y + r.h;
        if (covered) this.valid[ty * this.columns + tx] = 1;
      }
    }
  }

  /** The client lost these pixels (a non-incremental request): nothing there is known. */
  invalidate(r: Rect): void {
    const tx1 = Math.min(this.columns, Math.ceil((r.x + r.w) / TILE));
    const ty1 = Math.min(this.valid.length / Math.max(1, this.columns), Math.ceil((r.y + r.h) / TILE));
    for (let ty = Math.floor(r.y / TILE); ty < ty1; ty++) for (let tx = Math.floor(r.x / TILE); tx < tx1; tx++) this.valid[ty * this.columns + tx] = 0;
  }

  /** Whether the client already shows tile (tx, ty) exactly as the frame has it now. */
  tileUnchanged(frame: FrameSource, tx: number, ty: number): boolean {
    if (!this.valid[ty * this.columns + tx]) return false;
    const fw = frame.width;
    const src = frame.pixels;
    const x0 = tx * TILE;
    const x1 = Math.min(x0 + TILE, this.width, fw);
    const y1 = Math.min((ty + 1) * TILE, this.height, frame.height);
    for (let y = ty * TILE; y < y1; y++) {
      const a = y * fw;
      const b = y * this.width;
      for (let x = x0; x < x1; x++) if (src[a + x] !== this.pixels[b + x]) return false;
    }
    return true;
  }

  /**
   * A vertical scroll inside rows [y0, y1) of a frame as wide as this screen: the largest
   * run of frame rows that equal the client's rows shifted by one offset, if it is worth a
   * CopyRect (at least a tile high). The source rows must all be valid on the client.
   */
  findVerticalCopy(frame: FrameSource, y0: number, y1: number): VerticalCopy | undefined {
    if (frame.width !== this.width || y1 - y0 < MIN_SCROLL_BAND) return undefined;
    const w = this.width;
    const fpx = frame.pixels;
    const now: number[] = [];
    const prev: number[] = [];
    const before = new Map<number, number[]>();
    for (let y = y0; y < y1; y++) {
      now.push(rowHash(fpx, y * w, w));
      const h = rowHash(this.pixels, y * w, w);
      prev.push(h);
      const list = before.get(h);
      if (list) list.push(y);
      else before.set(h, [y]);
    }
    // Offsets suggested by sample rows whose content appears only a few times before
    // (blank rows match everywhere and suggest nothing).
    const offsets = new Set<number>();
    for (let k = 0; k < SAMPLES * 4 && offsets.size < MAX_OFFSETS; k++) {
      const y = y0 + Math.floor(((k + 0.5) * (y1 - y0)) / (SAMPLES * 4));
      const list = before.get(now[y - y0]!);
      if (!list || list.length > MAX_SAME_ROWS) continue;
      for (const from of list) if (from !== y) offsets.add(y - from);
    }
    let best: VerticalCopy | undefined;
    for (const dy of offsets) {
      let runStart = -1;
      for (let y = Math.max(y0, y0 + dy); y <= Math.min(y1, y1 + dy); y++) {
        const ok = y < Math.min(y1, y1 + dy) && now[y - y0] === prev[y - dy - y0] && this.rowsEqual(fpx, y, y - dy) && this.rowValid(y - dy);
        if (ok && runStart < 0) runStart = y;
        if (!ok && runStart >= 0) {
          const h = y - runStart;
          if (h >= TILE && (!best || h > best.dst.h)) best = { dst: { x: 0, y: runStart, w, h }, srcY: runStart - dy };
          runStart = -1;
        }
      }
    }
    return best;
  }

  private rowsEqual(fpx: Uint32Array, frameY: number, shadowY: number): boolean {
    const w = this.width;
    for (let x = 0; x < w; x++) if (fpx[frameY * w + x] !== this.pixels[shadowY * w + x]) return false;
    return true;
  }

  private rowValid(y: number): boolean {
    const ty = Math.floor(y / TILE);
    for (let tx = 0; tx < this.columns; tx++) if (!this.valid[ty * this.columns + tx]) return false;
    return true;
  }

  /** The client applied a CopyRect: move the rows in the shadow the same way. */
  applyCopy(c: VerticalCopy): void {
    const w = this.width;
    this.pixels.copyWithin(c.dst.y * w, c.srcY * w, (c.srcY + c.dst.h) * w);
    // Destination tiles fully inside the copy are valid (their source rows were).
    const ty0 = Math.ceil(c.dst.y / TILE);
    const ty1 = Math.floor((c.dst.y + c.dst.h) / TILE);
    for (let ty = ty0; ty < ty1; ty++) for (let tx = 0; tx < this.columns; tx++) this.valid[ty * this.columns + tx] = 1;
  }
}
