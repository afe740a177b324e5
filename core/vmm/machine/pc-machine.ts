// One PC: guest RAM, the port and MMIO buses, the CPU, the chipset and ISA devices, wired
// per platform-map.ts; it boots either the kernel directly or, with `spec.firmware`, the BIOS
// from the reset vector over IDE, VGA and fw_cfg (firmware-platform.ts). The builder is the only code
// that knows port and IRQ numbers; devices get lines and backends handed in.
import { MmioBus, PortBus, type InterruptController } from '../../bus';
import { Cpu, type StopReason } from '../../cpu';
import { X87 } from '../../cpu/fpu';
import { AcpiPm } from '../../devices/acpi-pm';
import { DebugExitPort } from '../../devices/debug-exit';
import { I8042 } from '../../devices/i8042';
import { IoApic } from '../../devices/ioapic';
import { IsaIrqRouter } from '../../devices/isa-irq';
import { LocalApic } from '../../devices/lapic';
import { HostBridge440fx, IsaBridgePiix3, PciBus, PciConfigMechanism1 } from '../../devices/pci';
import { PicPair } from '../../devices/pic';
import { Pit8254, SystemControlPortB } from '../../devices/pit';
import { Port92 } from '../../devices/port92';
import { PostCodePort } from '../../devices/post';
import { Rtc146818 } from '../../devices/rtc';
import { SimpleA20Gate } from '../../devices/types';
import { Uart16550 } from '../../devices/uart';
import { GuestMemory } from '../../memory';
import { installAcpiTables } from '../acpi';
import { type DisplayAdapter, VgaDisplayAdapter } from '../console';
import { loadKernel, toFlatModeEntry, type BootEntryState } from '../boot';
import { HostVirtualClock } from '../clock';
import type { MachineSpec } from './machine-spec';
import { ADDRESSES, IRQS, PORTS } from './platform-map';
import { BatchingSerialSink } from './serial-sink';
import { attachFirmwarePlatform, attachIdePlatform, type FirmwarePlatform, type IdePlatform } from './firmware-platform';

/** Why the machine wants its run loop to end or restart, set by devices mid-slice. */
export type MachineRequest = { kind: 'poweroff' } | { kind: 'reset' } | { kind: 'debug-exit'; code: number };

export class PcMachine {
  readonly ports = new PortBus();
  readonly mmio = new MmioBus();
  readonly clock = new HostVirtualClock();
  readonly cpu: Cpu;
  readonly pic = new PicPair();
  readonly lapic: LocalApic | undefined;
  readonly ioapic: IoApic | undefined;
  readonly acpiPm: AcpiPm | undefined;
  private readonly acpiRsdp: number | undefined;
  readonly pit: Pit8254;
  readonly rtc: Rtc146818;
  readonly uarts: Uart16550[];
  readonly serialSinks: BatchingSerialSink[];
  readonly i8042: I8042;
  readonly post = new PostCodePort();
  /** What the graphical console shows: the VGA when booting through firmware. */
  readonly display: DisplayAdapter | undefined;
  /** IDE, VGA, fw_cfg and the BIOS debug log when booting through firmware. */
  readonly firmware: FirmwarePlatform | undefined;
  /** The IDE controller with the disks and CD-ROM (firmware boot, or any spec with disks). */
  readonly storage: IdePlatform | undefined;
  private entry: BootEntryState | undefined;
  /** Set by a device (power off, reset, debug exit); the run loop acts on it after the slice. */
  request: MachineRequest | undefined;

