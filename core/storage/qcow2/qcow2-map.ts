// Where a guest cluster of a qcow2 image lives: the L1 table (read whole at open) and the L2
// tables (read on demand, a few kept), decoded into one of four kinds (QEMU
// docs/interop/qcow2.txt, "Cluster mapping"). Every entry is checked before it is used:
// reserved bits clear, offsets cluster-aligned, past the header and inside the file.
import { corrupt } from '../errors';
import type { PositionalFile } from '../file-io';
import type { Qcow2Header } from './qcow2-header';

/** Reads as zeros: no data anywhere (no backing file is supported). */
export const CLUSTER_UNALLOCATED = 0;
/** Reads as zeros: the v3 zero flag (bit 0 of a standard descriptor). */
export const CLUSTER_ZERO = 1;
/** A standard cluster at `host`. */
export const CLUSTER_DATA = 2;
/** Deflate data of `compressedBytes` at byte `host` (not aligned). */
export const CLUSTER_COMPRESSED = 3;

const TWO_32 = 0x100000000;
/** Bytes of L2 tables kept in memory (at least 4 tables). */
const L2_CACHE_BYTES = 8 << 20;

export class Qcow2Map {
  /** Result of the last `resolve`: one of CLUSTER_*, and where its bytes are. */
  kind = CLUSTER_UNALLOCATED;
  host = 0;
  compressedBytes = 0;

  private readonly l1: DataView;
  private readonly l2Cache = new Map<number, DataView | null>();
  private readonly l2CacheMax: number;
  /** Bits 0..compressedOffsetBits-1 of a compressed descriptor hold its host offset. */
  private readonly compressedOffsetBits: number;

  constructor(
    private readonly file: PositionalFile,
    private readonly h: Qcow2Header,
    private readonly fileSize: number,
  ) {
    const l1 = new Uint8Array(h.l1Size * 8);
    if (l1.length > 0) file.readExact(l1, 0, l1.length, h.l1TableOffset, 'header.l1_table_offset');
    this.l1 = new DataView(l1.buffer);
    this.l2CacheMax = Math.max(4, Math.floor(L2_CACHE_BYTES / h.clusterSize));
    this.compressedOffsetBits = 62 - (h.clusterBits - 8);
  }

  /** Guest clusters one L2 table maps. */
  get clustersPerL2(): number {
    return this.h.l2Entries;
  }

  /** The L2 table of L1 entry `i`, or null when the whole range is unallocated. */
  l2Table(i: number): DataView | null {
    const hit = this.l2Cache.get(i);
    if (hit !== undefined) {
      // Most recently used last, so the first key is the one to drop.
      this.l2Cache.delete(i);
      this.l2Cache.set(i, hit);
      return hit;
    }
    const table = this.loadL2(i);
    if (this.l2Cache.size >= this.l2CacheMax) this.l2Cache.delete(this.l2Cache.keys().next().value!);
    this.l2Cache.set(i, table);
    return table;
  }

  private loadL2(i: number): DataView | null {
    const hi = this.l1.getUint32(i * 8);
    const lo = this.l1.getUint32(i * 8 + 4);
    const offset = (hi & 0xffffff) * TWO_32 + ((lo & 0xfffffe00) >>> 0);
    const field = `L1[${i}]`;
    // Bits 0-8 and 56-62 are reserved (bit 63 is the "copied" flag).
    if ((lo & 0x1ff) !== 0 || ((hi >>> 24) & 0x7f) !== 0) throw corrupt(this.file.path, field, `0x${hex64(hi, lo)} has reserved bits set`);
    if (offset === 0) return null;
    const cs = this.h.clusterSize;
    if (offset % cs !== 0 || offset < cs) throw corrupt(this.file.path, field, `L2 table offset ${offset} is not a cluster-aligned offset past the header`);
    if (offset + cs > this.fileSize) throw corrupt(this.file.path, field, `L2 table at ${offset} ends past the end of the file at ${this.fileSize} (truncated?)`);
    const buf = new Uint8Array(cs);
    this.file.readExact(buf, 0, cs, offset, field);
    return new DataView(buf.buffer);
  }

  /** Decodes guest cluster `c` into kind/host/compressedBytes. */
  resolve(c: number): void {
    const perL2 = this.h.l2Entries;
    const l1i = Math.floor(c / perL2);
    const table = this.l2Table(l1i);
    if (table === null) {
      this.kind = CLUSTER_UNALLOCATED;
      return;
    }
    const j = c - l1i * perL2;
    const hi = table.getUint32(j * 8);
    const lo = table.getUint32(j * 8 + 4);
    const field = `L2 entry of guest cluster ${c}`;
    const cs = this.h.clusterSize;
    if ((hi >>> 30) & 1) {
      // Compressed: offset in bits 0..x-1, additional 512-byte sectors in bits x..61.
      if (hi >>> 31) throw corrupt(this.file.path, field, `0x${hex64(hi, lo)}: a compressed cluster has the "copied" bit set`);
      const hiOffsetBits = this.compressedOffsetBits - 32;
      const body = hi & 0x3fffffff;
      const host = (body & ((1 << hiOffsetBits) - 1)) * TWO_32 + lo;
      const extraSectors = body >>> hiOffsetBits;
      if (host < cs || host >= this.fileSize) throw corrupt(this.file.path, field, `compressed data at ${host} lies outside the file's data (${cs}..${this.fileSize})`);
      this.kind = CLUSTER_COMPRESSED;
      this.host = host;
      this.compressedBytes = Math.min((extraSectors + 1) * 512 - (host % 512), this.fileSize - host);
      return;
    }
    if ((lo & 0x1fe) !== 0 || ((hi >>> 24) & 0x3f) !== 0) throw corrupt(this.file.path, field, `0x${hex64(hi, lo)} has reserved bits set`);
    if (lo & 1) {
      if (this.h.version === 2) throw corrupt(this.file.path, field, 'the zero flag is set in a version 2 image');
      this.kind = CLUSTER_ZERO;
      return;
    }
    const host = (hi & 0xffffff) * TWO_32 + ((lo & 0xfffffe00) >>> 0);
    if (host === 0) {
      if (hi >>> 31) throw corrupt(this.file.path, field, 'host offset 0 with the "copied" bit (only valid with an external data file)');
      this.kind = CLUSTER_UNALLOCATED;
      return;
    }
    if (host % cs !== 0 || host < cs) throw corrupt(this.file.path, field, `data offset ${host} is not a cluster-aligned offset past the header`);
    if (host >= this.fileSize) throw corrupt(this.file.path, field, `data at ${host} starts past the end of the file at ${this.fileSize} (truncated?)`);
    this.kind = CLUSTER_DATA;
    this.host = host;
  }
}

function hex64(hi: number, lo: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}
