// Paging as a guest sees it (SDM vol. 3 §4.3, §4.7, §4.8, §4.10): #PF error codes and
// CR2, WP, accessed/dirty bits, 4 MiB PSE pages, global pages across CR3 reloads, INVLPG.
import { describe, expect, it } from 'vitest';
import { PD, TestMachine } from './system-harness';

describe('paging', () => {
  it('a read of a not-present page raises #PF with error code 0 and CR2 = the address', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov eax, [0x00500123]\n hlt');
    m.flat(0x20000);
    m.identityPaging();
    m.w32(m.pteAddr(0x500000), 0);
    m.run();
    expect(m.traps).toEqual([expect.objectContaining({ vector: 14, errorCode: 0, eip: 0x20000, cr2: 0x500123 })]);
  });

  it('CPL 3 writes to a read-only page give error code 7; CPL 0 with WP=1 gives 3', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov dword [0x00600010], 1\n hlt');
    m.flat(0x20000);
    m.identityPaging(8, true);
    m.w32(m.pteAddr(0x600000), 0x600000 | 5); // present, user, read-only
    m.run();
    expect(m.traps[0]).toMatchObject({ vector: 14, errorCode: 3, cr2: 0x600010 });

    const u = new TestMachine();
    // ring 3 code via IRET, writing a read-only user page
    u.load(0x20000, 'push 0x23\n push 0x70000\n push 0x202\n push 0x1b\n push 0x21000\n iretd');
    u.load(0x21000, 'mov ax, 0x23\n mov ds, ax\n mov dword [0x00600010], 1\n jmp $');
    u.flat(0x20000);
    u.identityPaging(8, true);
    u.w32(u.pteAddr(0x600000), 0x600000 | 5);
    u.run();
    expect(u.traps[0]).toMatchObject({ vector: 14, errorCode: 7, cr2: 0x600010, eip: 0x21006, cs: 0x1b });
  });

  it('with CR0.WP=0 the supervisor may write a read-only page', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov dword [0x00600010], 0xabcd\n hlt');
    m.flat(0x20000);
    m.identityPaging(8, false);
    m.w32(m.pteAddr(0x600000), 0x600000 | 5);
    expect(m.run()).toBe('halt');
    expect(m.traps).toEqual([]);
    expect(m.r32(0x600010)).toBe(0xabcd);
  });

  it('sets the accessed bit on reads and the dirty bit on writes, in the PDE and PTE', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov eax, [0x00700000]\n mov [0x00701000], eax\n hlt');
    m.flat(0x20000);
    m.identityPaging();
    const read = m.pteAddr(0x700000);
    const written = m.pteAddr(0x701000);
    expect(m.run()).toBe('halt');
    expect(m.r32(read) & 0x60).toBe(0x20);
    expect(m.r32(written) & 0x60).toBe(0x60);
    expect(m.r32(PD + 1 * 4) & 0x20).toBe(0x20);
  });

  it('maps a 4 MiB page with CR4.PSE and reports PSE in CPUID', () => {
    const m = new TestMachine(32);
    m.load(0x20000, `
      mov eax, cr4
      or eax, 0x10
      mov cr4, eax
      mov dword [0x00c00004], 0x5a5a5a5a   ; physical 0x800004 via the 4 MiB page at 12 MiB
      mov eax, 1
      cpuid
      hlt`);
    m.flat(0x20000);
    m.identityPaging();
    m.w32(PD + 3 * 4, 0x800000 | 0x87); // 12 MiB -> 8 MiB, PS
    expect(m.run()).toBe('halt');
    expect(m.r32(0x800004)).toBe(0x5a5a5a5a);
    expect(m.r32(PD + 3 * 4) & 0x60).toBe(0x60);
    expect(m.cpu.getRegister('edx') & (1 << 3)).not.toBe(0);
  });

  it('keeps a stale translation until INVLPG, and global pages survive a CR3 reload', () => {
    const m = new TestMachine();
    m.load(0x20000, `
      mov eax, cr4
      or eax, 0x80            ; PGE
      mov cr4, eax
      mov eax, [0x00300000]   ; fill the TLB for 3 MiB (global) and 3 MiB + 4 KiB
      mov eax, [0x00301000]
      mov dword [ebx], 0x00400007 ; retarget both PTEs to 4 MiB
      mov dword [ebx+4], 0x00400007
      mov eax, cr3
      mov cr3, eax            ; flushes only the non-global entry
      mov ecx, [0x00300000]   ; still the old page (global)
      mov edx, [0x00301000]   ; the new page
      invlpg [0x00300000]
      mov esi, [0x00300000]   ; the new page now
      hlt`);
    m.flat(0x20000);
    m.identityPaging();
    const pte = m.pteAddr(0x300000);
    m.w32(pte, 0x300000 | 0x107); // global
    m.cpu.setRegister('ebx', pte);
    m.w32(0x300000, 0x1111);
    m.w32(0x301000, 0x2222);
    m.w32(0x400000, 0x4444);
    expect(m.run()).toBe('halt');
    expect(m.cpu.getRegister('ecx')).toBe(0x1111);
    expect(m.cpu.getRegister('edx')).toBe(0x4444);
    expect(m.cpu.getRegister('esi')).toBe(0x4444);
  });

  it('the instruction after INVLPG or a CR3 load that remaps the running code page comes from the new page', () => {
    // INVLPG and MOV CR3 are serializing (SDM vol. 3 §8.3): the next fetch uses the new
    // translation. Both copies hold the same code but for the value moved into EAX.
    for (const flush of ['invlpg [0x20000]', 'mov ecx, cr3\n mov cr3, ecx']) {
      const m = new TestMachine();
      const code = (value: number): string => `
        mov dword [ebx], 0x00500003 ; the PTE of 0x20000 now names 0x500000
        ${flush}
        mov eax, ${value}
        hlt`;
      m.load(0x20000, code(1));
      m.load(0x500000, code(2));
      m.flat(0x20000);
      m.identityPaging();
      m.cpu.setRegister('ebx', m.pteAddr(0x20000));
      expect(m.run()).toBe('halt');
      expect(m.cpu.getRegister('eax')).toBe(2);
    }
  });

  it('a page-crossing dword write faults before writing either page', () => {
    const m = new TestMachine();
    m.load(0x20000, 'mov dword [0x00500ffe], 0x11223344\n hlt');
    m.flat(0x20000);
    m.identityPaging();
    m.w32(m.pteAddr(0x501000), 0);
    m.run();
    expect(m.traps[0]).toMatchObject({ vector: 14, errorCode: 2, cr2: 0x501000 });
    expect(m.memory.u8[0x500ffe]).toBe(0);
  });
});
