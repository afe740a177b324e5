// streamOptimized markers (VMDK spec 5.0, "Stream-Optimized Compressed Sparse Extents"):
// a grain marker is {u64 lba, u32 size} followed by `size` bytes of deflate data; a metadata
// marker is {u64 numSectors, u32 size = 0, u32 type} padded to one sector.
export const MARKER_EOS = 0;
export const MARKER_GT = 1;
export const MARKER_GD = 2;
export const MARKER_FOOTER = 3;

export interface Marker {
  value: number;
  size: number;
  type: number;
}

export function decodeMarker(sector: Uint8Array): Marker {
  const dv = new DataView(sector.buffer, sector.byteOffset, 16);
  return {
    value: dv.getUint32(0, true) + dv.getUint32(4, true) * 0x100000000,
    size: dv.getUint32(8, true),
    type: dv.getUint32(12, true),
  };
}

/** One sector holding a metadata marker. */
export function metadataMarker(type: number, numSectors: number): Uint8Array {
  const b = new Uint8Array(512);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, numSectors % 0x100000000, true);
  dv.setUint32(4, Math.floor(numSectors / 0x100000000), true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, type, true);
  return b;
}
