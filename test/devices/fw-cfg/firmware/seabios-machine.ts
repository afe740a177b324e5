// A PC built from the device models for firmware tests: Debian's SeaBIOS and its stdvga
// VGA BIOS run from reset on the CPU, with fw_cfg, PIIX3 IDE and the VGA. SeaBIOS's debug
// console (port 0x402) is captured. The VM builder proper lives in core/vmm; this is the
// smallest wiring that lets the device tests see what the firmware does with the devices.
import { readFileSync } from 'node:fs';
import { ManualClock, MmioBus, PortBus } from '../../../../core/bus';
import { Cpu } from '../../../../core/cpu';
import { X87 } from '../../../../core/cpu/fpu';
import { CpuMmu } from '../../../../core/cpu/mmu';
import {
  addPcFirmwareItems,
  AtaDisk,
  AtapiCdrom,
  attachIde,
  attachVga,
  FwCfg,
  HostBridge440fx,
  I8042,
  ideBootPath,
  IsaBridgePiix3,
  PciBus,
  PciConfigMechanism1,
  PciVga,
  PicPair,
  Piix3Ide,
  Pit8254,
  Port92,
  PostCodePort,
  Rtc146818,
  SimpleA20Gate,
  SystemControlPortB,
  Vga,
  VgaRenderer,
} from '../../../../core/devices';
import { GuestMemory } from '../../../../core/memory';
import type { BlockBackend } from '../../../../core/storage';

export const SEABIOS = '/usr/share/seabios/bios.bin';
export const VGABIOS = '/usr/share/seabios/vgabios-stdvga.bin';

/**
 * The CPU treats every address below the end of RAM as RAM; the VGA window 0xA0000–0xBFFFF
 * must reach the MMIO bus instead. Until the CPU routes that hole itself, route it here
 * (only when a probe shows it does not already).
 */
function routeVgaHole(cpu: Cpu, probe: () => boolean): void {
  if (probe()) return;
  const proto = CpuMmu.prototype as unknown as Record<string, (this: CpuMmu, p: number, v?: number) => number | void>;
  const hole = (p: number): boolean => p >= 0xa0000 && p < 0xc0000;
  for (const [name, size] of [['physR8', 1], ['physR16', 2], ['physR32', 4]] as const) {
    const orig = proto[name]!;
    proto[name] = function (this: CpuMmu, p: number) {
      if (!hole(p)) return orig.call(this, p);
      const v = this.mmio.read(p, size);
      return size === 4 ? v | 0 : v;
    };
  }
  for (const [name, size] of [['physW8', 1], ['physW16', 2], ['physW32', 4]] as const) {
    const orig = proto[name]!;
    proto[name] = function (this: CpuMmu, p: number, v?: number) {
      if (!hole(p)) return orig.call(this, p, v);
      this.mmio.write(p, size, (v ?? 0) >>> 0);
    };
  }
  void cpu;
}

export interface FirmwarePc {
  cpu: Cpu;
  memory: GuestMemory;
  vga: Vga;
  renderer: VgaRenderer;
  ide: Piix3Ide;
  fw: FwCfg;
  debug: () => string;
  /** Run until `done(debugText)` or the slice limit; returns slices run. */
  run(done: (debug: string) => boolean, maxSlices: number): number;
  /** The 80x25 text screen as lines (characters from plane 0). */
  screenText(): string[];
}

