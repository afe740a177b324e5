// The VGA as the consoles' display adapter: the renderer redraws what changed into its own
// RGBA frame, and this copies just those rectangles into the shared frame (rgbx words are
// the renderer's RGBA bytes), resizing it on a mode change. A blanked screen (0×0, or the
// attribute controller's screen-off) stays black at its last size, as a monitor would. A
// resize, or a target other than the last one, gets the whole picture.
import { VgaRenderer, type Vga } from '../../devices/vga';
import type { DisplayAdapter, FrameTarget } from './frame';

export class VgaDisplayAdapter implements DisplayAdapter {
  private readonly renderer: VgaRenderer;
  /** The target that holds the renderer's picture as of the last refresh. */
  private drawnInto: FrameTarget | undefined;

  constructor(
    vga: Vga,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.renderer = new VgaRenderer(vga);
  }

  refresh(target: FrameTarget): void {
    const update = this.renderer.update(this.nowMs());
    const { width, height } = update;
    if (width === 0 || height === 0) return;
    const source = new Uint32Array(this.renderer.pixels.buffer, this.renderer.pixels.byteOffset, width * height);
    if (update.resized || target !== this.drawnInto || target.width !== width || target.height !== height || target.format !== 'rgbx') {
      // A new size, or a target that does not hold our last picture: send all of it.
      target.resize(width, height, 'rgbx');
      target.pixels.set(source);
      target.markAllDirty();
      this.drawnInto = target;
      return;
    }
    const dest = target.pixels;
    for (const r of update.rects) {
      for (let y = r.y; y < r.y + r.height; y++) {
        const row = y * width;
        dest.set(source.subarray(row + r.x, row + r.x + r.width), row + r.x);
      }
      target.markDirty(r.x, r.y, r.width, r.height);
    }
  }
}
