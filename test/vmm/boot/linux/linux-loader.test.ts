// The Linux boot protocol loader against Debian's real i686 kernel and crafted bad files.
import { beforeAll, describe, expect, it } from 'vitest';
import { GuestMemory } from '../../../../core/memory';
import { BP, BootError, E820_RESERVED, E820_USABLE, KernelFileReader, loadLinuxKernel, parseSetupHeader } from '../../../../core/vmm/boot';
import { GUEST_FETCH_TIMEOUT, guestImages, readGuestInitrd, readGuestKernel } from '../../guest-images';

const MiB = 2 ** 20;
let kernel: Uint8Array;
let initrd: Uint8Array;

beforeAll(() => {
  kernel = readGuestKernel();
  initrd = readGuestInitrd();
}, GUEST_FETCH_TIMEOUT);

const u8 = (m: GuestMemory, a: number): number => m.view.getUint8(a);
const u16 = (m: GuestMemory, a: number): number => m.view.getUint16(a, true);
const u32 = (m: GuestMemory, a: number): number => m.view.getUint32(a, true);
const cString = (m: GuestMemory, a: number): string => {
  let end = a;
  while (m.u8[end] !== 0) end++;
  return new TextDecoder().decode(m.u8.subarray(a, end));
};

describe('setup header of the Debian kernel', () => {
  it('parses per boot.rst', () => {
    const h = parseSetupHeader(new KernelFileReader('vmlinuz', kernel));
    expect(h.version).toBeGreaterThanOrEqual(0x020f); // 6.1 speaks protocol 2.15
    expect(h.kernelVersionString.startsWith(guestImages().manifest.kernelVersion + ' ')).toBe(true);
    expect(h.protectedModeOffset).toBe((kernel[0x1f1]! + 1) * 512);
    expect(h.protectedModeOffset + h.protectedModeSize).toBeLessThanOrEqual(kernel.length);
    expect(h.code32Start).toBe(0x100000);
    expect(h.relocatable).toBe(true);
    expect(h.kernelAlignment).toBe(0x1000000); // CONFIG_PHYSICAL_ALIGN of Debian's 686 flavour
    expect(h.prefAddress).toBe(0x1000000);
    expect(h.initSize).toBeGreaterThan(h.protectedModeSize);
    expect(h.cmdlineSize).toBe(2047);
    expect(h.initrdAddrMax).toBe(0x7fffffff);
    expect(h.rawHeader.length).toBe(0x202 + kernel[0x201]! - 0x1f1);
  });
});

