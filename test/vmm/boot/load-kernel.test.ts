// loadKernel picks the protocol the way QEMU's -kernel does.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GuestMemory } from '../../../core/memory';
import { loadKernel, toFlatModeEntry } from '../../../core/vmm/boot';
import { buildTestGuests } from '../../guests/build';
import { GUEST_FETCH_TIMEOUT, readGuestKernel } from '../guest-images';

describe('loadKernel', () => {
  let kernel: Uint8Array;
  beforeAll(() => {
    kernel = readGuestKernel();
  }, GUEST_FETCH_TIMEOUT);

  it('boots a bzImage by the Linux protocol and anything else by Multiboot', () => {
    const memory = GuestMemory.allocate(128 * 2 ** 20);
    expect(loadKernel(memory, { kernel, kernelName: 'vmlinuz', cmdline: 'console=ttyS0' }).protocol).toBe('linux-32');
    const guest = buildTestGuests().find((g) => g.name === 'pit-rate')!;
    const r = loadKernel(memory, { kernel: new Uint8Array(readFileSync(guest.path)), kernelName: 'pit-rate.bin' });
    expect(r.protocol).toBe('multiboot');
    expect(r.entry.eax).toBe(0x2badb002);
    expect(toFlatModeEntry(r.entry)).toEqual({ eip: r.entry.eip, esp: r.entry.esp, gdtAddress: 0x500, registers: { eax: 0x2badb002, ebx: r.entry.ebx, ecx: 0, edx: 0, esi: 0, edi: 0, ebp: 0 } });
  });

  it('names the file when it is neither', () => {
    const memory = GuestMemory.allocate(16 * 2 ** 20);
    expect(() => loadKernel(memory, { kernel: new TextEncoder().encode('#!/bin/sh\necho not a kernel\n'), kernelName: 'notes.txt' })).toThrow(/^notes\.txt: no multiboot header in the first 8192 bytes \(and no "HdrS" bzImage header either\)$/);
    expect(() => loadKernel(memory, { kernel: new Uint8Array(0), kernelName: 'empty.bin' })).toThrow(/^empty\.bin: the kernel file is empty$/);
  });
});
