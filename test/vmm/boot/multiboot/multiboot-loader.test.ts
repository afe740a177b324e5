// The Multiboot v1 loader against the nasm test guests (flat, a.out kludge), an ELF32 guest
// linked by GNU ld, and crafted bad files.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GuestMemory } from '../../../../core/memory';
import { BootError, MBI, loadKernel, loadMultibootKernel, pcE820Map } from '../../../../core/vmm/boot';
import { type TestGuest, buildTestGuests } from '../../../guests/build';

const MiB = 2 ** 20;
let guests: TestGuest[];
beforeAll(() => {
  guests = buildTestGuests();
}, 60_000);

/** Guest RAM full of 0xCC, so a loader that forgets to zero the bss is caught. */
function dirtyMemory(mib = 64): GuestMemory {
  const m = GuestMemory.allocate(mib * MiB);
  m.u8.fill(0xcc);
  return m;
}

const u32 = (m: GuestMemory, a: number) => m.view.getUint32(a, true);
const cString = (m: GuestMemory, a: number) => {
  let end = a;
  while (m.u8[end] !== 0) end++;
  return new TextDecoder().decode(m.u8.subarray(a, end));
};

describe('flat test guests (a.out kludge)', () => {
  const FLAT = ['apic-timer', 'pic-masking', 'pit-rate', 'rtc-update', 'uart-loopback'];

  it('are all built', () => {
    expect(guests.filter((g) => g.format === 'flat').map((g) => g.name)).toEqual(FLAT);
  });

  for (const name of FLAT) {
    it(`${name}: image at 1 MiB, bss zeroed, entry at its first instruction`, () => {
      const guest = guests.find((g) => g.name === name)!;
      const file = new Uint8Array(readFileSync(guest.path));
      const memory = dirtyMemory();
      const r = loadMultibootKernel(memory, { kernel: file, kernelName: `${name}.bin`, cmdline: 'test=1' });
      expect(r.format).toBe('aout-kludge');
      expect(r.header.offset).toBe(0);
      const hv = new DataView(file.buffer, file.byteOffset);
      const [headerAddr, loadAddr, loadEnd, bssEnd, entryAddr] = [12, 16, 20, 24, 28].map((o) => hv.getUint32(o, true));
      expect(headerAddr).toBe(0x100000);
      expect(r.segments).toEqual([{ addr: loadAddr, fileSize: loadEnd! - loadAddr!, memSize: bssEnd! - loadAddr! }]);
      expect(Buffer.from(memory.read(0x100000, loadEnd! - loadAddr!)).equals(Buffer.from(file.subarray(0, loadEnd! - loadAddr!)))).toBe(true);
      expect(memory.read(loadEnd!, bssEnd! - loadEnd!).every((b) => b === 0)).toBe(true);
      expect(memory.u8[bssEnd!]).toBe(0xcc); // nothing past bss_end touched
      expect(r.entry.eip).toBe(entryAddr);
      expect(memory.u8[r.entry.eip]).toBe(0xfa); // _start begins with cli
      expect(r.entry.eax).toBe(0x2badb002);
      expect(r.entry.ebx).toBe(r.infoAddr);
      expect(r.entry.eflags & 0x200).toBe(0);
      expect(r.entry.cs.selector).toBe(0x10);
      expect(r.entry.cs.limit).toBe(0xffffffff);
    });
  }

  it('gets mem_lower/mem_upper, the PLATFORM.md mmap, cmdline and loader name in the info', () => {
    const guest = guests.find((g) => g.name === 'pit-rate')!;
    const memory = dirtyMemory(128);
    const r = loadMultibootKernel(memory, { kernel: new Uint8Array(readFileSync(guest.path)), kernelName: 'pit-rate.bin', cmdline: 'console=ttyS0 quiet' });
    const info = r.infoAddr;
    const flags = u32(memory, info + MBI.flags);
    expect(flags & 0b1001001101).toBe(0b1001001101); // memory, cmdline, mods, mmap, loader name
    expect(u32(memory, info + MBI.memLower)).toBe(639);
    expect(u32(memory, info + MBI.memUpper)).toBe(127 * 1024);
    expect(cString(memory, u32(memory, info + MBI.cmdline))).toBe('console=ttyS0 quiet');
    expect(cString(memory, u32(memory, info + MBI.bootLoaderName))).toBe('vmdesk');
    expect(u32(memory, info + MBI.modsCount)).toBe(0);
    const mmapAddr = u32(memory, info + MBI.mmapAddr);
    const mmapLength = u32(memory, info + MBI.mmapLength);
    const entries = [];
    // Walk it as a kernel does: each entry's size field does not count itself.
    for (let at = mmapAddr; at < mmapAddr + mmapLength; at += u32(memory, at) + 4) {
      entries.push({ addr: Number(memory.view.getBigUint64(at + 4, true)), size: Number(memory.view.getBigUint64(at + 12, true)), type: u32(memory, at + 20) });
    }
    expect(entries).toEqual(pcE820Map(128 * MiB));
  });

  it('loads an initrd as a page-aligned module after the bss', () => {
    const guest = guests.find((g) => g.name === 'rtc-update')!;
    const kernel = new Uint8Array(readFileSync(guest.path));
    const initrd = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff);
    const memory = dirtyMemory();
    const { entry } = loadKernel(memory, { kernel, kernelName: 'rtc-update.bin', initrd, initrdName: 'initrd.img' });
    const info = entry.ebx;
    expect(u32(memory, info + MBI.modsCount)).toBe(1);
    const mod = u32(memory, info + MBI.modsAddr);
    const [start, end, str] = [u32(memory, mod), u32(memory, mod + 4), u32(memory, mod + 8)];
    const bssEnd = new DataView(kernel.buffer, kernel.byteOffset).getUint32(24, true);
    expect(start % 4096).toBe(0);
    expect(start).toBeGreaterThanOrEqual(bssEnd);
    expect(end - start).toBe(initrd.length);
    expect(Buffer.from(memory.read(start, initrd.length)).equals(Buffer.from(initrd))).toBe(true);
    expect(cString(memory, str)).toBe('initrd.img');
  });
});

