// Runs a static 32-bit Linux ELF program both on the host CPU and in the emulator, for
// differential tests (STYLE.md habit 7). The emulator side is a tiny "kernel": GDT, IDT,
// TSS and two-level page tables in guest RAM, the program at CPL 3 with its segments
// mapped at their virtual addresses, and `int 0x80` handled by a ring-0 stub that traps
// to an I/O port (write and exit only). Any exception ends the run with its vector.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MmioBus, PortBus, type PortDevice } from '../../core/bus';
import { Cpu } from '../../core/cpu';
import { GuestMemory } from '../../core/memory';

const GDT = 0x1000;
const IDT = 0x2000;
const TSS = 0x3000;
const STUBS = 0x4000;
const PD = 0x5000;
const KSTACK_TOP = 0x9000;
const PT_POOL = 0x100000;
const PAGE_POOL = 0x400000;

export interface EmulatedRun {
  readonly stdout: Buffer;
  readonly exitCode: number | null;
  /** Vector of an exception the program raised, if any, and the EIP it faulted at. */
  readonly exception: { vector: number; eip: number; errorCode: number; cr2: number } | null;
  readonly instructions: number;
}

/** Assemble and link `source` (NASM, 32-bit) into a static ELF; returns the binary's path. */
export function buildElf(name: string, source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmdesk-cpu-native-'));
  const asm = path.join(dir, `${name}.asm`);
  const obj = path.join(dir, `${name}.o`);
  const exe = path.join(dir, name);
  writeFileSync(asm, source);
  const a = spawnSync('nasm', ['-f', 'elf32', '-o', obj, asm], { encoding: 'utf8' });
  if (a.status !== 0) throw new Error(`native: nasm failed for ${name}: ${a.stderr || a.error?.message}`);
  const l = spawnSync('ld', ['-m', 'elf_i386', '-static', '-o', exe, obj], { encoding: 'utf8' });
  if (l.status !== 0) throw new Error(`native: ld failed for ${name}: ${l.stderr || l.error?.message}`);
  return exe;
}

/** Remove the temporary folder `buildElf` made for `exe`. */
export function removeElf(exe: string): void {
  rmSync(path.dirname(exe), { recursive: true, force: true });
}

export function runNative(exe: string): { stdout: Buffer; status: number | null } {
  const r = spawnSync(exe, [], { maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`native: cannot run ${exe}: ${r.error.message}`);
  return { stdout: r.stdout, status: r.status };
}

class PageMapper {
  private nextPt = PT_POOL;
  private nextPage = PAGE_POOL;
  constructor(private readonly mem: GuestMemory) {}
  /** Map linear page `lin` (user, writable per `rw`); returns the physical page. */
  map(lin: number, rw: boolean, user: boolean): number {
    const v = this.mem.view;
    const pdi = lin >>> 22;
    let pde = v.getUint32(PD + pdi * 4, true);
    if ((pde & 1) === 0) {
      pde = this.nextPt | 7;
      this.nextPt += 4096;
      v.setUint32(PD + pdi * 4, pde, true);
    }
    const pteAddr = (pde & ~0xfff) + ((lin >>> 12) & 0x3ff) * 4;
    let pte = v.getUint32(pteAddr, true);
    if ((pte & 1) === 0) {
      const phys = lin < 0x400000 && !user ? lin & ~0xfff : this.nextPage;
      if (phys === this.nextPage) this.nextPage += 4096;
      pte = phys | 1 | (rw ? 2 : 0) | (user ? 4 : 0);
      v.setUint32(pteAddr, pte, true);
    } else if (rw && !(pte & 2)) v.setUint32(pteAddr, pte | 2, true);
    return pte & ~0xfff;
  }
}

function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff);
  return [lo >>> 0, hi >>> 0];
}

