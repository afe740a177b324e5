import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/bus';
import { Uart16550 } from '../../core/devices/uart';

const THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function setup() {
  const clock = new ManualClock();
  const sent: number[] = [];
  let level = false;
  let ready = 0;
  const uart = new Uart16550({
    clock,
    irq: { setLevel: (l) => void (level = l) },
    backend: { write: (b) => void sent.push(b), rxReady: () => void ready++ },
  });
  const r = (o: number): number => uart.readPort(o, 1);
  const w = (o: number, v: number): void => uart.writePort(o, 1, v);
  return { clock, uart, sent, r, w, level: () => level, ready: () => ready };
}

describe('16550A UART', () => {
  it('sends THR bytes to the backend and keeps THRE/TEMT set', () => {
    const { sent, r, w } = setup();
    for (const c of 'hi\n') w(THR, c.charCodeAt(0));
    expect(String.fromCharCode(...sent)).toBe('hi\n');
    expect(r(LSR) & 0x60).toBe(0x60);
  });

  it('programs the divisor through DLAB without touching THR/IER', () => {
    const { sent, r, w } = setup();
    w(LCR, 0x83);
    w(0, 0x0c);
    w(1, 0x00);
    expect(r(0)).toBe(0x0c);
    w(LCR, 0x03);
    expect(sent).toEqual([]);
    expect(r(IER)).toBe(0);
    expect(r(LCR)).toBe(0x03);
  });

  it('identifies a 16550A the way Linux autoconfig does: FIFO bits, scratch, loopback MSR', () => {
    const { r, w } = setup();
    w(FCR, 0xe7);
    expect(r(IIR) >> 6).toBe(3);
    expect(r(IIR) & 0x20).toBe(0); // no 64-byte FIFO: not a 16750
    w(SCR, 0xa5);
    expect(r(SCR)).toBe(0xa5);
    w(MCR, 0x10 | 0x0a);
    expect(r(MSR) & 0xf0).toBe(0x90);
    w(IER, 0x0f);
    expect(r(IER)).toBe(0x0f);
  });

  it('raises THRE when ETBEI is enabled; reading IIR clears it (the startup THRE test)', () => {
    const { r, w, level } = setup();
    w(MCR, 0x08); // OUT2: IRQ reaches the PIC
    w(IER, 0x02);
    expect(level()).toBe(true);
    expect(r(IIR) & 0x0f).toBe(0x02);
    expect(level()).toBe(false);
    expect(r(IIR) & 0x0f).toBe(0x01);
    w(IER, 0);
    w(IER, 0x02);
    expect(r(IIR) & 0x0f).toBe(0x02);
    w(THR, 0x41);
    expect(r(IIR) & 0x0f).toBe(0x02); // transmitted at once: empty again
  });

  it('holds the IRQ line low while OUT2 is clear', () => {
    const { r, w, level } = setup();
    w(IER, 0x02);
    expect(level()).toBe(false);
    expect(r(IIR) & 0x0f).toBe(0x02);
  });

  it('fills the FIFO to its 16 bytes and interrupts at the trigger level', () => {
    const { uart, r, w, level } = setup();
    w(MCR, 0x08);
    w(FCR, 0x81); // FIFO on, trigger 8
    w(IER, 0x01);
    expect(uart.receive([1, 2, 3, 4, 5, 6, 7])).toBe(7);
    expect(level()).toBe(false);
    expect(uart.receive(new Uint8Array(20).fill(9))).toBe(9);
    expect(level()).toBe(true);
    expect(r(IIR)).toBe(0xc4);
    const got: number[] = [];
    while (r(LSR) & 1) got.push(r(THR));
    expect(got.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 9]);
    expect(got.length).toBe(16);
    expect(level()).toBe(false);
  });

  it('reports the character timeout when the FIFO holds fewer bytes than the trigger', () => {
    const { clock, uart, r, w, level } = setup();
    w(LCR, 0x83);
    w(0, 1); // 115200 baud: one 8N1 character is 86.8 µs
    w(LCR, 0x03);
    w(MCR, 0x08);
    w(FCR, 0xc1); // trigger 14
    w(IER, 0x01);
    uart.receive([0x61, 0x62]);
    clock.advance(200_000);
    expect(r(IIR) & 0x0f).toBe(0x01); // not yet 4 character times
    expect(level()).toBe(false);
    clock.advance(200_000);
    expect(level()).toBe(true);
    expect(r(IIR) & 0x0f).toBe(0x0c);
    expect(r(THR)).toBe(0x61);
    expect(r(IIR) & 0x0f).toBe(0x01); // reading restarts the timer
  });

  it('takes one byte at a time without FIFOs and asks the backend for more after a read', () => {
    const { uart, r, ready } = setup();
    expect(uart.receive([0x31, 0x32])).toBe(1);
    expect(r(LSR) & 1).toBe(1);
    expect(r(THR)).toBe(0x31);
    expect(ready()).toBe(1);
    expect(r(LSR) & 1).toBe(0);
  });

  it('loops TX back to RX in loopback mode, with overrun when the holding register is full', () => {
    const { sent, r, w, level } = setup();
    w(MCR, 0x18);
    w(IER, 0x05);
    w(THR, 0x55);
    expect(sent).toEqual([]);
    expect(r(LSR) & 1).toBe(1);
    w(THR, 0x66); // no FIFO: overrun
    expect(level()).toBe(true);
    expect(r(IIR) & 0x0f).toBe(0x06); // line status outranks received data
    expect(r(LSR) & 0x02).toBe(0x02);
    expect(r(LSR) & 0x02).toBe(0); // LSR read clears OE
    expect(r(IIR) & 0x0f).toBe(0x04);
    expect(r(THR)).toBe(0x55);
  });

  it('routes MCR outputs to the modem inputs in loopback, with delta bits and MSR interrupt', () => {
    const { r, w, level } = setup();
    w(MCR, 0x10 | 0x08);
    r(MSR);
    w(IER, 0x08);
    w(MCR, 0x10 | 0x08 | 0x01); // DTR -> DSR
    expect(level()).toBe(true);
    expect(r(IIR) & 0x0f).toBe(0x00);
    expect(r(MSR)).toBe(0x80 | 0x20 | 0x02);
    expect(r(MSR)).toBe(0xa0);
    expect(level()).toBe(false);
  });

  it('signals TERI on the trailing edge of RI from the backend', () => {
    const { uart, r } = setup();
    uart.setModemInputs({ ri: true });
    expect(r(MSR) & 0x0f).toBe(0);
    uart.setModemInputs({ ri: false });
    expect(r(MSR) & 0x04).toBe(0x04);
  });

  it('saves and restores the FIFO and registers', () => {
    const a = setup();
    a.w(FCR, 0x01);
    a.w(LCR, 0x03);
    a.uart.receive([7, 8, 9]);
    const b = setup();
    b.uart.restore(JSON.parse(JSON.stringify(a.uart.save())));
    expect([b.r(THR), b.r(THR), b.r(THR)]).toEqual([7, 8, 9]);
    expect(b.r(LCR)).toBe(0x03);
    expect(() => b.uart.restore({ version: 0 } as never)).toThrow(/uart: saved state version 0/);
  });

  it('clears the receive FIFO on FCR bit 1 and reports no FIFO bits in IIR with FIFOs off', () => {
    const { uart, r, w } = setup();
    w(FCR, 0x01);
    uart.receive([1, 2, 3]);
    w(FCR, 0x03);
    expect(r(LSR) & 1).toBe(0);
    w(FCR, 0x00);
    expect(r(IIR) & 0xc0).toBe(0);
    expect(uart.rxSpace).toBe(1);
  });
});