describe('loading the Debian kernel', () => {
  const cmdline = 'console=ttyS0 earlyprintk=serial panic=-1 rdinit=/init';

  function load(ramMiB = 128) {
    const memory = GuestMemory.allocate(ramMiB * MiB);
    const result = loadLinuxKernel(memory, { kernel, kernelName: 'vmlinuz', initrd, initrdName: 'initrd.img', cmdline, acpiRsdp: 0xe0000 });
    return { memory, result };
  }

  it('copies the protected-mode kernel to 1 MiB', () => {
    const { memory, result } = load();
    const pm = kernel.subarray(result.header.protectedModeOffset);
    expect(result.kernel).toEqual({ addr: 0x100000, size: pm.length });
    expect(Buffer.from(memory.read(0x100000, pm.length)).equals(Buffer.from(pm))).toBe(true);
  });

  it('fills the zero page: header copy, loader type, command line, initrd', () => {
    const { memory, result } = load();
    const zp = result.zeroPage;
    expect(cString(memory, zp + 0x202).slice(0, 4)).toBe('HdrS');
    expect(u16(memory, zp + 0x206)).toBe(result.header.version);
    expect(u8(memory, zp + BP.typeOfLoader)).toBe(0xff);
    expect(u8(memory, zp + BP.loadFlags) & 1).toBe(1); // LOADED_HIGH kept
    expect(u8(memory, zp + BP.sentinel)).toBe(0); // else the kernel wipes "stale" fields
    expect(cString(memory, u32(memory, zp + BP.cmdLinePtr))).toBe(cmdline);
    expect(u32(memory, zp + BP.cmdLinePtr) + cmdline.length).toBeLessThan(0xa0000);
    expect(memory.view.getBigUint64(zp + BP.acpiRsdpAddr, true)).toBe(0xe0000n);

    const image = u32(memory, zp + BP.ramdiskImage);
    const size = u32(memory, zp + BP.ramdiskSize);
    expect(size).toBe(initrd.length);
    expect(image % 4096).toBe(0);
    // As high as RAM and initrd_addr_max allow: within one page of the top of RAM.
    expect(image + size).toBeLessThanOrEqual(128 * MiB);
    expect(128 * MiB - (image + size)).toBeLessThan(4096);
    // Above everything the kernel decompresses into (pref_address + init_size).
    expect(image).toBeGreaterThanOrEqual(result.header.prefAddress + result.header.initSize);
    expect(Buffer.from(memory.read(image, size)).equals(Buffer.from(initrd))).toBe(true);
  });

  it('writes PLATFORM.md\'s e820 map into the zero page', () => {
    const { memory, result } = load(256);
    const zp = result.zeroPage;
    const count = u8(memory, zp + BP.e820Entries);
    const entries = Array.from({ length: count }, (_, i) => {
      const at = zp + BP.e820Table + i * 20;
      return { addr: Number(memory.view.getBigUint64(at, true)), size: Number(memory.view.getBigUint64(at + 8, true)), type: u32(memory, at + 16) };
    });
    expect(entries).toEqual([
      { addr: 0, size: 0x9fc00, type: E820_USABLE },
      { addr: 0x9fc00, size: 0x400, type: E820_RESERVED },
      { addr: 0xe0000, size: 0x20000, type: E820_RESERVED },
      { addr: 0x100000, size: 256 * MiB - 0x100000, type: E820_USABLE },
      { addr: 0xfec00000, size: 0x1000, type: E820_RESERVED },
      { addr: 0xfee00000, size: 0x1000, type: E820_RESERVED },
    ]);
    expect(u32(memory, zp + BP.altMemK)).toBe((256 * MiB - 0x100000) / 1024);
  });

  it('returns the 32-bit entry state of boot.rst with a flat GDT in guest memory', () => {
    const { memory, result } = load();
    const e = result.entry;
    expect(e.eip).toBe(0x100000);
    expect(e.esi).toBe(result.zeroPage);
    expect([e.ebp, e.edi, e.ebx]).toEqual([0, 0, 0]);
    expect(e.eflags & 0x200).toBe(0); // IF clear
    expect(e.cr0 & 1).toBe(1);
    expect(e.cr0 & 0x80000000).toBe(0);
    expect(e.cs.selector).toBe(0x10);
    for (const s of [e.ds, e.es, e.ss]) expect(s.selector).toBe(0x18);
    // The descriptors the selectors name really are flat 4 GiB code and data in the GDT.
    const desc = (sel: number) => memory.view.getBigUint64(e.gdtr.base + sel, true);
    expect(e.gdtr.limit).toBeGreaterThanOrEqual(0x1f);
    for (const [sel, seg] of [[0x10, e.cs], [0x18, e.ds]] as const) {
      const d = desc(sel);
      const base = Number(((d >> 16n) & 0xffffffn) | ((d >> 32n) & 0xff000000n));
      const limitRaw = Number((d & 0xffffn) | ((d >> 32n) & 0xf0000n));
      const access = Number((d >> 40n) & 0xffn);
      const flags = Number((d >> 52n) & 0xfn);
      expect({ base, access, flags }).toEqual({ base: seg.base, access: seg.access, flags: seg.flags });
      expect(flags & 8 ? limitRaw * 4096 + 4095 : limitRaw).toBe(seg.limit);
    }
    expect(e.cs.access & 0x08).toBe(8); // code
    expect(e.ds.access & 0x0a).toBe(2); // data, writable
  });

  it('refuses a VM too small for the kernel', () => {
    const memory = GuestMemory.allocate(24 * MiB);
    expect(() => loadLinuxKernel(memory, { kernel, kernelName: 'vmlinuz' })).toThrow(/vmlinuz: the kernel needs RAM up to .* MiB .* but the VM has 24 MiB/);
  });

  it('refuses an initrd that does not fit above the kernel', () => {
    const memory = GuestMemory.allocate(40 * MiB);
    expect(() => loadLinuxKernel(memory, { kernel, kernelName: 'vmlinuz', initrd: new Uint8Array(20 * MiB), initrdName: 'big.img' })).toThrow(/big\.img: 20 MiB of initrd does not fit/);
  });

  it('refuses a command line longer than cmdline_size', () => {
    const memory = GuestMemory.allocate(64 * MiB);
    expect(() => loadLinuxKernel(memory, { kernel, kernelName: 'vmlinuz', cmdline: 'x'.repeat(2048) })).toThrow(/command line is 2048 bytes; vmlinuz \(protocol 2\.\d+\) takes at most 2047/);
    expect(() => loadLinuxKernel(memory, { kernel, kernelName: 'vmlinuz', cmdline: 'x'.repeat(2047) })).not.toThrow();
  });
});

describe('bad kernel files', () => {
  const memory = GuestMemory.allocate(64 * MiB);
  const attempt = (bytes: Uint8Array) => () => loadLinuxKernel(memory, { kernel: bytes, kernelName: 'bad.bin' });
  const patched = (at: number, ...bytes: number[]) => {
    const copy = kernel.slice();
    copy.set(bytes, at);
    return copy;
  };
  const oneLineBootError = (fn: () => unknown, pattern: RegExp) => {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BootError);
    const message = (caught as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(pattern);
  };

  it('an empty or tiny file', () => {
    oneLineBootError(attempt(new Uint8Array(0)), /^bad\.bin: truncated: 0 bytes is too short/);
    oneLineBootError(attempt(kernel.slice(0, 0x100)), /^bad\.bin: truncated: 256 bytes/);
  });

  it('a file cut short after the setup header', () => {
    oneLineBootError(attempt(kernel.slice(0, kernel.length >> 1)), /^bad\.bin: truncated: setup_sects 39 and syssize say the kernel ends at \d+ bytes, the file has \d+/);
  });

  it('a file without the HdrS magic', () => {
    oneLineBootError(attempt(patched(0x202, 0x48, 0x64, 0x72, 0x54)), /^bad\.bin: not a Linux bzImage: no "HdrS" magic at 0x202/);
    oneLineBootError(attempt(new Uint8Array(64 * 1024)), /^bad\.bin: not a Linux bzImage/);
  });

  it('a protocol older than 2.04', () => {
    oneLineBootError(attempt(patched(0x206, 0x03, 0x02)), /^bad\.bin: boot protocol 2\.03 is too old; vmdesk needs 2\.04 or newer/);
  });

  it('a zImage and a broken boot flag', () => {
    oneLineBootError(attempt(patched(0x211, 0x00)), /^bad\.bin: a zImage \(loadflags\.LOADED_HIGH clear\)/);
    oneLineBootError(attempt(patched(0x1fe, 0x00, 0x00)), /^bad\.bin: boot_flag at 0x1FE is 0x0, not 0xAA55/);
  });

  it('an empty initrd', () => {
    oneLineBootError(() => loadLinuxKernel(memory, { kernel, kernelName: 'vmlinuz', initrd: new Uint8Array(0), initrdName: 'empty.img' }), /^empty\.img: the initrd file is empty/);
  });
});
