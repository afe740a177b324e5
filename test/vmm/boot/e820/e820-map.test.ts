// The PC memory map of PLATFORM.md.
import { describe, expect, it } from 'vitest';
import { BootError, E820_RESERVED, E820_USABLE, pcE820Map, usableRamEnd } from '../../../../core/vmm/boot';

describe('pcE820Map', () => {
  it('is sorted, non-overlapping, and ends usable RAM at the VM size', () => {
    for (const mib of [2, 32, 128, 1024, 3584]) {
      const map = pcE820Map(mib * 2 ** 20);
      for (let i = 1; i < map.length; i++) expect(map[i]!.addr).toBeGreaterThanOrEqual(map[i - 1]!.addr + map[i - 1]!.size);
      expect(usableRamEnd(map)).toBe(mib * 2 ** 20);
      expect(map.filter((e) => e.type === E820_USABLE).map((e) => e.addr)).toEqual([0, 0x100000]);
      // The APIC windows are reserved so the kernel maps them as MMIO, not RAM.
      expect(map.filter((e) => e.type === E820_RESERVED).map((e) => e.addr)).toEqual([0x9fc00, 0xe0000, 0xfec00000, 0xfee00000]);
    }
  });

  it('refuses sizes it cannot describe', () => {
    expect(() => pcE820Map(1024 * 1024)).toThrow(BootError);
    expect(() => pcE820Map(0xfec00001)).toThrow(/e820: RAM size .* between 2 MiB and 0xFEC00000/);
  });
});
