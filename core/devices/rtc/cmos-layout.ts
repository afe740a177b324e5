// The IBM PC/AT CMOS layout bytes the RTC model fills in: memory size (what BIOSes and
// Linux's early code read), and the standard checksum over 0x10–0x2D at 0x2E/0x2F.

const KIB = 1024;
const MIB = 1024 * KIB;

/** Write the base, extended (above 1 MiB) and above-16-MiB memory sizes for `ramBytes`. */
export function fillMemorySize(cmos: Uint8Array, ramBytes: number): void {
  const baseKib = Math.min(640, Math.floor(ramBytes / KIB));
  cmos[0x15] = baseKib & 0xff;
  cmos[0x16] = baseKib >> 8;
  // 0x17/0x18 and the POST copy 0x30/0x31: KiB above 1 MiB, saturating at 0xFFFF (~64 MiB).
  const extKib = Math.min(0xffff, Math.max(0, Math.floor((ramBytes - MIB) / KIB)));
  cmos[0x17] = cmos[0x30] = extKib & 0xff;
  cmos[0x18] = cmos[0x31] = extKib >> 8;
  // 0x34/0x35: 64 KiB blocks above 16 MiB (below the 4 GiB hole), as SeaBIOS and QEMU use.
  const blocks = Math.min(0xffff, Math.max(0, Math.floor((ramBytes - 16 * MIB) / (64 * KIB))));
  cmos[0x34] = blocks & 0xff;
  cmos[0x35] = blocks >> 8;
}

export function writeCmosChecksum(cmos: Uint8Array): void {
  let sum = 0;
  for (let i = 0x10; i <= 0x2d; i++) sum += cmos[i]!;
  cmos[0x2e] = (sum >> 8) & 0xff;
  cmos[0x2f] = sum & 0xff;
}
