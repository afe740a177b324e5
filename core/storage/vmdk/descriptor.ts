// The VMDK text descriptor (VMware Virtual Disk Format 1.1, section "The Descriptor File"):
// header keys, extent lines and the disk database (ddb.*). Parses every field, keeps unknown
// keys in order so writing back loses nothing, and range-checks all of it.
import { corrupt } from '../errors';

export type ExtentAccess = 'RW' | 'RDONLY' | 'NOACCESS';
export type ExtentType = 'FLAT' | 'SPARSE' | 'ZERO' | 'VMFS' | 'VMFSSPARSE' | 'VMFSRDM' | 'VMFSRAW';

export const CREATE_TYPES = [
  'monolithicSparse',
  'vmfsSparse',
  'monolithicFlat',
  'vmfs',
  'twoGbMaxExtentSparse',
  'twoGbMaxExtentFlat',
  'fullDevice',
  'partitionedDevice',
  'vmfsRaw',
  'vmfsRawDeviceMap',
  'vmfsPassthroughRawDeviceMap',
  'streamOptimized',
  'seSparse',
  'vsanSparse',
] as const;
export type CreateType = (typeof CREATE_TYPES)[number];

const EXTENT_TYPES: readonly ExtentType[] = ['FLAT', 'SPARSE', 'ZERO', 'VMFS', 'VMFSSPARSE', 'VMFSRDM', 'VMFSRAW'];
const ACCESS: readonly ExtentAccess[] = ['RW', 'RDONLY', 'NOACCESS'];

export interface ExtentLine {
  access: ExtentAccess;
  /** Extent size in sectors. */
  sectors: number;
  type: ExtentType;
  /** File name relative to the descriptor; absent for ZERO extents. */
  file?: string;
  /** Offset into the file in sectors (FLAT/VMFS only). */
  offset: number;
}

/** "No parent" in parentCID (spec: CID_NOPARENT). */
export const CID_NOPARENT = 0xffffffff;

export interface VmdkDescriptor {
  version: number;
  encoding?: string;
  cid: number;
  parentCid: number;
  isNativeSnapshot?: string;
  createType: CreateType;
  parentFileNameHint?: string;
  extents: ExtentLine[];
  /** ddb.* keys (prefix included) and values, in file order. */
  ddb: Map<string, string>;
  /** Other header keys we do not interpret, in order. */
  extra: Map<string, string>;
}

/** Largest descriptor we accept, as text (VMware's are < 2 KiB). */
export const MAX_DESCRIPTOR_BYTES = 1 << 20;
const MAX_SECTORS = 2 ** 53 / 512;

export function isDescriptorText(head: Uint8Array): boolean {
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 1024)).toString('latin1');
  return /^\s*#\s*Disk DescriptorFile/i.test(text) || /^\s*(version|CID|createType)\s*=/m.test(text);
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
  return v;
}

function parseCid(file: string, field: string, value: string): number {
  const v = unquote(value);
  if (!/^[0-9a-fA-F]{1,8}$/.test(v)) throw corrupt(file, `descriptor ${field}`, `"${v}" is not a 32-bit hex number`);
  return parseInt(v, 16) >>> 0;
}

const EXTENT_RE = /^(RW|RDONLY|NOACCESS)\s+(\S+)\s+(\S+)(?:\s+"([^"]*)"(?:\s+(\S+))?)?\s*$/;

function parseExtent(file: string, line: string, lineNo: number): ExtentLine {
  const m = EXTENT_RE.exec(line);
  const where = `descriptor line ${lineNo} (extent)`;
  if (!m) throw corrupt(file, where, `cannot parse "${line.slice(0, 80)}"`);
  const [, access, size, type, name, offset] = m;
  if (!/^\d+$/.test(size!) || Number(size) > MAX_SECTORS) throw corrupt(file, where, `size "${size}" is not a sector count`);
  if (Number(size) === 0) throw corrupt(file, where, 'extent of 0 sectors');
  if (!EXTENT_TYPES.includes(type as ExtentType)) throw corrupt(file, where, `unknown extent type "${type}"`);
  const t = type as ExtentType;
  if (t !== 'ZERO' && (name === undefined || name === '')) throw corrupt(file, where, `extent type ${t} needs a quoted file name`);
  if (name !== undefined && (name.includes('\0') || name.length > 4096)) throw corrupt(file, where, 'bad file name');
  let off = 0;
  if (offset !== undefined) {
    if (t !== 'FLAT' && t !== 'VMFS' && t !== 'VMFSRDM' && t !== 'VMFSRAW') throw corrupt(file, where, `extent type ${t} takes no offset`);
    if (!/^\d+$/.test(offset) || Number(offset) > MAX_SECTORS) throw corrupt(file, where, `offset "${offset}" is not a sector number`);
    off = Number(offset);
  }
  const ext: ExtentLine = { access: access as ExtentAccess, sectors: Number(size), type: t, offset: off };
  if (name !== undefined) ext.file = name;
  return ext;
}

