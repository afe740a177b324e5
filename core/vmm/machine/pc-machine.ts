// One PC: guest RAM, the port and MMIO buses, the CPU, the chipset and ISA devices, wired
// per platform-map.ts, with the kernel loaded for direct boot. The builder is the only code
// that knows port and IRQ numbers; devices get lines and backends handed in.
import { MmioBus, PortBus, type InterruptController } from '../../bus';
import { Cpu, type StopReason } from '../../cpu';
import { X87 } from '../../cpu/fpu';
import { DebugExitPort } from '../../devices/debug-exit';
import { I8042 } from '../../devices/i8042';
import { HostBridge440fx, IsaBridgePiix3, PciBus, PciConfigMechanism1 } from '../../devices/pci';
import { PicPair } from '../../devices/pic';
import { Pit8254, SystemControlPortB } from '../../devices/pit';
import { Port92 } from '../../devices/port92';
import { PostCodePort } from '../../devices/post';
import { Rtc146818 } from '../../devices/rtc';
import { SimpleA20Gate } from '../../devices/types';
import { Uart16550 } from '../../devices/uart';
import { GuestMemory } from '../../memory';
import { loadKernel, type BootEntryState } from '../boot';
import { HostVirtualClock } from '../clock';
import type { MachineSpec } from './machine-spec';
import { IRQS, PORTS } from './platform-map';
import { BatchingSerialSink } from './serial-sink';

/** Why the machine wants its run loop to end or restart, set by devices mid-slice. */
export type MachineRequest = { kind: 'poweroff' } | { kind: 'reset' } | { kind: 'debug-exit'; code: number };

export class PcMachine {
  readonly ports = new PortBus();
  readonly mmio = new MmioBus();
  readonly clock = new HostVirtualClock();
  readonly cpu: Cpu;
  readonly pic = new PicPair();
  readonly pit: Pit8254;
  readonly rtc: Rtc146818;
  readonly uarts: Uart16550[];
  readonly serialSinks: BatchingSerialSink[];
  readonly i8042: I8042;
  readonly post = new PostCodePort();
  private entry: BootEntryState | undefined;
  /** Set by a device (power off, reset, debug exit); the run loop acts on it after the slice. */
  request: MachineRequest | undefined;

  constructor(
    readonly spec: MachineSpec,
    readonly memory: GuestMemory,
  ) {
    const a20 = new SimpleA20Gate(true, (on) => this.cpu.setA20(on));
    const requestReset = (): void => this.raise({ kind: 'reset' });
    this.cpu = new Cpu({ memory, ports: this.ports, mmio: this.mmio, fpu: undefined });
    this.cpu.fpu = new X87(this.cpu.fpuHost);
    this.cpu.tscSource = this.clock.tsc;
    this.cpu.interruptController = this.pic satisfies InterruptController;

    this.ports.register('pic-master', PORTS.picMaster, 2, this.pic.masterPorts);
    this.ports.register('pic-slave', PORTS.picSlave, 2, this.pic.slavePorts);
    this.ports.register('elcr', PORTS.elcr, 2, this.pic.elcrPorts);

    this.pit = new Pit8254({ clock: this.clock, irq0: this.pic.irq(IRQS.pit) });
    this.ports.register('pit', PORTS.pit, 4, this.pit);
    this.ports.register('port61', PORTS.systemControlB, 1, new SystemControlPortB({ clock: this.clock, pit: this.pit }));

    this.rtc = new Rtc146818({ clock: this.clock, irq: this.pic.irq(IRQS.rtc), ramBytes: memory.size });
    this.ports.register('rtc', PORTS.rtc, 2, this.rtc);

    this.i8042 = new I8042({ irq1: this.pic.irq(IRQS.keyboard), irq12: this.pic.irq(IRQS.mouse), a20, onReset: requestReset });
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

    this.serialSinks = PORTS.com.map(() => new BatchingSerialSink());
    this.uarts = PORTS.com.map((base, i) => {
      const uart = new Uart16550({ clock: this.clock, irq: this.pic.irq(IRQS.com[i]!), backend: this.serialSinks[i] });
      this.ports.register(`com${i + 1}`, base, 8, uart);
      return uart;
    });
  }

  private raise(request: MachineRequest): void {
    // The first request of a slice wins (a reset during power-off is moot).
    this.request ??= request;
    this.cpu.requestStop();
  }

  /** Load the kernel (once) and put the CPU at its entry point. */
  boot(): void {
    const { kernel, initrd, cmdline } = this.spec;
    if (!kernel) throw new Error('vmm: no kernel given (firmware boot is not built yet)');
    if (!this.entry) {
      this.entry = loadKernel(this.memory, {
        kernel: kernel.data,
        kernelName: kernel.name,
        initrd: initrd?.data,
        initrdName: initrd?.name,
        cmdline,
      }).entry;
    }
    enterBootState(this.cpu, this.entry);
  }

  /** Run one slice of at most `budget` instructions after firing due timers. */
  runSlice(budget: number): StopReason {
    this.clock.runDue();
    return this.cpu.run(budget);
  }
}

/** Put the CPU in the loader's 32-bit entry state (flat segments, GDT, registers). */
function enterBootState(cpu: Cpu, entry: BootEntryState): void {
  cpu.enterFlatProtectedMode({
    eip: entry.eip,
    esp: entry.esp,
    registers: { eax: entry.eax, ebx: entry.ebx, ecx: entry.ecx, edx: entry.edx, esi: entry.esi, edi: entry.edi, ebp: entry.ebp },
  });
  cpu.gdtBase = entry.gdtr.base;
  cpu.gdtLimit = entry.gdtr.limit;
}
