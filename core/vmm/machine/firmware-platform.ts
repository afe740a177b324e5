// The firmware-boot half of the PC: the BIOS image at the top of 4 GiB (its last 128 KiB
// also in RAM at 0xE0000, the shadowed copy a chipset would give after reset), QEMU's fw_cfg
// with RAM size, e820, boot order and our ACPI tables, PIIX3 IDE with the disks and CD-ROM,
// the PCI VGA with its BIOS ROM, and SeaBIOS's debug console on port 0x402. The IDE half
// (disks and CD-ROM) is also there under direct kernel boot.
import type { MmioBus, PortBus, IrqLine } from '../../bus';
import {
  addPcFirmwareItems,
  AtaDisk,
  AtapiCdrom,
  attachIde,
  attachVga,
  FwCfg,
  ideBootPath,
  PciVga,
  Piix3Ide,
  Vga,
  type E820Entry,
  type PciBus,
} from '../../devices';
import type { GuestMemory } from '../../memory';
import { openImage, type BlockBackend } from '../../storage';
import { layoutAcpiTables } from '../acpi';
import type { MachineSpec } from './machine-spec';
import { PORTS } from './platform-map';
import { BatchingSerialSink } from './serial-sink';
import { CountingBackend, newDiskCounters, type DiskCounters } from './counting-backend';

export interface IdePlatform {
  readonly ide: Piix3Ide;
  readonly backends: readonly BlockBackend[];
  /** What the guest read and wrote through its disks and CD-ROM (the host's disk stats). */
  readonly counters: DiskCounters;
}

export interface FirmwarePlatform {
  readonly vga: Vga;
  readonly fwCfg: FwCfg;
  /** What SeaBIOS wrote to its debug port since the last take. */
  readonly debugLog: BatchingSerialSink;
  /** Put the BIOS's shadow copy back at 0xE0000 (every reset: the chipset maps the ROM there again). */
  reloadShadow(): void;
}

const SHADOW_BYTES = 0x20000;

function openDisk(path: string, readOnly: boolean, what: string): BlockBackend {
  try {
    return openImage(path, { readOnly });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${what} ${msg.includes(path) ? msg : `${path}: ${msg}`}`);
  }
}

/** PIIX3 IDE with the spec's disks (primary master, slave) and the CD-ROM (secondary master). */
export function attachIdePlatform(opts: {
  spec: MachineSpec;
  memory: GuestMemory;
  ports: PortBus;
  pci: PciBus;
  irq14: IrqLine;
  irq15: IrqLine;
}): IdePlatform {
  const { spec, memory, ports, pci } = opts;
  const backends: BlockBackend[] = [];
  const counters = newDiskCounters();
  const disks = spec.disks ?? [];
  if (disks.length > 2) throw new Error(`firmware: at most 2 IDE disks (got ${disks.length}); the secondary channel holds the CD-ROM`);
  const drives = disks.map((d, i) => {
    const b = new CountingBackend(openDisk(d.path, d.readOnly, `disk ${i + 1}:`), counters);
    backends.push(b);
    return new AtaDisk(b, { serial: `VMD0000000000000000${i + 1}` });
  });
  let medium: BlockBackend | undefined;
  if (spec.cdrom) {
    medium = new CountingBackend(openDisk(spec.cdrom, true, 'cdrom:'), counters);
    backends.push(medium);
  }
  const ide = new Piix3Ide({
    memory,
    irqPrimary: opts.irq14,
    irqSecondary: opts.irq15,
    primaryMaster: drives[0],
    primarySlave: drives[1],
    secondaryMaster: new AtapiCdrom({ medium }),
  });
  attachIde(ports, pci, ide);
  return { ide, backends, counters };
}

export function attachFirmwarePlatform(opts: {
  spec: MachineSpec;
  memory: GuestMemory;
  ports: PortBus;
  mmio: MmioBus;
  pci: PciBus;
}): FirmwarePlatform {
  const { spec, memory, ports, mmio, pci } = opts;
  const firmware = spec.firmware!;
  const bios = firmware.bios;
  if (bios.length < SHADOW_BYTES || bios.length % 0x10000 !== 0 || bios.length > 16 << 20) {
    throw new Error(`firmware: the BIOS image is ${bios.length} bytes; expected a multiple of 64 KiB from 128 KiB to 16 MiB`);
  }
  // After reset only the last 128 KiB appear at 0xE0000; SeaBIOS copies the rest of a 256 KiB
  // image below it itself, but only when the host bridge's PAM registers say the area is not
  // RAM yet. Our PAM bytes survive a reset, so a reboot would skip that copy: put the whole
  // image (up to 256 KiB, what SeaBIOS would copy) below 1 MiB on every reset instead.
  const below1M = bios.subarray(Math.max(0, bios.length - 2 * SHADOW_BYTES));
  const reloadShadow = (): void => memory.u8.set(below1M, 0x100000 - below1M.length);
  mmio.register('bios', 0x1_0000_0000 - bios.length, bios.length, {
    readMmio: (o, s) => {
      let v = 0;
      for (let i = 0; i < s; i++) v |= bios[o + i]! << (8 * i);
      return v >>> 0;
    },
    writeMmio: () => {},
  });


  const vga = new Vga();
  if (firmware.vgaBios) attachVga(ports, mmio, pci, new PciVga({ vga, rom: firmware.vgaBios }));

  const ram = memory.size;
  const fwCfg = new FwCfg({ memory });
  ports.register('fw-cfg', PORTS.fwCfg, 12, fwCfg);
  const e820: E820Entry[] = [
    { address: 0, length: 0x9fc00, type: 1 },
    { address: 0x9fc00, length: 0x400, type: 2 },
    { address: 0x100000, length: ram - 0x100000, type: 1 },
    { address: 0x1_0000_0000 - bios.length, length: bios.length, type: 2 },
  ];
  const bootPaths = (spec.bootOrder ?? ['c', 'd']).map((d) => (d === 'c' ? ideBootPath(0, 0) : ideBootPath(1, 0)));
  const acpiTables = spec.apic
    ? layoutAcpiTables(ram).tables.filter((t) => ['FACP', 'FACS', 'APIC', 'DSDT'].includes(t.signature)).map((t) => t.bytes)
    : undefined;
  addPcFirmwareItems(fwCfg, { ramBytes: ram, cpus: 1, e820, bootOrder: bootPaths, bootFailWaitMs: 5000, acpiTables });

  const debugLog = new BatchingSerialSink();
  ports.register('debugcon', PORTS.debugcon, 1, {
    readPort: () => 0xe9, // what QEMU's debugcon answers, so SeaBIOS knows it is there
    writePort: (_o, _s, v) => debugLog.write(v & 0xff),
  });
  return { vga, fwCfg, debugLog, reloadShadow };
}