/** Load the ELF into a fresh 64 MiB machine and run it at CPL 3 with paging on. */
export function runEmulated(exe: string, budget = 200_000_000): EmulatedRun {
  const elf = readFileSync(exe);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 1 || elf.readUInt16LE(18) !== 3) {
    throw new Error(`native: ${exe} is not a 32-bit x86 ELF`);
  }
  const memory = GuestMemory.allocate(64 << 20);
  const ports = new PortBus();
  const cpu = new Cpu({ memory, ports, mmio: new MmioBus() });
  const v = memory.view;
  const mapper = new PageMapper(memory);
  // Kernel area identity-mapped, supervisor only.
  for (let p = 0; p < 0x10000; p += 4096) mapper.map(p, true, false);
  // ELF PT_LOAD segments.
  const phoff = elf.readUInt32LE(28);
  const phentsize = elf.readUInt16LE(42);
  const phnum = elf.readUInt16LE(44);
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (elf.readUInt32LE(ph) !== 1) continue;
    const off = elf.readUInt32LE(ph + 4);
    const vaddr = elf.readUInt32LE(ph + 8);
    const filesz = elf.readUInt32LE(ph + 16);
    const memsz = elf.readUInt32LE(ph + 20);
    const writable = (elf.readUInt32LE(ph + 24) & 2) !== 0;
    for (let a = vaddr & ~0xfff; a < vaddr + memsz; a += 4096) mapper.map(a, writable, true);
    for (let b = 0; b < filesz; b++) {
      const lin = vaddr + b;
      const phys = mapper.map(lin & ~0xfff, writable, true) + (lin & 0xfff);
      memory.u8[phys] = elf[off + b]!;
    }
  }
  // User stack: 256 KiB below 0xC0000000.
  const stackTop = 0xc0000000;
  for (let a = stackTop - 0x40000; a < stackTop; a += 4096) mapper.map(a, true, true);
  // GDT: null, kernel code 0x08, kernel data 0x10, user code 0x1b, user data 0x23, TSS 0x28.
  const gdt: [number, number][] = [
    [0, 0],
    descriptor(0, 0xfffff, 0x9a, 0xc),
    descriptor(0, 0xfffff, 0x92, 0xc),
    descriptor(0, 0xfffff, 0xfa, 0xc),
    descriptor(0, 0xfffff, 0xf2, 0xc),
    descriptor(TSS, 0x67, 0x89, 0),
  ];
  gdt.forEach(([lo, hi], i) => { v.setUint32(GDT + i * 8, lo, true); v.setUint32(GDT + i * 8 + 4, hi, true); });
  // TSS: ESP0/SS0 for the ring-3 -> ring-0 switch, no I/O bitmap.
  v.setUint32(TSS + 4, KSTACK_TOP, true);
  v.setUint32(TSS + 8, 0x10, true);
  v.setUint16(TSS + 0x66, 0x68, true);
  // Stubs: int 0x80 -> out 0xE0, al; iretd. Exception n -> mov al, n; out 0xE1, al; hlt.
  const code = [0xe6, 0xe0, 0xcf];
  code.forEach((b, i) => (memory.u8[STUBS + i] = b));
  const enterUser = STUBS + 0x10;
  memory.u8[enterUser] = 0xcf; // iretd
  for (let n = 0; n < 32; n++) {
    const at = STUBS + 0x100 + n * 8;
    [0xb0, n, 0xe6, 0xe1, 0xf4, 0xeb, 0xfd].forEach((b, i) => (memory.u8[at + i] = b));
  }
  const gate = (n: number, target: number, dpl: number, type: number): void => {
    v.setUint32(IDT + n * 8, ((0x08 << 16) | (target & 0xffff)) >>> 0, true);
    v.setUint32(IDT + n * 8 + 4, ((target & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8)) >>> 0, true);
  };
  for (let n = 0; n < 32; n++) gate(n, STUBS + 0x100 + n * 8, 0, 0xe);
  gate(0x80, STUBS, 3, 0xf);

  let stdout = Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let exitCode: number | null = null;
  let exception: EmulatedRun['exception'] = null;
  const syscall: PortDevice = {
    readPort: () => 0xff,
    writePort: () => {
      const r = cpu.regs;
      const nr = r[0]!;
      if (nr === 1) {
        exitCode = r[3]! & 0xff;
        cpu.requestStop();
      } else if (nr === 4) {
        const len = r[2]! >>> 0;
        const buf = Buffer.alloc(len);
        for (let i = 0; i < len; i++) buf[i] = cpu.lr8((r[1]! + i) | 0);
        chunks.push(buf);
        r[0] = len;
      } else r[0] = -38;
    },
  };
  const trap: PortDevice = {
    readPort: () => 0xff,
    writePort: (_o, _s, value) => {
      const vec = value & 0xff;
      const hasCode = vec === 8 || (vec >= 10 && vec <= 14) || vec === 17;
      const esp = cpu.regs[4]!;
      const errorCode = hasCode ? cpu.lr32(esp) : 0;
      const eip = cpu.lr32((esp + (hasCode ? 4 : 0)) | 0);
      exception = { vector: vec, eip: eip >>> 0, errorCode, cr2: cpu.cr[2]! >>> 0 };
      cpu.requestStop();
    },
  };
  ports.register('native-syscall', 0xe0, 1, syscall);
  ports.register('native-trap', 0xe1, 1, trap);

  cpu.enterFlatProtectedMode({ eip: enterUser, esp: KSTACK_TOP - 20 });
  cpu.gdtBase = GDT;
  cpu.gdtLimit = gdt.length * 8 - 1;
  cpu.idtBase = IDT;
  cpu.idtLimit = 256 * 8 - 1;
  cpu.setRegister('cr3', PD);
  cpu.setRegister('cr0', cpu.getRegister('cr0') | 0x80010000); // PG + WP
  cpu.loadTr(0x28);
  for (const seg of ['ds', 'es', 'fs', 'gs'] as const) cpu.setRegister(seg, 0x23);
  // IRET frame into ring 3: EIP, CS, EFLAGS, ESP, SS.
  const frame = [elf.readUInt32LE(24), 0x1b, 0x202, stackTop - 16, 0x23];
  frame.forEach((w, i) => v.setUint32(KSTACK_TOP - 20 + i * 4, w, true));
  let left = budget;
  while (left > 0 && exitCode === null && exception === null) {
    const reason = cpu.run(Math.min(left, 10_000_000));
    left -= 10_000_000;
    if (reason === 'triple-fault' || reason === 'shutdown') throw new Error(`native: ${exe} triple-faulted in the emulator`);
    if (reason === 'halt') break;
  }
  stdout = Buffer.concat(chunks);
  return { stdout, exitCode, exception, instructions: cpu.instructionCount };
}
