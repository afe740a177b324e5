// IDENTIFY DEVICE and IDENTIFY PACKET DEVICE data (ATA/ATAPI-6 §8.15 Table 27, §8.16
// Table 31): 256 little-endian words. Strings are space-padded with the two characters of
// each word swapped (§8.15.12). Word 255 is the integrity word (A5h signature + checksum).
import { MAX_MULTIPLE } from './ata-defs';
import type { AtaDisk, AtapiCdrom, TransferModes } from './ide-drives';

function putString(words: Uint16Array, first: number, count: number, s: string): void {
  const padded = s.padEnd(count * 2, ' ');
  for (let i = 0; i < count; i++) words[first + i] = (padded.charCodeAt(2 * i) << 8) | padded.charCodeAt(2 * i + 1);
}

function putModes(w: Uint16Array, modes: TransferModes): void {
  // Word 63: multiword DMA 0–2 supported, selected mode in bits 10:8.
  w[63] = 0x0007 | (modes.mwdma >= 0 ? 0x100 << modes.mwdma : 0);
  w[64] = 0x0003; // PIO modes 3 and 4
  w[65] = 120; // minimum multiword DMA cycle time (ns)
  w[66] = 120;
  w[67] = 120; // PIO without flow control
  w[68] = 120; // PIO with IORDY
  // Word 88: Ultra DMA 0–5 supported, selected mode in bits 13:8.
  w[88] = 0x003f | (modes.udma >= 0 ? 0x100 << modes.udma : 0);
  // Word 93: hardware reset result; bit 13 tells the host an 80-conductor cable (§8.15.53).
  w[93] = 0x6001;
}

function seal(w: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(512);
  const dv = new DataView(bytes.buffer);
  w[255] = 0x00a5;
  for (let i = 0; i < 256; i++) dv.setUint16(2 * i, w[i]!, true);
  let sum = 0;
  for (let i = 0; i < 511; i++) sum += bytes[i]!;
  bytes[511] = -sum & 0xff;
  return bytes;
}

export function ataIdentify(d: AtaDisk): Uint8Array {
  const w = new Uint16Array(256);
  const total = d.sectors;
  w[0] = 0x0040; // ATA device, fixed (not removable)
  w[1] = d.cylinders;
  w[3] = d.heads;
  w[6] = d.sectorsPerTrack;
  putString(w, 10, 10, d.serial);
  putString(w, 23, 4, d.firmware);
  putString(w, 27, 20, d.model);
  w[47] = 0x8000 | MAX_MULTIPLE;
  w[49] = 0x0b00; // IORDY supported, LBA, DMA
  w[50] = 0x4000;
  w[51] = 0x0200;
  w[52] = 0x0200;
  w[53] = 0x0007; // words 54–58, 64–70 and 88 valid
  w[54] = d.curCylinders;
  w[55] = d.curHeads;
  w[56] = d.curSectorsPerTrack;
  const chs = d.chsCapacity;
  w[57] = chs & 0xffff;
  w[58] = (chs >>> 16) & 0xffff;
  w[59] = d.multipleCount > 0 ? 0x0100 | d.multipleCount : 0;
  const lba28 = Math.min(total, 0x0fffffff);
  w[60] = lba28 & 0xffff;
  w[61] = (lba28 >>> 16) & 0xffff;
  putModes(w, d.modes);
  w[80] = 0x007e; // ATA-1 … ATA/ATAPI-6
  w[82] = 0x4020 | 0x0040; // NOP, write cache, look-ahead supported
  w[83] = 0x7400; // FLUSH CACHE EXT, FLUSH CACHE, 48-bit address
  w[84] = 0x4000;
  w[85] = 0x4000 | 0x0040 | (d.writeCache ? 0x0020 : 0);
  w[86] = 0x3400;
  w[87] = 0x4000;
  // Words 100–103: 48-bit capacity.
  w[100] = total % 0x10000;
  w[101] = Math.floor(total / 0x10000) % 0x10000;
  w[102] = Math.floor(total / 0x1_0000_0000) % 0x10000;
  w[103] = 0;
  return seal(w);
}

export function atapiIdentify(d: AtapiCdrom): Uint8Array {
  const w = new Uint16Array(256);
  // ATAPI, CD-ROM, removable, accelerated DRQ (no interrupt before the packet), 12-byte packets.
  w[0] = 0x85c0;
  putString(w, 10, 10, d.serial);
  putString(w, 23, 4, d.firmware);
  putString(w, 27, 20, d.model);
  w[49] = 0x0b00;
  w[50] = 0x4000;
  w[51] = 0x0200;
  w[53] = 0x0006; // words 64–70 and 88 valid
  putModes(w, d.modes);
  w[71] = 30; // typical time from PACKET to bus release (ns)
  w[72] = 30;
  w[80] = 0x007e;
  w[82] = 0x4010; // NOP, PACKET feature set
  w[83] = 0x4000;
  w[84] = 0x4000;
  w[85] = 0x4010;
  w[86] = 0x0000;
  w[87] = 0x4000;
  return seal(w);
}