  constructor(
    readonly spec: MachineSpec,
    readonly memory: GuestMemory,
  ) {
    const a20 = new SimpleA20Gate(true, (on) => this.cpu.setA20(on));
    const requestReset = (): void => this.raise({ kind: 'reset' });
    this.cpu = new Cpu({ memory, ports: this.ports, mmio: this.mmio, fpu: (host) => new X87(host) });
    this.cpu.tscSource = this.clock.tsc;
    this.clock.countInstructions(() => this.cpu.instructionCount);
    this.clock.endSliceForTimers((instructions) => this.cpu.endSliceWithin(instructions));

    this.ports.register('pic-master', PORTS.picMaster, 2, this.pic.masterPorts);
    this.ports.register('pic-slave', PORTS.picSlave, 2, this.pic.slavePorts);
    this.ports.register('elcr', PORTS.elcr, 2, this.pic.elcrPorts);

    // APIC platform: the local APIC passes the 8259 through LINT0 until the guest switches
    // to I/O APIC routing, so a `noapic` kernel still runs on the PIC alone.
    if (spec.apic) {
      const lapic = new LocalApic({ clock: this.clock, extInt: this.pic, onEoi: (v) => ioapic.eoi(v) });
      const ioapic = new IoApic({ id: 1, deliver: (m) => lapic.acceptInterrupt(m.vector, m.levelTriggered, m.deliveryMode), requested: (v) => lapic.requested(v) });
      this.lapic = lapic;
      this.ioapic = ioapic;
      this.mmio.register('lapic', ADDRESSES.localApic, 0x1000, lapic);
      this.mmio.register('ioapic', ADDRESSES.ioApic, 0x1000, ioapic);
      this.cpu.interruptController = lapic satisfies InterruptController;
      this.cpu.apicBaseMsr = lapic;
    } else {
      this.cpu.interruptController = this.pic satisfies InterruptController;
    }
    const isa = new IsaIrqRouter({ pic: this.pic, ioapic: this.ioapic, overrides: { 0: 2 } });

    this.pit = new Pit8254({ clock: this.clock, irq0: isa.irq(IRQS.pit) });
    this.ports.register('pit', PORTS.pit, 4, this.pit);
    this.ports.register('port61', PORTS.systemControlB, 1, new SystemControlPortB({ clock: this.clock, pit: this.pit }));

    this.rtc = new Rtc146818({ clock: this.clock, irq: isa.irq(IRQS.rtc), ramBytes: memory.size });
    this.ports.register('rtc', PORTS.rtc, 2, this.rtc);

    this.i8042 = new I8042({ irq1: isa.irq(IRQS.keyboard), irq12: isa.irq(IRQS.mouse), a20, onReset: requestReset });
    this.ports.register('i8042-data', PORTS.i8042Data, 1, this.i8042.dataPort);
    this.ports.register('i8042-command', PORTS.i8042Command, 1, this.i8042.commandPort);

    this.ports.register('port92', PORTS.port92, 1, new Port92({ a20, onReset: requestReset }));
    this.ports.register('post', PORTS.post, 1, this.post);
    if (spec.debugExit) {
      this.ports.register('debug-exit', PORTS.debugExit, 1, new DebugExitPort((code) => this.raise({ kind: 'debug-exit', code })));
    }

    const pci = new PciBus();
    pci.register(0, 0, new HostBridge440fx());
    pci.register(1, 0, new IsaBridgePiix3());
    this.ports.register('pci-config', PORTS.pciConfig, 8, new PciConfigMechanism1({ bus: pci, onReset: requestReset }));

    if (spec.apic) {
      const pm = new AcpiPm({ clock: this.clock, sci: isa.irq(IRQS.sci), onPowerOff: () => this.raise({ kind: 'poweroff' }) });
      this.acpiPm = pm;
      this.ports.register('acpi-pm1-evt', PORTS.acpiPm, 4, pm.eventBlock);
      this.ports.register('acpi-pm1-cnt', PORTS.acpiPm + 4, 2, pm.controlBlock);
      this.ports.register('acpi-pm-tmr', PORTS.acpiPm + 8, 4, pm.timerBlock);
      this.ports.register('acpi-gpe0', PORTS.acpiPm + 0x20, 4, pm.gpe0Block);
      // Under firmware the BIOS places the tables (fw_cfg table loader); 0xE0000 is its shadow.
      if (!spec.firmware) this.acpiRsdp = installAcpiTables(memory).rsdp;
    }

    if (spec.firmware || (spec.disks?.length ?? 0) > 0 || spec.cdrom) {
      this.storage = attachIdePlatform({ spec, memory, ports: this.ports, pci, irq14: isa.irq(IRQS.idePrimary), irq15: isa.irq(IRQS.ideSecondary) });
    }
    if (spec.firmware) {
      this.firmware = attachFirmwarePlatform({ spec, memory, ports: this.ports, mmio: this.mmio, pci });
      this.display = new VgaDisplayAdapter(this.firmware.vga);
    }

    this.serialSinks = PORTS.com.map(() => new BatchingSerialSink());
    this.uarts = PORTS.com.map((base, i) => {
      const uart = new Uart16550({ clock: this.clock, irq: isa.irq(IRQS.com[i]!), backend: this.serialSinks[i] });
      this.ports.register(`com${i + 1}`, base, 8, uart);
      return uart;
    });
  }

  private raise(request: MachineRequest): void {
    // The first request of a slice wins (a reset during power-off is moot).
    this.request ??= request;
    this.cpu.requestStop();
  }

  /** Firmware: start at the reset vector (F000:FFF0). Direct boot: load the kernel (once) and enter it. */
  boot(): void {
    if (this.firmware) {
      this.firmware.reloadShadow();
      this.cpu.reset();
      this.storage?.ide.reset();
      return;
    }
    const { kernel, initrd, cmdline } = this.spec;
    if (!kernel) throw new Error('vmm: no kernel and no firmware given');
    if (!this.entry) {
      this.entry = loadKernel(this.memory, {
        kernel: kernel.data,
        kernelName: kernel.name,
        initrd: initrd?.data,
        initrdName: initrd?.name,
        cmdline,
        acpiRsdp: this.acpiRsdp,
      }).entry;
    }
    this.cpu.enterFlatProtectedMode(toFlatModeEntry(this.entry));
  }

  /** The ACPI power button (guest shutdown); false when the machine has no ACPI. */
  pressPowerButton(): boolean {
    if (!this.acpiPm) return false;
    this.acpiPm.pressPowerButton();
    return true;
  }

  /** Close the disk images (the worker is about to end). */
  close(): void {
    for (const b of this.storage?.backends ?? []) {
      b.flush();
      b.dispose();
    }
  }

  /** Run one slice of at most `budget` instructions after firing due timers. */
  runSlice(budget: number): StopReason {
    this.clock.runDue();
    return this.cpu.run(budget);
  }
}