export function parseDescriptor(text: string, file: string): VmdkDescriptor {
  if (text.length > MAX_DESCRIPTOR_BYTES) throw corrupt(file, 'descriptor', `is ${text.length} bytes, more than ${MAX_DESCRIPTOR_BYTES}`);
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  const header = new Map<string, string>();
  const extents: ExtentLine[] = [];
  const ddb = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (ACCESS.some((a) => line.startsWith(a + ' ') || line.startsWith(a + '\t'))) {
      extents.push(parseExtent(file, line, i + 1));
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw corrupt(file, `descriptor line ${i + 1}`, `expected key = value, found "${line.slice(0, 80)}"`);
    const key = line.slice(0, eq).trim();
    const value = unquote(line.slice(eq + 1));
    if (!/^[A-Za-z_][\w.]*$/.test(key)) throw corrupt(file, `descriptor line ${i + 1}`, `bad key "${key.slice(0, 40)}"`);
    if (key.startsWith('ddb.')) ddb.set(key, value);
    else header.set(key, value);
  }

  const take = (k: string): string | undefined => {
    const v = header.get(k);
    header.delete(k);
    return v;
  };
  const versionText = take('version') ?? '1';
  const version = Number(versionText);
  if (!/^\d+$/.test(versionText) || version < 1 || version > 3) throw corrupt(file, 'descriptor version', `"${versionText}" is not 1, 2 or 3`);
  const createType = take('createType');
  if (createType === undefined) throw corrupt(file, 'descriptor createType', 'missing');
  if (!(CREATE_TYPES as readonly string[]).includes(createType)) throw corrupt(file, 'descriptor createType', `unknown type "${createType}"`);
  const cidText = take('CID');
  const parentText = take('parentCID');
  const d: VmdkDescriptor = {
    version,
    cid: cidText === undefined ? 0xfffffffe : parseCid(file, 'CID', cidText),
    parentCid: parentText === undefined ? CID_NOPARENT : parseCid(file, 'parentCID', parentText),
    createType: createType as CreateType,
    extents,
    ddb,
    extra: header,
  };
  const encoding = take('encoding');
  if (encoding !== undefined) d.encoding = encoding;
  const native = take('isNativeSnapshot');
  if (native !== undefined) d.isNativeSnapshot = native;
  const hint = take('parentFileNameHint');
  if (hint !== undefined) d.parentFileNameHint = hint;
  if (extents.length === 0) throw corrupt(file, 'descriptor extents', 'no extent lines');
  if (d.parentCid !== CID_NOPARENT && !d.parentFileNameHint) throw corrupt(file, 'descriptor parentFileNameHint', 'missing although parentCID names a parent');
  checkExtentTypes(file, d);
  return d;
}

function checkExtentTypes(file: string, d: VmdkDescriptor): void {
  const allowed: Partial<Record<CreateType, readonly ExtentType[]>> = {
    monolithicSparse: ['SPARSE'],
    twoGbMaxExtentSparse: ['SPARSE'],
    streamOptimized: ['SPARSE'],
    monolithicFlat: ['FLAT', 'ZERO'],
    twoGbMaxExtentFlat: ['FLAT', 'ZERO'],
    vmfs: ['VMFS', 'FLAT', 'ZERO'],
    vmfsSparse: ['VMFSSPARSE'],
  };
  const types = allowed[d.createType];
  if (!types) return;
  for (const [i, e] of d.extents.entries()) {
    if (!types.includes(e.type)) throw corrupt(file, `descriptor extent ${i + 1}`, `type ${e.type} does not belong in a ${d.createType} disk`);
  }
  if ((d.createType === 'monolithicSparse' || d.createType === 'streamOptimized') && d.extents.length !== 1) {
    throw corrupt(file, 'descriptor extents', `${d.createType} has exactly one extent, found ${d.extents.length}`);
  }
}

const cidHex = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

export function formatDescriptor(d: VmdkDescriptor): string {
  const out: string[] = ['# Disk DescriptorFile', `version=${d.version}`];
  if (d.encoding !== undefined) out.push(`encoding="${d.encoding}"`);
  out.push(`CID=${cidHex(d.cid)}`, `parentCID=${cidHex(d.parentCid)}`);
  if (d.isNativeSnapshot !== undefined) out.push(`isNativeSnapshot="${d.isNativeSnapshot}"`);
  out.push(`createType="${d.createType}"`);
  if (d.parentFileNameHint !== undefined) out.push(`parentFileNameHint="${d.parentFileNameHint}"`);
  for (const [k, v] of d.extra) out.push(`${k}="${v}"`);
  out.push('', '# Extent description');
  for (const e of d.extents) {
    let line = `${e.access} ${e.sectors} ${e.type}`;
    if (e.file !== undefined) line += ` "${e.file}"`;
    if ((e.type === 'FLAT' || e.type === 'VMFSRDM' || e.type === 'VMFSRAW') && e.file !== undefined) line += ` ${e.offset}`;
    else if (e.type === 'VMFS' && e.offset > 0) line += ` ${e.offset}`;
    out.push(line);
  }
  out.push('', '# The Disk Data Base', '#DDB', '');
  for (const [k, v] of d.ddb) out.push(`${k} = "${v}"`);
  return out.join('\n') + '\n';
}

/** A fresh content id: random, never one of the reserved values. */
export function newCid(): number {
  for (;;) {
    const c = (Math.random() * 0x100000000) >>> 0;
    if (c !== CID_NOPARENT && c !== 0xfffffffe) return c;
  }
}

/** BIOS geometry as VMware writes it for IDE disks (16 heads, 63 sectors, ≤ 16383 cylinders). */
export function defaultGeometry(sectors: number): { cylinders: number; heads: number; sectors: number } {
  return { cylinders: Math.max(1, Math.min(16383, Math.floor(sectors / (16 * 63)))), heads: 16, sectors: 63 };
}

/** A ddb.uuid value: 16 random bytes as VMware prints them. */
export function newUuid(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ').replace(/^(.{23}) /, '$1-');
}
