// Random byte streams through the decoder in real mode, 16-bit and 32-bit protected mode
// and at CPL 3: whatever the guest executes, the CPU raises guest exceptions (handled by
// stubs that skip ahead) and never throws a host error or hangs.
import { describe, expect, it } from 'vitest';
import { gateDescriptor, STUBS, TestMachine } from './system-harness';

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s;
  };
}

describe('decoder fuzz', () => {
  it('survives random code in 32-bit protected mode', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const m = new TestMachine(8);
      const r = rng(seed);
      for (let i = 0; i < 0x8000; i++) m.memory.u8[0x100000 + i] = r() & 0xff;
      // Every exception: skip the faulting byte and continue (add dword [esp], 1; iretd), after popping any error code.
      for (let n = 0; n < 32; n++) {
        const hasCode = n === 8 || (n >= 10 && n <= 14) || n === 17;
        m.poke(STUBS + n * 16, [...(hasCode ? [0x83, 0xc4, 0x04] : []), 0x83, 0x04, 0x24, 0x01, 0x66, 0xc7, 0x44, 0x24, 0x04, 0x08, 0x00, 0xcf]);
        m.setGate(n, gateDescriptor(0x08, STUBS + n * 16, 0xe, 0));
      }
      m.flat(0x100000, 0x90000);
      m.cpu.setRegister('ebx', 0x100000);
      m.cpu.setRegister('esi', 0x100000);
      m.cpu.setRegister('edi', 0x180000);
      let executed = 0;
      expect(() => {
        for (let k = 0; k < 40 && executed < 20_000; k++) {
          const before = m.cpu.instructionCount;
          const reason = m.run(5_000);
          executed += m.cpu.instructionCount - before;
          if (reason === 'triple-fault' || reason === 'shutdown') break;
          if (reason === 'halt') { m.cpu.halted = false; } // step over a random HLT
        }
      }).not.toThrow();
      expect(executed).toBeGreaterThan(0);
    }
  });

  it('survives random code in real mode', () => {
    for (let seed = 100; seed < 140; seed++) {
      const m = new TestMachine(2);
      const r = rng(seed);
      for (let i = 0; i < 0x10000; i++) m.memory.u8[0x10000 + i] = r() & 0xff;
      // IVT: every vector to an IRET at 0:0x500 (the return IP is the faulting one for faults:
      // bump it by one so execution moves on).
      for (let v = 0; v < 256; v++) { m.memory.view.setUint16(v * 4, 0x500, true); m.memory.view.setUint16(v * 4 + 2, 0, true); }
      m.poke(0x500, [0x55, 0x89, 0xe5, 0x3e, 0xff, 0x46, 0x02, 0x5d, 0xcf]); // push bp; mov bp,sp; inc word [ds:bp+2]; pop bp; iret
      m.cpu.setRegister('cs', 0x1000);
      m.cpu.setRegister('ss', 0x0000);
      m.cpu.setRegister('sp', 0x7000);
      m.cpu.setRegister('ds', 0x0000);
      m.cpu.setRegister('ip', 0);
      m.cpu.idtLimit = 0x3ff;
      let reason = '';
      expect(() => { reason = m.run(20_000); }).not.toThrow();
      expect(reason).not.toBe('');
    }
  });
});