describe('ELF32 guest linked by ld', () => {
  it('loads each PT_LOAD segment at its physical address and zeroes the bss', () => {
    const guest = guests.find((g) => g.name === 'multiboot-elf')!;
    expect(guest.format).toBe('elf');
    const memory = dirtyMemory();
    const r = loadMultibootKernel(memory, { kernel: new Uint8Array(readFileSync(guest.path)), kernelName: 'multiboot-elf.elf' });
    expect(r.format).toBe('elf32');
    expect(r.segments.map((s) => s.addr)).toEqual([0x100000, 0x100010, 0x180000]);
    expect(u32(memory, 0x100000)).toBe(0x1badb002); // the .multiboot section
    expect(u32(memory, 0x180000)).toBe(0x600df00d); // `pattern` in .data
    const data = r.segments[2]!;
    expect(data.memSize).toBeGreaterThan(data.fileSize);
    expect(memory.read(data.addr + data.fileSize, data.memSize - data.fileSize).every((b) => b === 0)).toBe(true);
    expect(r.entry.eip).toBe(0x100010);
    expect(memory.u8[r.entry.eip]).toBe(0xfa);
  });
});

describe('bad multiboot files', () => {
  const memory = GuestMemory.allocate(64 * MiB);
  const MAGIC = 0x1badb002;

  /** A flat kernel: header at `at`, a.out fields, a `cli; hlt` body. */
  function flatKernel(o: { at?: number; flags?: number; checksum?: number; loadAddr?: number; headerAddr?: number; loadEnd?: number; bssEnd?: number; entry?: number; size?: number } = {}) {
    const at = o.at ?? 0;
    const size = o.size ?? at + 64;
    const bytes = new Uint8Array(size);
    const v = new DataView(bytes.buffer);
    const flags = o.flags ?? 0x10003;
    const base = o.loadAddr ?? 0x100000;
    v.setUint32(at, MAGIC, true);
    v.setUint32(at + 4, flags, true);
    v.setUint32(at + 8, o.checksum ?? (-(MAGIC + flags) >>> 0), true);
    v.setUint32(at + 12, o.headerAddr ?? base + at, true);
    v.setUint32(at + 16, base, true);
    v.setUint32(at + 20, o.loadEnd ?? base + size, true);
    v.setUint32(at + 24, o.bssEnd ?? base + size + 4096, true);
    v.setUint32(at + 28, o.entry ?? base + at + 32, true);
    bytes.set([0xfa, 0xf4], at + 32);
    return bytes;
  }

  function elfKernel(o: { cls?: number; machine?: number; phnum?: number; ptype?: number; filesz?: number } = {}) {
    const bytes = new Uint8Array(0x200);
    const v = new DataView(bytes.buffer);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, o.cls ?? 1, 1, 1]);
    v.setUint16(16, 2, true);
    v.setUint16(18, o.machine ?? 3, true);
    v.setUint32(24, 0x100000, true);
    v.setUint32(28, 52, true);
    v.setUint16(42, 32, true);
    v.setUint16(44, o.phnum ?? 1, true);
    v.setUint32(52, o.ptype ?? 1, true); // p_type
    v.setUint32(56, 0x100, true); // p_offset
    v.setUint32(60, 0x100000, true);
    v.setUint32(64, 0x100000, true);
    v.setUint32(68, o.filesz ?? 0x100, true);
    v.setUint32(72, Math.max(o.filesz ?? 0x100, 0x100), true);
    v.setUint32(0x80, MAGIC, true); // multiboot header, no a.out fields
    v.setUint32(0x84, 0, true);
    v.setUint32(0x88, -MAGIC >>> 0, true);
    return bytes;
  }

  const fails = (kernel: Uint8Array, pattern: RegExp) => {
    let caught: unknown;
    try {
      loadMultibootKernel(memory, { kernel, kernelName: 'k.bin' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BootError);
    expect((caught as Error).message).not.toContain('\n');
    expect((caught as Error).message).toMatch(pattern);
  };

  it('accepts the crafted good kernels', () => {
    expect(loadMultibootKernel(memory, { kernel: flatKernel(), kernelName: 'k.bin' }).entry.eip).toBe(0x100020);
    expect(loadMultibootKernel(memory, { kernel: elfKernel(), kernelName: 'k.bin' }).format).toBe('elf32');
  });

  it('no header, or one past the first 8 KiB', () => {
    fails(new Uint8Array(100), /^k\.bin: no multiboot header in the first 8192 bytes/);
    fails(flatKernel({ at: 8192 }), /^k\.bin: no multiboot header in the first 8192 bytes/);
    expect(() => loadMultibootKernel(memory, { kernel: flatKernel({ at: 8192 - 32 }), kernelName: 'k.bin' })).not.toThrow();
  });

  it('a bad checksum or a required feature we lack', () => {
    fails(flatKernel({ checksum: 1 }), /^k\.bin: the multiboot header at 0x0 has a bad checksum/);
    fails(flatKernel({ flags: 0x10008 }), /^k\.bin: multiboot header at 0x0 requires features vmdesk does not have \(flag bits 0x8\)/);
  });

  it('a.out fields that do not add up', () => {
    fails(flatKernel({ loadEnd: 0x100000 + 4096 }), /^k\.bin: truncated: the multiboot image/);
    fails(flatKernel({ headerAddr: 0xfff00 }), /load_addr 0x100000 is above header_addr/);
    fails(flatKernel({ bssEnd: 0x100010 }), /bss_end_addr 0x100010 is below the end of the loaded image/);
    fails(flatKernel({ entry: 0x200000 }), /entry point 0x200000 lies outside the loaded image/);
    fails(flatKernel({ loadAddr: 0x8000 }), /overlaps the boot loader's area below 0x30000/);
    fails(flatKernel({ loadAddr: 0x4000000 }), /is not in usable guest RAM \(64 MiB\)/);
  });

  it('ELF files that are not 32-bit i386 executables', () => {
    fails(elfKernel({ cls: 2 }), /^k\.bin: a 64-bit ELF file; Multiboot v1 loads 32-bit/);
    fails(elfKernel({ machine: 62 }), /ELF machine 62 is not i386/);
    fails(elfKernel({ ptype: 4 }), /no PT_LOAD segment/);
    fails(elfKernel({ filesz: 0x1000 }), /truncated: ELF segment 0 needs bytes/);
    fails(elfKernel().subarray(0, 0x90), /^k\.bin: truncated: ELF segment 0 needs bytes 0x100\.\.0x200 but the file has 144$/);
  });

  it('a multiboot header without address fields in a non-ELF file', () => {
    fails(flatKernel({ flags: 0x3 }), /has no address fields \(flag bit 16\) and the file is not ELF/);
  });
});
