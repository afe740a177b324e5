// A small AML encoder (ACPI 6.5 §20 "ACPI Machine Language Specification"): name strings,
// integers, strings, packages, Name/Scope/Device/Method and Return. Each function returns the
// encoded bytes of one term, so a DSDT body is a tree of calls.
import { AcpiError } from './table-writer';

export type Aml = Uint8Array;

const NAME_OP = 0x08;
const SCOPE_OP = 0x10;
const PACKAGE_OP = 0x12;
const METHOD_OP = 0x14;
const RETURN_OP = 0xa4;
const BUFFER_OP = 0x11;
const EXT_OP_PREFIX = 0x5b;
const DEVICE_OP = 0x82; // after ExtOpPrefix
const ZERO_OP = 0x00;
const ONE_OP = 0x01;
const ONES_OP = 0xff;
const BYTE_PREFIX = 0x0a;
const WORD_PREFIX = 0x0b;
const DWORD_PREFIX = 0x0c;
const STRING_PREFIX = 0x0d;
const QWORD_PREFIX = 0x0e;
const ROOT_CHAR = 0x5c; // '\'
const PARENT_PREFIX = 0x5e; // '^'
const DUAL_NAME_PREFIX = 0x2e;
const MULTI_NAME_PREFIX = 0x2f;

export function concat(parts: readonly Aml[]): Aml {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** NameSeg (§20.2.2): a lead of A-Z or _, then A-Z, 0-9 or _, padded with _ to 4 bytes. */
function nameSeg(seg: string): number[] {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(seg)) throw new AcpiError(`aml: "${seg}" is not an ACPI name segment (1-4 of A-Z, 0-9, _; no leading digit)`);
  const padded = seg.padEnd(4, '_');
  return [...padded].map((c) => c.charCodeAt(0));
}

/** NameString: optional "\" or "^"s, then dot-separated segments ("\_SB.PCI0", "_S5"). */
export function nameString(path: string): Aml {
  const out: number[] = [];
  let rest = path;
  if (rest.startsWith('\\')) {
    out.push(ROOT_CHAR);
    rest = rest.slice(1);
  } else {
    while (rest.startsWith('^')) {
      out.push(PARENT_PREFIX);
      rest = rest.slice(1);
    }
  }
  const segs = rest === '' ? [] : rest.split('.');
  if (segs.length === 0) out.push(0x00); // NullName
  else if (segs.length === 1) out.push(...nameSeg(segs[0]!));
  else if (segs.length === 2) out.push(DUAL_NAME_PREFIX, ...nameSeg(segs[0]!), ...nameSeg(segs[1]!));
  else {
    if (segs.length > 255) throw new AcpiError(`aml: name path ${path} has more than 255 segments`);
    out.push(MULTI_NAME_PREFIX, segs.length);
    for (const s of segs) out.push(...nameSeg(s));
  }
  return Uint8Array.from(out);
}

/** PkgLength (§20.2.4): counts itself and what follows; 1 to 4 bytes. */
export function pkgLength(contentLength: number): Aml {
  for (let extra = 0; extra <= 3; extra++) {
    const total = contentLength + 1 + extra;
    if (extra === 0 && total < 0x40) return Uint8Array.of(total);
    if (extra > 0 && total < 2 ** (4 + 8 * extra)) {
      const out = new Uint8Array(1 + extra);
      out[0] = (extra << 6) | (total & 0x0f);
      for (let i = 1; i <= extra; i++) out[i] = (total >>> (4 + 8 * (i - 1))) & 0xff;
      return out;
    }
  }
  throw new AcpiError(`aml: a package of ${contentLength} bytes exceeds PkgLength's 2^28 limit`);
}

function withPkgLength(op: number[], body: Aml): Aml {
  return concat([Uint8Array.from(op), pkgLength(body.length), body]);
}

/** The shortest integer encoding: Zero/One/Ones or a Byte/Word/DWord/QWord constant. */
export function integer(value: number | bigint): Aml {
  const v = BigInt(value);
  if (v < 0n || v > 0xffffffffffffffffn) throw new AcpiError(`aml: integer ${value} is outside 0..2^64-1`);
  if (v === 0n) return Uint8Array.of(ZERO_OP);
  if (v === 1n) return Uint8Array.of(ONE_OP);
  if (v === 0xffffffffffffffffn) return Uint8Array.of(ONES_OP);
  const [prefix, bytes] = v <= 0xffn ? [BYTE_PREFIX, 1] : v <= 0xffffn ? [WORD_PREFIX, 2] : v <= 0xffffffffn ? [DWORD_PREFIX, 4] : [QWORD_PREFIX, 8];
  const out = new Uint8Array(1 + bytes);
  out[0] = prefix;
  for (let i = 0; i < bytes; i++) out[1 + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** String (§20.2.3): ASCII 0x01-0x7F, NUL-terminated. */
export function string(text: string): Aml {
  if (!/^[\x01-\x7f]*$/.test(text)) throw new AcpiError(`aml: string ${JSON.stringify(text)} holds characters outside ASCII 0x01-0x7F`);
  return concat([Uint8Array.of(STRING_PREFIX), new TextEncoder().encode(text), Uint8Array.of(0)]);
}

/** Package (§19.6.102): up to 255 elements. */
export function pkg(elements: readonly Aml[]): Aml {
  if (elements.length > 255) throw new AcpiError(`aml: a Package holds at most 255 elements, not ${elements.length}`);
  return withPkgLength([PACKAGE_OP], concat([Uint8Array.of(elements.length), ...elements]));
}

/** Buffer (§19.6.10) of fixed bytes; a ResourceTemplate is one of these. */
export function buffer(bytes: Uint8Array): Aml {
  return withPkgLength([BUFFER_OP], concat([integer(bytes.length), bytes]));
}

export function name(path: string, value: Aml): Aml {
  return concat([Uint8Array.of(NAME_OP), nameString(path), value]);
}

export function scope(path: string, terms: readonly Aml[]): Aml {
  return withPkgLength([SCOPE_OP], concat([nameString(path), ...terms]));
}

export function device(path: string, terms: readonly Aml[]): Aml {
  return withPkgLength([EXT_OP_PREFIX, DEVICE_OP], concat([nameString(path), ...terms]));
}

/** Method (§19.6.85): flags are the argument count (0-7), bit 3 serialized. */
export function method(path: string, argCount: number, serialized: boolean, terms: readonly Aml[]): Aml {
  if (!Number.isInteger(argCount) || argCount < 0 || argCount > 7) throw new AcpiError(`aml: a Method takes 0-7 arguments, not ${argCount}`);
  return withPkgLength([METHOD_OP], concat([nameString(path), Uint8Array.of(argCount | (serialized ? 8 : 0)), ...terms]));
}

export function returnOp(value: Aml): Aml {
  return concat([Uint8Array.of(RETURN_OP), value]);
}

/** EISAID("PNP0A03") (§19.6.35): a compressed 32-bit ID, encoded as an integer. */
export function eisaId(id: string): Aml {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new AcpiError(`aml: "${id}" is not an EISA ID (three letters, four hex digits)`);
  const c = (i: number): number => id.charCodeAt(i) - 0x40;
  const hi = (c(0) << 10) | (c(1) << 5) | c(2);
  const product = parseInt(id.slice(3), 16);
  // Stored big-endian: the vendor's two bytes, then the product's.
  const value = ((hi >> 8) & 0xff) | ((hi & 0xff) << 8) | (((product >> 8) & 0xff) << 16) | ((product & 0xff) << 24);
  return integer(value >>> 0);
}
