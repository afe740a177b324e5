// RFB encoding numbers (RFC 6143 §7.7, §7.8; IANA "RFB encoding types").
export const ENCODING = {
  raw: 0,
  copyRect: 1,
  zrle: 16,
  desktopSize: -223,
  extendedDesktopSize: -308,
  lastRect: -224,
  qemuExtendedKeyEvent: -258,
} as const;

/** Pixels to encode from: frame words, `width` per row (a frame, or a client's copy of one). */
export interface PixelRows {
  readonly pixels: Uint32Array;
  readonly width: number;
}

/** A rectangle of the frame. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}
