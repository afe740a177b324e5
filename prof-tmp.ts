import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { MmioBus, PortBus } from './core/bus';
import { Cpu } from './core/cpu';
import { GuestMemory } from './core/memory';
writeFileSync('/tmp/b.asm', `BITS 32
ORG 0x10000
    mov esi, 0x200000
  top:
    add eax, ebx
    xor ecx, eax
    inc edx
    mov [esi], eax
    mov ebx, [esi+4]
    lea edi, [ebx+ecx*2+3]
    shl edi, 3
    cmp edx, 1000
    jne top
    xor edx, edx
    jmp top
`);
spawnSync('nasm', ['-f', 'bin', '-o', '/tmp/b.bin', '/tmp/b.asm']);
const memory = GuestMemory.allocate(64 << 20);
memory.write(0x10000, new Uint8Array(readFileSync('/tmp/b.bin')));
const cpu = new Cpu({ memory, ports: new PortBus(), mmio: new MmioBus() });
cpu.enterFlatProtectedMode({ eip: 0x10000, esp: 0x90000 });
const t0 = Date.now();
cpu.run(Number(process.argv[2] ?? 50_000_000));
console.log((50_000_000 / (Date.now() - t0) / 1000).toFixed(1), 'M ips');
