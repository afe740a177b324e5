// The platform of PLATFORM.md wired on real buses the way the VM builder will, driven the
// way Linux drives it: PIC + PIT alone (noapic acpi=off), then LAPIC virtual wire, then the
// switch to I/O APIC routing with IRQ 0 on GSI 2, and poweroff through the PM block.
import { describe, expect, it } from 'vitest';
import { type InterruptController, ManualClock, MmioBus, PortBus } from '../../core/bus';
import {
  AcpiPm,
  HostBridge440fx,
  I8042,
  IoApic,
  IsaBridgePiix3,
  IsaIrqRouter,
  LocalApic,
  PciBus,
  PciConfigMechanism1,
  PicPair,
  Pit8254,
  Port92,
  Rtc146818,
  SimpleA20Gate,
  SystemControlPortB,
  Uart16550,
} from '../../core/devices';

function buildPc() {
  const clock = new ManualClock();
  const ports = new PortBus();
  const mmio = new MmioBus();
  const events: string[] = [];
  const pic = new PicPair();
  let ioapic!: IoApic;
  const lapic = new LocalApic({ clock, extInt: pic, onEoi: (v) => ioapic.eoi(v) });
  ioapic = new IoApic({ id: 1, deliver: (m) => lapic.acceptInterrupt(m.vector, m.levelTriggered, m.deliveryMode), requested: (v) => lapic.requested(v) });
  const isa = new IsaIrqRouter({ pic, ioapic, overrides: { 0: 2 } });
  const a20 = new SimpleA20Gate(false);
  const pit = new Pit8254({ clock, irq0: isa.irq(0) });
  const serialOut: number[] = [];
  const com1 = new Uart16550({ clock, irq: isa.irq(4), backend: { write: (b) => void serialOut.push(b) } });
  const pciBus = new PciBus();
  pciBus.register(0, 0, new HostBridge440fx());
  pciBus.register(1, 0, new IsaBridgePiix3());
  const kbc = new I8042({ a20, onReset: () => void events.push('reset'), irq1: isa.irq(1), irq12: isa.irq(12) });
  const pm = new AcpiPm({ clock, sci: isa.irq(9), onPowerOff: () => void events.push('poweroff') });
  ports.register('pic-master', 0x20, 2, pic.masterPorts);
  ports.register('pic-slave', 0xa0, 2, pic.slavePorts);
  ports.register('elcr', 0x4d0, 2, pic.elcrPorts);
  ports.register('pit', 0x40, 4, pit);
  ports.register('port61', 0x61, 1, new SystemControlPortB({ clock, pit }));
  ports.register('kbc-data', 0x60, 1, kbc.dataPort);
  ports.register('kbc-cmd', 0x64, 1, kbc.commandPort);
  ports.register('rtc', 0x70, 2, new Rtc146818({ clock, ramBytes: 128 << 20, irq: isa.irq(8) }));
  ports.register('port92', 0x92, 1, new Port92({ a20, onReset: () => void events.push('reset') }));
  ports.register('com1', 0x3f8, 8, com1);
  ports.register('pci', 0xcf8, 8, new PciConfigMechanism1({ bus: pciBus, onReset: () => void events.push('reset') }));
  ports.register('pm1a-evt', 0x600, 4, pm.eventBlock);
  ports.register('pm1a-cnt', 0x604, 2, pm.controlBlock);
  ports.register('pm-tmr', 0x608, 4, pm.timerBlock);
  ports.register('gpe0', 0x620, 4, pm.gpe0Block);
  mmio.register('ioapic', 0xfec00000, 0x1000, ioapic);
  mmio.register('lapic', 0xfee00000, 0x1000, lapic);
  return { clock, ports, mmio, pic, lapic, pm, events, serialOut, a20 };
}

function initPic(ports: PortBus): void {
  for (const [base, vec, icw3] of [
    [0x20, 0x30, 0x04],
    [0xa0, 0x38, 0x02],
  ] as const) {
    ports.write(base, 1, 0x11);
    ports.write(base + 1, 1, vec);
    ports.write(base + 1, 1, icw3);
    ports.write(base + 1, 1, 0x01);
  }
}

/** PIT counter 0 in mode 2 with count 11932: Linux's HZ=100 tick (10.0002 ms). */
function startPitAtHz100(ports: PortBus): void {
  ports.write(0x43, 1, 0x34);
  ports.write(0x40, 1, 11932 & 0xff);
  ports.write(0x40, 1, 11932 >> 8);
}

/**
 * setup_local_APIC + setup_IO_APIC as Linux does them: mask the PIC and LINT0, route GSI 2 to
 * vector 0xEC. Returns the local APIC's EOI.
 */
function routeTimerThroughIoApic(pc: ReturnType<typeof buildPc>): () => void {
  const lapicW = (o: number, v: number): void => pc.mmio.write(0xfee00000 + o, 4, v);
  pc.ports.write(0x21, 1, 0xff);
  pc.ports.write(0xa1, 1, 0xff);
  lapicW(0xf0, 0x1ff);
  lapicW(0x350, 0x10700);
  pc.mmio.write(0xfec00000, 4, 0x10 + 2 * 2);
  pc.mmio.write(0xfec00010, 4, 0xec);
  pc.mmio.write(0xfec00000, 4, 0x11 + 2 * 2);
  pc.mmio.write(0xfec00010, 4, 0);
  return () => lapicW(0xb0, 0);
}

