// The qcow2 image header and its header extensions (QEMU docs/interop/qcow2.txt, "Header",
// "Header extensions"), parsed for read-only use. Big-endian. Every field is range-checked
// against the file before anything else reads through it, so a hostile header ends in a
// one-line CorruptImageError naming the field. Features this reader does not implement
// (backing files, encryption, external data files, extended L2 entries, zstd) end in an
// UnsupportedImageError, so a caller can fall back to qemu-img.
import { UnsupportedImageError, corrupt } from '../errors';

export const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

/** qemu's own limits: clusters of 512 bytes to 2 MiB, an active L1 table of at most 32 MiB. */
export const MIN_CLUSTER_BITS = 9;
export const MAX_CLUSTER_BITS = 21;
export const MAX_L1_BYTES = 32 << 20;

const V2_HEADER_LENGTH = 72;
const V3_MIN_HEADER_LENGTH = 104;

// Incompatible feature bits: only "dirty" (lazy refcounts) is harmless to a reader.
const INCOMPAT_DIRTY = 1 << 0;
const INCOMPAT_COMPRESSION = 1 << 3;
const KNOWN_INCOMPAT_NAMES: Record<number, string> = {
  0: 'dirty',
  1: 'corrupt',
  2: 'external data file',
  3: 'compression type',
  4: 'extended L2 entries',
};

// Header extension types; the backing-format (0xe2792aca) and bitmaps (0x23852875) extensions
// and unknown types are skipped, as the spec allows.
const EXT_END = 0x00000000;
const EXT_FEATURE_NAMES = 0x6803f857;
const EXT_CRYPTO = 0x0537be77;
const EXT_DATA_FILE = 0x44415441;

export interface Qcow2Header {
  readonly version: 2 | 3;
  readonly clusterBits: number;
  readonly clusterSize: number;
  /** Virtual disk size in bytes. */
  readonly size: number;
  readonly l1Size: number;
  readonly l1TableOffset: number;
  /** Entries of one L2 table (cluster_size / 8). */
  readonly l2Entries: number;
  /** Lazy refcounts left the image dirty: harmless for reading (refcounts are not used). */
  readonly dirty: boolean;
}

/** Reads a big-endian u64 as a number; Infinity when it exceeds 2^53 (never a valid offset here). */
export function readU64BE(dv: DataView, off: number): number {
  const hi = dv.getUint32(off);
  const lo = dv.getUint32(off + 4);
  if (hi > 0x1fffff) return Number.POSITIVE_INFINITY;
  return hi * 0x100000000 + lo;
}

/**
 * Parses the header in `head` (the first min(cluster, file) bytes of the file; at least the
 * first 4 KiB when the file has them). `fileSize` bounds every table the header points at.
 */
