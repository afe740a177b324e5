// The contract between whatever draws a VM's screen and whoever shows it. The display
// device (the VGA, in the VM's worker) draws into a FrameTarget; the consoles (the RFB
// server, on the host's main thread) read a FrameSource. SharedFrame is both, over one
// SharedArrayBuffer, so pixels cross threads without copies or messages.
//
// Pixels are 32-bit words, one per pixel, packed rows (stride = width): 'bgrx' is the
// word 0x00RRGGBB (bytes B,G,R,X in memory: VBE's 32 bpp layout), 'rgbx' the word
// 0x00BBGGRR (bytes R,G,B,X: a canvas ImageData's RGBA). Dirt is kept per TILE×TILE tile.

/** Edge of a dirty tile in pixels (ZRLE's tile size, RFC 6143 §7.7.6). */
export const TILE = 64;
export const MAX_FRAME_WIDTH = 4096;
export const MAX_FRAME_HEIGHT = 4096;

export type FramePixelFormat = 'bgrx' | 'rgbx';

/** What a display device draws into (worker side). */
export interface FrameTarget {
  readonly width: number;
  readonly height: number;
  readonly format: FramePixelFormat;
  /** width*height words, row-major; valid until the next resize(). */
  readonly pixels: Uint32Array;
  /** A mode change: new size (0×0 = no picture) and format; the whole frame becomes dirty. */
  resize(width: number, height: number, format?: FramePixelFormat): void;
  /** Call after drawing the rectangle (clipped to the frame). */
  markDirty(x: number, y: number, width: number, height: number): void;
  markAllDirty(): void;
}

/**
 * What the VM builder asks of a display device (the VGA implements this at merge): draw
 * whatever changed since the last call into the target, marking what it drew, and resize
 * the target on a mode change. Called from the VM's run loop between slices (~60 Hz).
 */
export interface DisplayAdapter {
  refresh(target: FrameTarget): void;
}

/** A tile grid position; tile (tx, ty) covers x = tx*TILE … and y = ty*TILE …. */
export interface DirtyTiles {
  /** Tiles per row and rows of tiles for the size the dirt was taken at. */
  readonly columns: number;
  readonly rows: number;
  /** One byte per tile, row-major; non-zero = dirty. */
  readonly tiles: Uint8Array;
}

/** What a console reads (host side). */
export interface FrameSource {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly format: FramePixelFormat;
  readonly pixels: Uint32Array;
  /** Changes whenever something was drawn (or the size changed); cheap to poll. */
  readonly generation: number;
  /** Changes on every resize(). */
  readonly sizeGeneration: number;
  /** The tiles dirtied since the previous call, and clears them. */
  takeDirty(): DirtyTiles;
}

/** X11 keysyms and RFB pointer events, as consoles deliver them, towards the VM. */
export interface InputSink {
  /** A key went down or up (RFC 6143 §7.5.4; keysyms per X11's keysymdef.h). */
  key(keysym: number, down: boolean): void;
  /** Absolute position in frame pixels and the RFB button mask (bit 0 left, 1 middle,
   *  2 right, 3 wheel up, 4 wheel down; RFC 6143 §7.5.5). */
  pointer(x: number, y: number, buttonMask: number): void;
  /**
   * A physical key by its XT (set 1) make code, as QEMU's Extended Key Event carries it
   * (< 0x80 plain, 0x80 | b for E0 b), with the keysym it produced (0 if none): layout-
   * independent typing. Optional; consoles fall back to key() without it.
   */
  scancode?(xt: number, keysym: number, down: boolean): void;
}

/** A VM's screen and input, as one console needs them. */
export interface ConsoleDisplay {
  readonly frame: FrameSource;
  readonly input: InputSink;
  /** The VNC Authentication password (RFC 6143 §7.2.2; only 8 bytes count), if any. */
  readonly password?: string;
}
