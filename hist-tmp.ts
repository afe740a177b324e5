import { readFileSync } from 'node:fs';
import { PcMachine } from './core/vmm/machine/pc-machine';
import { GuestMemory } from './core/memory';
import { HANDLERS, HAS_MODRM, OPCODES } from './core/cpu/opcode-table';
const counts = new Float64Array(2048);
for (let i = 0; i < 1024; i++) { const h = HANDLERS[i]!; const code = i & 511; HANDLERS[i] = (c: any) => { counts[i * 2 + (HAS_MODRM[code] && c.modrm < 0xc0 ? 1 : 0)]++; h(c); }; }
const g = '.cache/guest/';
const spec = { memoryMB: 256, kernel: { name: 'vmlinuz', data: new Uint8Array(readFileSync(g + 'vmlinuz')) },
  initrd: { name: 'initrd.img', data: new Uint8Array(readFileSync(g + 'initrd.img')) }, cmdline: 'console=ttyS0 cryptomgr.notests', debugExit: false, noReboot: true, apic: true };
const m = new PcMachine(spec as any, GuestMemory.allocate(256 << 20));
m.boot();
const stop = Number(process.env.STOP ?? 60e6);
while (m.cpu.instructionCount < stop) m.runSlice(100000);
const names = new Map(OPCODES.map((o) => [o.code, o.mnemonic]));
const tot = counts.reduce((a, b) => a + b, 0);
const rows = [...counts].map((v, i) => [v, i] as const).filter(([v]) => v > 0).sort((a, b) => b[0] - a[0]).slice(0, 40);
for (const [v, i] of rows) { const idx = i >> 1; console.log((v / tot * 100).toFixed(2).padStart(6), '%', (idx & 511).toString(16).padStart(3), names.get(idx & 511), idx >= 512 ? 'o32' : 'o16', i & 1 ? 'mem' : 'reg'); }