export function parseQcow2Header(file: string, head: Uint8Array, fileSize: number): Qcow2Header {
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.byteLength < V2_HEADER_LENGTH) throw corrupt(file, 'header', `the file has ${fileSize} bytes, fewer than the 72 of a qcow2 header (truncated?)`);
  const magic = dv.getUint32(0);
  if (magic !== QCOW2_MAGIC) throw corrupt(file, 'header.magic', `0x${magic.toString(16)} is not "QFI\\xfb"`);
  const version = dv.getUint32(4);
  if (version === 1) throw new UnsupportedImageError(file, 'is a qcow (version 1) image; the qcow2 reader reads versions 2 and 3');
  if (version !== 2 && version !== 3) throw new UnsupportedImageError(file, `header.version = ${version}: the qcow2 reader knows versions 2 and 3`);

  const clusterBits = dv.getUint32(20);
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
    throw corrupt(file, 'header.cluster_bits', `${clusterBits} is outside ${MIN_CLUSTER_BITS}..${MAX_CLUSTER_BITS} (clusters of 512 bytes to 2 MiB)`);
  }
  const clusterSize = 2 ** clusterBits;

  let headerLength = V2_HEADER_LENGTH;
  let incompat = 0;
  let incompatHigh = 0;
  if (version === 3) {
    if (head.byteLength < V3_MIN_HEADER_LENGTH) throw corrupt(file, 'header', `a version 3 header needs ${V3_MIN_HEADER_LENGTH} bytes, the file has ${fileSize} (truncated?)`);
    headerLength = dv.getUint32(100);
    if (headerLength < V3_MIN_HEADER_LENGTH || headerLength % 8 !== 0 || headerLength > clusterSize) {
      throw corrupt(file, 'header.header_length', `${headerLength}: must be a multiple of 8 from ${V3_MIN_HEADER_LENGTH} to the cluster size ${clusterSize}`);
    }
    if (headerLength > head.byteLength) throw corrupt(file, 'header.header_length', `${headerLength} bytes, but the file ends at ${fileSize} (truncated?)`);
    incompatHigh = dv.getUint32(72);
    incompat = dv.getUint32(76);
    const refcountOrder = dv.getUint32(96);
    if (refcountOrder > 6) throw corrupt(file, 'header.refcount_order', `${refcountOrder}: at most 6 (64-bit refcounts)`);
  }

  const backingOffset = readU64BE(dv, 8);
  const backingSize = dv.getUint32(16);
  if (backingOffset !== 0) {
    if (backingSize > 1023) throw corrupt(file, 'header.backing_file_size', `${backingSize}: at most 1023 bytes`);
    let name = '';
    if (backingOffset + backingSize <= head.byteLength) name = ` "${Buffer.from(head.subarray(backingOffset, backingOffset + backingSize)).toString('utf8')}"`;
    throw new UnsupportedImageError(file, `has a backing file${name}; the qcow2 reader reads standalone images only`);
  }

  const size = readU64BE(dv, 24);
  if (!Number.isFinite(size)) throw corrupt(file, 'header.size', 'exceeds 2^53 bytes');
  if (size % 512 !== 0) throw new UnsupportedImageError(file, `header.size = ${size} is not a whole number of 512-byte sectors`);

  const crypt = dv.getUint32(32);
  if (crypt > 2) throw corrupt(file, 'header.crypt_method', `${crypt}: 0 (none), 1 (AES) or 2 (LUKS)`);
  if (crypt !== 0) throw new UnsupportedImageError(file, `is encrypted (${crypt === 1 ? 'AES' : 'LUKS'}); the qcow2 reader reads unencrypted images only`);

  const l1Size = dv.getUint32(36);
  const l1TableOffset = readU64BE(dv, 40);
  const l2Entries = clusterSize / 8;
  const perL1 = clusterSize * l2Entries; // virtual bytes one L1 entry maps
  if (l1Size * 8 > MAX_L1_BYTES) throw corrupt(file, 'header.l1_size', `${l1Size} entries: more than qemu's ${MAX_L1_BYTES >> 20} MiB limit`);
  if (l1Size < Math.ceil(size / perL1)) throw corrupt(file, 'header.l1_size', `${l1Size} entries map ${l1Size * perL1} bytes, fewer than the disk's ${size}`);
  if (l1Size > 0) {
    if (!Number.isFinite(l1TableOffset) || l1TableOffset % clusterSize !== 0 || l1TableOffset < clusterSize) {
      throw corrupt(file, 'header.l1_table_offset', `${l1TableOffset}: must be a cluster-aligned offset past the header`);
    }
    if (l1TableOffset + l1Size * 8 > fileSize) throw corrupt(file, 'header.l1_table_offset', `the L1 table (${l1Size} entries at ${l1TableOffset}) ends past the end of the file at ${fileSize} (truncated?)`);
  }

  // Not used for reading, but a header whose tables point outside the file is not to be trusted.
  const refcountOffset = readU64BE(dv, 48);
  const refcountClusters = dv.getUint32(56);
  checkTable(file, 'header.refcount_table_offset', refcountOffset, refcountClusters * clusterSize, clusterSize, fileSize);
  const nbSnapshots = dv.getUint32(60);
  const snapshotsOffset = readU64BE(dv, 64);
  if (nbSnapshots > 0) checkTable(file, 'header.snapshots_offset', snapshotsOffset, 40 * nbSnapshots, clusterSize, fileSize);

  const names = parseExtensions(file, head, headerLength, clusterSize);

  if (incompatHigh !== 0 || (incompat & ~INCOMPAT_DIRTY) !== 0) {
    let compressionType = 0;
    if (incompat & INCOMPAT_COMPRESSION) {
      compressionType = headerLength > 104 ? head[104]! : 0;
      if (compressionType === 0) throw corrupt(file, 'header.compression_type', 'the compression-type feature is set but the type is 0 (zlib)');
    }
    const set: string[] = [];
    for (let bit = 0; bit < 64; bit++) {
      const word = bit < 32 ? incompat : incompatHigh;
      if (bit !== 0 && (word >>> (bit % 32)) & 1) set.push(names.get(bit) ?? KNOWN_INCOMPAT_NAMES[bit] ?? `bit ${bit}`);
    }
    const what = set.map((s) => (s === 'compression type' ? `compression type ${compressionType === 1 ? 'zstd' : compressionType}` : s));
    throw new UnsupportedImageError(file, `uses qcow2 features the reader does not implement: ${what.join(', ')}`);
  }

  return { version, clusterBits, clusterSize, size, l1Size, l1TableOffset, l2Entries, dirty: (incompat & INCOMPAT_DIRTY) !== 0 };
}