/** Run the guest for `ns`, taking every interrupt with an EOI, like a kernel's idle loop. */
function runTaking(pc: ReturnType<typeof buildPc>, cpu: InterruptController, ns: number, eoi: (v: number) => void): number[] {
  const taken: number[] = [];
  for (let t = 0; t < ns; t += 1_000_000) {
    pc.clock.advance(1_000_000);
    while (cpu.hasInterrupt()) {
      const v = cpu.acknowledge();
      taken.push(v);
      eoi(v);
    }
  }
  return taken;
}

describe('the PC platform wired per PLATFORM.md', () => {
  it('PIC-only: PIT ticks at HZ=100 on IRQ 0 and the serial console prints', () => {
    const pc = buildPc();
    initPic(pc.ports);
    startPitAtHz100(pc.ports);
    const taken = runTaking(pc, pc.pic, 500_000_000, () => pc.ports.write(0x20, 1, 0x20));
    expect(taken.length).toBe(49); // 49 whole 10.0002 ms periods in 500 ms
    expect(new Set(taken)).toEqual(new Set([0x30]));
    for (const c of 'Linux version') pc.ports.write(0x3f8, 1, c.charCodeAt(0));
    expect(String.fromCharCode(...pc.serialOut)).toBe('Linux version');
  });

  it('APIC mode: virtual wire first, then I/O APIC routing with IRQ 0 on GSI 2', () => {
    const pc = buildPc();
    initPic(pc.ports);
    startPitAtHz100(pc.ports);
    // Early boot: the CPU sees the PIC through LINT0 ExtINT.
    let taken = runTaking(pc, pc.lapic, 100_000_000, () => pc.ports.write(0x20, 1, 0x20));
    expect(taken.length).toBe(9);
    expect(new Set(taken)).toEqual(new Set([0x30]));
    const eoi = routeTimerThroughIoApic(pc);
    taken = runTaking(pc, pc.lapic, 100_000_000, eoi);
    expect(taken.length).toBe(10);
    expect(new Set(taken)).toEqual(new Set([0xec]));
  });

  it('a PIT tick the CPU does not take within its period waits instead of merging (PIC, then I/O APIC)', () => {
    const pc = buildPc();
    initPic(pc.ports);
    startPitAtHz100(pc.ports);
    pc.clock.advance(35_000_000); // interrupts off for 3.5 periods: the edges at 10, 20, 30 ms
    let taken = runTaking(pc, pc.pic, 465_000_000, () => pc.ports.write(0x20, 1, 0x20));
    expect(taken.length).toBe(49); // as many as a CPU that took each at once (test above)
    const eoi = routeTimerThroughIoApic(pc);
    pc.clock.advance(45_000_000); // 500 → 545 ms without taking: the edges at 510, 520, 530, 540 ms
    taken = runTaking(pc, pc.lapic, 55_000_000, eoi);
    expect(taken.length).toBe(10); // all 10 edges of 500–600 ms (59 - 49 whole periods)
    expect(new Set(taken)).toEqual(new Set([0xec]));
  });

  it('ACPI: the power button raises SCI (level IRQ 9 via ELCR) and S5 powers off', () => {
    const pc = buildPc();
    initPic(pc.ports);
    pc.ports.write(0x4d1, 1, 0x02); // IRQ 9 level-triggered, as acpi_pic_sci_set_trigger does
    pc.ports.write(0x602, 2, 0x0100);
    pc.clock.advance(1000);
    expect(pc.pic.hasInterrupt()).toBe(false);
    pc.pm.pressPowerButton(); // host side: the user's "power off" request
    expect(pc.pic.acknowledge()).toBe(0x39);
    expect(pc.ports.read(0x600, 2) & 0x100).toBe(0x100);
    pc.ports.write(0x600, 2, 0x100); // the ACPI driver clears PWRBTN_STS
    pc.ports.write(0xa0, 1, 0x20);
    pc.ports.write(0x20, 1, 0x20);
    expect(pc.pic.hasInterrupt()).toBe(false); // level SCI dropped: no second interrupt
    pc.ports.write(0x604, 2, 0x0000); // SLP_TYP = _S5's 0
    pc.ports.write(0x604, 2, 0x2000); // then SLP_EN
    expect(pc.events).toEqual(['poweroff']);
  });

  it('resets through the i8042 pulse, port 0x92 and 0xCF9; A20 follows the output port', () => {
    const pc = buildPc();
    pc.ports.write(0x64, 1, 0xd1);
    pc.ports.write(0x60, 1, 0x03);
    expect(pc.a20.enabled).toBe(true);
    expect(pc.ports.read(0x92, 1) & 2).toBe(2);
    pc.ports.write(0x64, 1, 0xfe);
    pc.ports.write(0x92, 1, 0x03);
    pc.ports.write(0xcf9, 1, 0x06);
    expect(pc.events).toEqual(['reset', 'reset', 'reset']);
  });
});
