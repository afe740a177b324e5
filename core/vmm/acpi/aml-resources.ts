// Resource descriptors for a ResourceTemplate (ACPI 6.5 §6.4): what a _CRS returns. Only the
// ones the PCI host bridge needs: the bus number range, I/O and memory windows, a fixed I/O
// range, and the end tag.
import { type Aml, buffer, concat } from './aml';

const ADDRESS_TYPE = { memory: 0, io: 1, bus: 2 } as const;
/** General flags (§6.4.3.5.1): producer, positive decode, min and max fixed. */
const PRODUCER_FIXED = 0x0c;

/** Word Address Space Descriptor (§6.4.3.5.3), a producer with fixed min and max. */
function wordAddress(type: number, typeFlags: number, min: number, max: number): Aml {
  const d = new Uint8Array(16);
  const v = new DataView(d.buffer);
  d.set([0x88, 0x0d, 0x00, type, PRODUCER_FIXED, typeFlags]);
  v.setUint16(6, 0, true); // granularity
  v.setUint16(8, min, true);
  v.setUint16(10, max, true);
  v.setUint16(12, 0, true); // translation offset
  v.setUint16(14, max - min + 1, true);
  return d;
}

export function wordBusNumber(min: number, max: number): Aml {
  return wordAddress(ADDRESS_TYPE.bus, 0, min, max);
}

/** WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, ...). */
export function wordIo(min: number, max: number): Aml {
  return wordAddress(ADDRESS_TYPE.io, 0x03, min, max);
}

/** DWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite, ...) (§6.4.3.5.2). */
export function dwordMemory(min: number, max: number): Aml {
  const d = new Uint8Array(26);
  const v = new DataView(d.buffer);
  d.set([0x87, 0x17, 0x00, ADDRESS_TYPE.memory, PRODUCER_FIXED, 0x03]);
  v.setUint32(6, 0, true);
  v.setUint32(10, min >>> 0, true);
  v.setUint32(14, max >>> 0, true);
  v.setUint32(18, 0, true);
  v.setUint32(22, (max - min + 1) >>> 0, true);
  return d;
}

/** IO(Decode16, base, base, 1, length) (§6.4.2.5). */
export function fixedIo16(base: number, length: number): Aml {
  return Uint8Array.of(0x47, 0x01, base & 0xff, base >> 8, base & 0xff, base >> 8, 0x01, length);
}

/** ResourceTemplate(): the descriptors and the end tag (checksum 0 = "treat as valid"). */
export function resourceTemplate(descriptors: readonly Aml[]): Aml {
  return buffer(concat([...descriptors, Uint8Array.of(0x79, 0x00)]));
}