function checkTable(file: string, field: string, offset: number, bytes: number, clusterSize: number, fileSize: number): void {
  if (bytes === 0) return;
  if (!Number.isFinite(offset) || offset % clusterSize !== 0 || offset < clusterSize) throw corrupt(file, field, `${offset}: must be a cluster-aligned offset past the header`);
  if (offset + bytes > fileSize) throw corrupt(file, field, `the table (${bytes} bytes at ${offset}) ends past the end of the file at ${fileSize} (truncated?)`);
}

/**
 * Walks the header extensions between the header and the end of the first cluster. Returns
 * the names of incompatible features from the feature name table (for error messages).
 */
function parseExtensions(file: string, head: Uint8Array, start: number, clusterSize: number): Map<number, string> {
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const end = Math.min(clusterSize, head.byteLength);
  const names = new Map<number, string>();
  const seen = new Set<number>();
  let at = start;
  while (at + 8 <= end) {
    const type = dv.getUint32(at);
    const len = dv.getUint32(at + 4);
    if (type === EXT_END) return names;
    const field = `header extension 0x${type.toString(16).padStart(8, '0')} at ${at}`;
    if (len > end - at - 8) throw corrupt(file, field, `${len} bytes run past the first cluster (${end})`);
    if (seen.has(type)) throw corrupt(file, field, 'appears twice');
    seen.add(type);
    const data = head.subarray(at + 8, at + 8 + len);
    if (type === EXT_FEATURE_NAMES) {
      for (let i = 0; i + 48 <= data.length; i += 48) {
        if (data[i] !== 0 || data[i + 1]! > 63) continue;
        const raw = Buffer.from(data.subarray(i + 2, i + 48));
        const nul = raw.indexOf(0);
        names.set(data[i + 1]!, raw.subarray(0, nul < 0 ? raw.length : nul).toString('latin1'));
      }
    } else if (type === EXT_DATA_FILE) {
      throw new UnsupportedImageError(file, `keeps its data in an external file ("${Buffer.from(data).toString('utf8')}"); the qcow2 reader reads self-contained images only`);
    } else if (type === EXT_CRYPTO) {
      throw new UnsupportedImageError(file, 'has an encryption header; the qcow2 reader reads unencrypted images only');
    }
    at += 8 + Math.ceil(len / 8) * 8;
  }
  if (at < end) throw corrupt(file, `header extension at ${at}`, 'truncated: fewer than 8 bytes before the end of the first cluster');
  return names;
}