export function firmwarePc(opts: { disk?: BlockBackend; cdrom?: BlockBackend; bootOrder?: string[]; ramMiB?: number; acpiTables?: Uint8Array[] }): FirmwarePc {
  const ram = (opts.ramMiB ?? 32) << 20;
  const memory = GuestMemory.allocate(ram);
  const ports = new PortBus();
  const mmio = new MmioBus();
  const clock = new ManualClock();
  const cpu = new Cpu({ memory, ports, mmio, fpu: undefined });
  cpu.fpu = new X87(cpu.fpuHost);
  const pic = new PicPair();
  cpu.interruptController = pic;
  ports.register('pic-master', 0x20, 2, pic.masterPorts);
  ports.register('pic-slave', 0xa0, 2, pic.slavePorts);
  ports.register('elcr', 0x4d0, 2, pic.elcrPorts);
  const pit = new Pit8254({ clock, irq0: pic.irq(0) });
  ports.register('pit', 0x40, 4, pit);
  ports.register('port61', 0x61, 1, new SystemControlPortB({ clock, pit }));
  ports.register('rtc', 0x70, 2, new Rtc146818({ clock, irq: pic.irq(8), ramBytes: ram }));
  const a20 = new SimpleA20Gate(true, (on) => cpu.setA20(on));
  const kbc = new I8042({ irq1: pic.irq(1), irq12: pic.irq(12), a20, onReset: () => cpu.requestStop() });
  ports.register('i8042-data', 0x60, 1, kbc.dataPort);
  ports.register('i8042-command', 0x64, 1, kbc.commandPort);
  ports.register('port92', 0x92, 1, new Port92({ a20, onReset: () => cpu.requestStop() }));
  ports.register('post', 0x80, 1, new PostCodePort());
  let debug = '';
  ports.register('debugcon', 0x402, 1, { readPort: () => 0xe9, writePort: (_o, _s, v) => void (debug += String.fromCharCode(v & 0xff)) });
  const pci = new PciBus();
  pci.register(0, 0, new HostBridge440fx());
  pci.register(1, 0, new IsaBridgePiix3());
  ports.register('pci-config', 0xcf8, 8, new PciConfigMechanism1({ bus: pci, onReset: () => cpu.requestStop() }));
  const ide = new Piix3Ide({
    memory,
    irqPrimary: pic.irq(14),
    irqSecondary: pic.irq(15),
    primaryMaster: opts.disk ? new AtaDisk(opts.disk) : undefined,
    secondaryMaster: new AtapiCdrom({ medium: opts.cdrom }),
  });
  attachIde(ports, pci, ide);
  const vga = new Vga();
  attachVga(ports, mmio, pci, new PciVga({ vga, rom: new Uint8Array(readFileSync(VGABIOS)) }));
  const fw = new FwCfg({ memory });
  ports.register('fw-cfg', 0x510, 12, fw);
  addPcFirmwareItems(fw, {
    ramBytes: ram,
    cpus: 1,
    e820: [
      { address: 0, length: 0x9fc00, type: 1 },
      { address: 0x9fc00, length: 0x400, type: 2 },
      { address: 0x100000, length: ram - 0x100000, type: 1 },
    ],
    bootOrder: opts.bootOrder ?? [ideBootPath(1, 0), ideBootPath(0, 0)],
    bootFailWaitMs: 1000,
    acpiTables: opts.acpiTables,
  });
  const bios = new Uint8Array(readFileSync(SEABIOS));
  // The BIOS image at the top of 4 GiB, and its last 128 KiB also at 0xE0000 (shadowed RAM).
  memory.u8.set(bios.subarray(bios.length - 0x20000), 0xe0000);
  mmio.register('bios', 0x1_0000_0000 - bios.length, bios.length, {
    readMmio: (o, s) => {
      let v = 0;
      for (let i = 0; i < s; i++) v |= bios[o + i]! << (8 * i);
      return v >>> 0;
    },
    writeMmio: () => {},
  });
  routeVgaHole(cpu, () => {
    const mmu = cpu as unknown as CpuMmu;
    const before = vga.vram[0];
    vga.seq[4] = 0x08; // chain-4, window at A0000
    vga.seq[2] = 0x0f;
    mmu.physW8(0xa0000, 0x5a);
    const hit = vga.vram[0] === 0x5a;
    vga.vram[0] = before ?? 0;
    vga.seq[4] = 0;
    vga.seq[2] = 0;
    return hit;
  });
  cpu.setRegister('cs', 0xf000);
  cpu.setRegister('eip', 0xfff0);
  const renderer = new VgaRenderer(vga);
  return {
    cpu,
    memory,
    vga,
    renderer,
    ide,
    fw,
    debug: () => debug,
    run(done, maxSlices) {
      for (let n = 0; n < maxSlices; n++) {
        clock.advance(1_000_000);
        const r = cpu.run(50_000);
        if (r === 'triple-fault' || r === 'shutdown' || done(debug)) return n + 1;
      }
      return maxSlices;
    },
    screenText() {
      const lines: string[] = [];
      for (let r = 0; r < 25; r++) {
        let line = '';
        for (let c = 0; c < 80; c++) {
          const ch = vga.vram[(r * 80 + c) * 4]!;
          line += ch >= 32 && ch < 127 ? String.fromCharCode(ch) : ' ';
        }
        lines.push(line.trimEnd());
      }
      return lines;
    },
  };
}
