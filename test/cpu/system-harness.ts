// A small machine for hand-written system tests: NASM-assembled flat code, GDT/IDT/TSS
// and page tables built in guest RAM, and exception stubs that report to an I/O port
// (vector, error code, faulting CS:EIP, CR2) and stop the CPU, or chain to custom code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type InterruptController, MmioBus, PortBus } from '../../core/bus';
import { Cpu } from '../../core/cpu';
import { GuestMemory } from '../../core/memory';

export const GDT = 0x1000;
export const IDT = 0x2000;
export const STUBS = 0x3000;
export const TSS0 = 0x4000;
export const TSS1 = 0x4100;
export const TSS2 = 0x4200;
export const PD = 0x10000;

export function assemble(src: string): Uint8Array {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmdesk-cpu-sys-'));
  writeFileSync(path.join(dir, 'a.asm'), src);
  const r = spawnSync('nasm', ['-f', 'bin', '-o', path.join(dir, 'a.bin'), path.join(dir, 'a.asm')], { encoding: 'utf8' });
  try {
    if (r.status !== 0) throw new Error(`nasm: ${r.stderr}`);
    return new Uint8Array(readFileSync(path.join(dir, 'a.bin')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const hi = (base & 0xff000000) | ((flags & 0xf) << 20) | (limit & 0xf0000) | ((access & 0xff) << 8) | ((base >>> 16) & 0xff);
  return [lo >>> 0, hi >>> 0];
}
export function gateDescriptor(selector: number, offset: number, type: number, dpl: number, params = 0): [number, number] {
  return [((selector << 16) | (offset & 0xffff)) >>> 0, ((offset & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8) | params) >>> 0];
}

export interface Trap { vector: number; errorCode: number; eip: number; cs: number; cr2: number; esp: number }

/** Standard GDT: 0x08 code0, 0x10 data0, 0x1b code3, 0x23 data3, 0x28 TSS0, 0x30 TSS1, 0x38 TSS2, 0x40 16-bit code0. */
export class TestMachine {
  readonly memory: GuestMemory;
  readonly ports = new PortBus();
  readonly mmio = new MmioBus();
  readonly cpu: Cpu;
  readonly traps: Trap[] = [];
  readonly out: number[] = [];
  /** Vectors whose stub does not stop the CPU but jumps to the address given. */
  private readonly gdtEntries: [number, number][] = [];

  constructor(megabytes = 16) {
    this.memory = GuestMemory.allocate(megabytes << 20);
    this.cpu = new Cpu({ memory: this.memory, ports: this.ports, mmio: this.mmio });
    this.ports.register('test-trap', 0xe1, 1, {
      readPort: () => 0xff,
      writePort: (_o, _s, v) => {
        const c = this.cpu;
        const vec = v & 0xff;
        const hasCode = vec === 8 || (vec >= 10 && vec <= 14) || vec === 17;
        const esp = c.regs[4]!;
        const rd = (a: number) => c.sysR32(a);
        const base = c.segBase[2]!;
        this.traps.push({
          vector: vec,
          errorCode: hasCode ? rd((base + esp) | 0) : -1,
          eip: rd((base + esp + (hasCode ? 4 : 0)) | 0) >>> 0,
          cs: rd((base + esp + (hasCode ? 8 : 4)) | 0) & 0xffff,
          cr2: c.cr[2]! >>> 0,
          esp: esp >>> 0,
        });
        c.requestStop();
      },
    });
    this.ports.register('test-out', 0xe9, 4, {
      readPort: () => 0xff,
      writePort: (_o, _s, v) => { this.out.push(v); },
    });
    this.setGdt([
      [0, 0],
      descriptor(0, 0xfffff, 0x9a, 0xc),
      descriptor(0, 0xfffff, 0x92, 0xc),
      descriptor(0, 0xfffff, 0xfa, 0xc),
      descriptor(0, 0xfffff, 0xf2, 0xc),
      descriptor(TSS0, 0x67, 0x89, 0),
      descriptor(TSS1, 0x67, 0x89, 0),
      descriptor(TSS2, 0x67, 0x89, 0),
      descriptor(0, 0xffff, 0x9a, 0),
    ]);
    // Exception stubs: mov al, n; out 0xe1, al; hlt; jmp $-1
    for (let n = 0; n < 32; n++) {
      this.poke(STUBS + n * 16, [0xb0, n, 0xe6, 0xe1, 0xf4, 0xeb, 0xfd]);
      this.setGate(n, gateDescriptor(0x08, STUBS + n * 16, 0xe, 0));
    }
  }

  poke(addr: number, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.memory.u8[addr + i] = bytes[i]!;
  }
  w32(addr: number, v: number): void { this.memory.view.setUint32(addr, v >>> 0, true); }
  r32(addr: number): number { return this.memory.view.getUint32(addr, true); }
  setGdt(entries: [number, number][]): void {
    this.gdtEntries.splice(0, this.gdtEntries.length, ...entries);
    entries.forEach(([lo, hi], i) => { this.w32(GDT + i * 8, lo); this.w32(GDT + i * 8 + 4, hi); });
    this.cpu.gdtBase = GDT;
    this.cpu.gdtLimit = entries.length * 8 - 1;
  }
  setGdtEntry(index: number, d: [number, number]): void {
    this.w32(GDT + index * 8, d[0]);
    this.w32(GDT + index * 8 + 4, d[1]);
    while (this.gdtEntries.length <= index) this.gdtEntries.push([0, 0]);
    this.gdtEntries[index] = d;
    this.cpu.gdtLimit = this.gdtEntries.length * 8 - 1;
  }
  setGate(n: number, d: [number, number]): void {
    this.w32(IDT + n * 8, d[0]);
    this.w32(IDT + n * 8 + 4, d[1]);
  }
  /** Load code at `org` (NASM source gets `BITS 32` / `ORG` prepended). */
  load(org: number, src: string, bits: 16 | 32 = 32): void {
    this.poke(org, assemble(`BITS ${bits}\nORG ${org}\n${src}\n`));
  }
  /** Flat 32-bit protected mode at CPL 0 with our GDT/IDT and TSS0 (ESP0 = 0x80000). */
  flat(eip: number, esp = 0x70000): void {
    this.cpu.enterFlatProtectedMode({ eip, esp });
    this.cpu.gdtBase = GDT;
    this.cpu.gdtLimit = this.gdtEntries.length * 8 - 1;
    this.cpu.idtBase = IDT;
    this.cpu.idtLimit = 256 * 8 - 1;
    for (const s of ['ds', 'es', 'ss', 'fs', 'gs'] as const) this.cpu.setRegister(s, 0x10);
    this.w32(TSS0 + 4, 0x80000);
    this.w32(TSS0 + 8, 0x10);
    this.memory.view.setUint16(TSS0 + 0x66, 0x68, true);
    this.cpu.loadTr(0x28);
    this.cpu.jmpFar(0x08, eip);
  }
  /** Identity-map the first `mb` MiB with 4 KiB pages (user, writable) and enable paging. */
  identityPaging(mb = 8, wp = true): void {
    for (let i = 0; i < mb / 4; i++) {
      const pt = PD + 0x1000 * (i + 1);
      this.w32(PD + i * 4, pt | 7);
      for (let j = 0; j < 1024; j++) this.w32(pt + j * 4, ((i << 22) | (j << 12) | 7) >>> 0);
    }
    this.cpu.setRegister('cr3', PD);
    this.cpu.setRegister('cr0', (this.cpu.getRegister('cr0') | 0x80000000 | (wp ? 0x10000 : 0)) >>> 0);
  }
  pteAddr(lin: number): number {
    const pde = this.r32(PD + (lin >>> 22) * 4);
    return (pde & ~0xfff) + ((lin >>> 12) & 0x3ff) * 4;
  }
  run(budget = 100_000) {
    return this.cpu.run(budget);
  }
}

/** An interrupt controller with one pending vector at a time (the CPU-facing interface only). */
export class OneShotController implements InterruptController {
  pending: number[] = [];
  acknowledged: number[] = [];
  hasInterrupt(): boolean { return this.pending.length > 0; }
  acknowledge(): number { const v = this.pending.shift()!; this.acknowledged.push(v); return v; }
}
